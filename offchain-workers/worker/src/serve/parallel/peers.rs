//! The servers a server calls for the experts it does not hold: what each runs (asked with
//! `GET /v1/aiblock/experts`), which are up, and which to call for a layer's experts.

use super::wire::{self, ExpertCall, ExpertReply};
use codec::{Decode, Encode};
use std::{
	collections::HashSet,
	io::Read,
	sync::Mutex,
	time::{Duration, Instant},
};

/// How long a whole call to a peer may take (a peer that hangs is as good as dead).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// How long a listing may take (a peer that stalls it is down until the next refresh).
pub const LISTING_TIMEOUT: Duration = Duration::from_secs(3);

/// How long a peer that failed a call is left out (a listing does not bring it back sooner).
pub const DOWN_FOR: Duration = Duration::from_secs(30);

/// The most peers a server keeps (the registry could list many).
pub const MAX_PEERS: usize = 64;

/// One peer as this server knows it.
#[derive(Clone, Debug)]
struct Peer {
	url: String,
	/// The block ids of the experts it runs, as it last said.
	hosts: HashSet<[u8; 32]>,
	/// Whether its last listing came.
	listed: bool,
	/// Left out until then after a failed call.
	failed_until: Option<Instant>,
	/// Caught returning rows its expert does not give: never called again.
	banned: bool,
	/// A moving average of its calls' time, to prefer the quicker of equal choices (zero until
	/// measured).
	latency: Duration,
}

impl Peer {
	fn up(&self, now: Instant) -> bool {
		self.listed && !self.banned && self.failed_until.is_none_or(|until| now >= until)
	}
}

/// `url` as a peer's base URL: `http(s)://host[:port]` and nothing else (a registry entry with
/// a path, query or credentials is refused, so calls go to the server's API and nowhere else).
pub fn base_url(url: &str) -> Option<String> {
	let url = url.trim().trim_end_matches('/');
	let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"))?;
	let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
	(!rest.is_empty() && rest.chars().all(plain)).then(|| url.to_string())
}

/// A peer's listing: the block ids it runs, or why it gave none.
type Listing = Result<Vec<[u8; 32]>, String>;

/// A peer's state for `/metrics` and the logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerStatus {
	pub url: String,
	pub experts: usize,
	pub up: bool,
}

/// The peers, numbered in the order they were added (a number never changes: it is who
/// computed an expert, `by` = number + 1, in the decoder's record).
pub struct Peers {
	peers: Mutex<Vec<Peer>>,
	agent: ureq::Agent,
}

/// Which peer to call for which of the needed experts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assignment {
	/// Per peer, the indices (into the needed list) it is asked for.
	pub calls: Vec<(usize, Vec<usize>)>,
	/// The indices no peer that is up runs.
	pub nowhere: Vec<usize>,
}

impl Peers {
	pub fn new() -> Peers {
		let agent = ureq::Agent::config_builder()
			.timeout_connect(Some(Duration::from_secs(2)))
			.timeout_global(Some(CALL_TIMEOUT))
			.max_redirects(0)
			.http_status_as_error(false)
			.build()
			.into();
		Peers { peers: Mutex::new(Vec::new()), agent }
	}

	fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Peer>> {
		self.peers.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}

	/// Add a peer at `url` (`http://host:port`) unless it is known, not a base URL
	/// ([`base_url`]), or [`MAX_PEERS`] are known; whether it was added.
	pub fn add(&self, url: &str) -> bool {
		let Some(url) = base_url(url) else { return false };
		let mut peers = self.lock();
		if peers.len() >= MAX_PEERS || peers.iter().any(|p| p.url == url) {
			return false;
		}
		peers.push(Peer {
			url,
			hosts: HashSet::new(),
			listed: false,
			failed_until: None,
			banned: false,
			latency: Duration::ZERO,
		});
		true
	}

	/// Never call peer `number` again (it returned rows its expert does not give).
	pub fn ban(&self, number: usize) {
		if let Some(peer) = self.lock().get_mut(number) {
			log::error!(
				"serve: peer {} returned wrong expert rows: it is not called again",
				peer.url
			);
			peer.banned = true;
		}
	}

	/// Peer `number`'s URL.
	pub fn url(&self, number: usize) -> Option<String> {
		self.lock().get(number).map(|p| p.url.clone())
	}

	pub fn status(&self) -> Vec<PeerStatus> {
		let now = Instant::now();
		self.lock()
			.iter()
			.map(|p| PeerStatus { url: p.url.clone(), experts: p.hosts.len(), up: p.up(now) })
			.collect()
	}

	/// Ask every peer what it runs now, all at once (blocking, at most [`LISTING_TIMEOUT`]); a
	/// peer that does not answer is down until its next listing.
	pub fn refresh(&self) {
		let urls: Vec<String> = self.lock().iter().map(|p| p.url.clone()).collect();
		let listings: Vec<(Listing, Duration)> = std::thread::scope(|scope| {
			let asks: Vec<_> = urls
				.iter()
				.map(|url| {
					scope.spawn(move || {
						let started = Instant::now();
						(self.get_listing(url), started.elapsed())
					})
				})
				.collect();
			asks.into_iter()
				.map(|ask| ask.join().unwrap_or_else(|_| (Err("panicked".into()), Duration::ZERO)))
				.collect()
		});
		let mut peers = self.lock();
		for (peer, (listing, took)) in peers.iter_mut().zip(listings) {
			match listing {
				Ok(ids) => {
					peer.hosts = ids.into_iter().collect();
					peer.listed = true;
					// A first measure of how far it is, before any call.
					if peer.latency.is_zero() {
						peer.latency = took;
					}
				},
				Err(why) => {
					log::debug!("serve: peer {} did not list its experts: {why}", peer.url);
					peer.listed = false;
				},
			}
		}
	}

	fn get_listing(&self, url: &str) -> Listing {
		let response = self
			.agent
			.get(format!("{url}{}", wire::PATH))
			.config()
			.timeout_global(Some(LISTING_TIMEOUT))
			.build()
			.call()
			.map_err(|e| e.to_string())?;
		if response.status() != 200 {
			return Err(format!("HTTP {}", response.status()));
		}
		let mut text = String::new();
		response
			.into_body()
			.into_reader()
			.take(1 << 20)
			.read_to_string(&mut text)
			.map_err(|e| e.to_string())?;
		let listing: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
		Ok(wire::hosted_ids(&listing))
	}

	/// Who to call for the experts `needed` (block ids): peers that are up and not in
	/// `tried`, the one running the most of them first (the experts a layer's rows chose
	/// together go to one peer in one call where a peer runs the whole group), the quicker
	/// first among equals, until each is placed or no peer runs the rest.
	pub fn assign(&self, needed: &[[u8; 32]], tried: &HashSet<usize>) -> Assignment {
		let now = Instant::now();
		let peers = self.lock();
		let mut left: Vec<usize> = (0..needed.len()).collect();
		let mut assignment = Assignment::default();
		let mut used = HashSet::new();
		while !left.is_empty() {
			let best = peers
				.iter()
				.enumerate()
				.filter(|(number, p)| {
					p.up(now) && !used.contains(number) && !tried.contains(number)
				})
				.map(|(number, p)| {
					let covers: Vec<usize> =
						left.iter().copied().filter(|&i| p.hosts.contains(&needed[i])).collect();
					(number, covers, p.latency)
				})
				.filter(|(_, covers, _)| !covers.is_empty())
				.max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.2.cmp(&a.2)).then(b.0.cmp(&a.0)));
			let Some((number, covers, _)) = best else { break };
			left.retain(|i| !covers.contains(i));
			used.insert(number);
			assignment.calls.push((number, covers));
		}
		assignment.nowhere = left;
		assignment
	}

	/// Call peer `number` (blocking; in several requests of at most
	/// [`wire::MAX_CALL_BYTES`] where the rows need it): the outputs of the call's parts, or why
	/// not. A failure leaves the peer out for [`DOWN_FOR`].
	pub fn call(
		&self,
		number: usize,
		call: &ExpertCall,
		d_model: usize,
	) -> Result<Vec<Vec<f32>>, String> {
		let url = self.url(number).ok_or("no such peer")?;
		let started = Instant::now();
		let result = call.split(wire::MAX_CALL_BYTES, d_model).iter().try_fold(
			vec![Vec::new(); call.parts.len()],
			|mut outputs, (piece, parts)| {
				for (p, y) in parts.iter().zip(self.post(&url, piece)?) {
					outputs[*p].extend(y);
				}
				Ok::<_, String>(outputs)
			},
		);
		let mut peers = self.lock();
		let peer = &mut peers[number];
		match &result {
			Ok(_) if peer.latency.is_zero() => peer.latency = started.elapsed(),
			Ok(_) => peer.latency = (peer.latency * 3 + started.elapsed()) / 4,
			Err(why) => {
				log::warn!("serve: peer {url} failed an expert call ({why}); trying elsewhere");
				peer.failed_until = Some(Instant::now() + DOWN_FOR);
			},
		}
		result
	}

	fn post(&self, url: &str, call: &ExpertCall) -> Result<Vec<Vec<f32>>, String> {
		let body = call.encode();
		let response = self
			.agent
			.post(format!("{url}{}", wire::PATH))
			.header("Content-Type", "application/octet-stream")
			.send(&body[..])
			.map_err(|e| e.to_string())?;
		let status = response.status().as_u16();
		let mut bytes = Vec::new();
		response
			.into_body()
			.into_reader()
			.take(wire::MAX_CALL_BYTES as u64 + 1)
			.read_to_end(&mut bytes)
			.map_err(|e| e.to_string())?;
		if status != 200 {
			let text = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).into_owned();
			return Err(format!("HTTP {status}: {text}"));
		}
		let reply = ExpertReply::decode(&mut &bytes[..])
			.map_err(|e| format!("an unreadable reply: {e}"))?;
		if reply.outputs.len() != call.parts.len()
			|| reply.outputs.iter().zip(&call.parts).any(|(y, part)| y.len() != part.x.len())
		{
			return Err("a reply whose outputs do not match the rows sent".into());
		}
		// Where the model gives a non-finite value the single server fails too; from a peer it
		// is the peer's fault, and would fail every pass it took part in.
		if reply.outputs.iter().flatten().any(|&bits| !f32::from_bits(bits).is_finite()) {
			return Err("a reply with non-finite values".into());
		}
		Ok(reply.outputs.iter().map(|y| wire::floats(y)).collect())
	}
}

impl Default for Peers {
	fn default() -> Self {
		Peers::new()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn peers(hosting: &[&[u8]]) -> Peers {
		let peers = Peers::new();
		for (n, hosts) in hosting.iter().enumerate() {
			peers.add(&format!("http://peer{n}"));
			peers.lock()[n].hosts = hosts.iter().map(|&b| [b; 32]).collect();
			peers.lock()[n].listed = true;
		}
		peers
	}

	#[test]
	fn a_group_goes_to_the_peer_that_runs_all_of_it() {
		let p = peers(&[&[1], &[2], &[1, 2, 3], &[4]]);
		let needed = [[1; 32], [2; 32], [4; 32], [9; 32]];
		let none = HashSet::new();
		let a = p.assign(&needed, &none);
		assert_eq!(a.calls, vec![(2, vec![0, 1]), (3, vec![2])]);
		assert_eq!(a.nowhere, vec![3]);
		// Down peers are passed over; among equals the quicker goes first.
		p.lock()[2].failed_until = Some(Instant::now() + DOWN_FOR);
		p.lock()[0].latency = Duration::from_millis(50);
		let a = p.assign(&needed[..2], &none);
		assert_eq!(a.calls, vec![(1, vec![1]), (0, vec![0])]);
		assert_eq!(p.status().iter().filter(|s| s.up).count(), 3);
		// Peers already tried this pass, and banned ones, are passed over too.
		let a = p.assign(&needed[..2], &HashSet::from([1]));
		assert_eq!((a.calls, a.nowhere), (vec![(0, vec![0])], vec![1]));
		p.ban(0);
		assert_eq!(p.assign(&needed[..1], &none).nowhere, vec![0]);
		assert!(!p.add("http://peer1/"), "a known peer is not added twice");
	}

	#[test]
	fn only_plain_base_urls_become_peers() {
		assert_eq!(base_url("http://127.0.0.1:8080/"), Some("http://127.0.0.1:8080".into()));
		assert_eq!(base_url("https://[::1]:9"), Some("https://[::1]:9".into()));
		for bad in
			["ftp://x", "http://", "http://x/y", "http://x?y", "http://u@x", "x:80", "http://x#"]
		{
			assert_eq!(base_url(bad), None, "{bad}");
		}
		let p = Peers::new();
		assert!(!p.add("http://10.0.0.5:2379/v2/keys?x="));
		for n in 0..MAX_PEERS + 3 {
			p.add(&format!("http://peer{n}"));
		}
		assert_eq!(p.status().len(), MAX_PEERS);
	}

	#[test]
	fn a_dead_peer_fails_its_call_and_is_left_out() {
		let p = Peers::new();
		// Nothing listens on port 9 of localhost (discard): the connection is refused.
		p.add("http://127.0.0.1:9");
		p.lock()[0].hosts.insert([1; 32]);
		p.lock()[0].listed = true;
		let x = vec![0; 8];
		let call =
			ExpertCall { parts: vec![wire::CallPart { layer: 0, expert: 0, block: [1; 32], x }] };
		assert!(p.call(0, &call, 8).is_err());
		assert_eq!(p.assign(&[[1; 32]], &HashSet::new()).nowhere, vec![0]);
		p.refresh();
		assert!(!p.status()[0].up);
	}
}
