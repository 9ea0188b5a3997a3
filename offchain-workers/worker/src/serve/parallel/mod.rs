//! Expert-parallel serving: a server holds some of the model's experts and calls peers for the
//! others.
//!
//! The server keeps the shared blocks, attention and routers, so it routes every row itself;
//! for each layer of a pass it computes the experts it holds and sends the rows routed to the
//! others to peers that run them ([`peers`]; found with `--peer` and in the chain's registry of
//! servers), several experts to one peer in one call where a peer runs the whole group the rows
//! chose. Experts it keeps calling for (`--cache-after` calls) it loads itself in the
//! background, up to `--cache-experts` of them. When a peer fails a call, its experts go to
//! another peer that runs them, or, where none is left, the server loads them itself and goes
//! on: a dying peer costs time, not the answer.
//!
//! The answer is the single server's, bit for bit (see
//! [`aiblock_compute::transformer::experts`]), so the trail, the receipts and the auditors'
//! replay are unchanged; the trail adds `computed_by`, which server computed the rows of which
//! expert.

pub mod peers;
pub mod wire;

use crate::WorkerError;
use aiblock_compute::{
	backend::Backend,
	model::BlockId,
	transformer::{
		experts::{
			expert_output, run_here, ExpertMatrices, ExpertOutput, ExpertRunner, ExpertWork, HERE,
		},
		TransformerError, TransformerSpec, TransformerWeights,
	},
};
use peers::Peers;
use std::{
	collections::{BTreeMap, BTreeSet, HashMap, HashSet},
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex,
	},
};

/// Which experts a server holds (`--experts`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Holding {
	/// Every expert: a single server.
	#[default]
	All,
	/// Each item: experts `first..=last` of one layer, or of every layer.
	Some(Vec<HeldRange>),
}

/// `layer:first-last`, the layer left out for every layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldRange {
	pub layer: Option<usize>,
	pub first: usize,
	pub last: usize,
}

impl std::str::FromStr for Holding {
	type Err = String;

	/// `all`, or a comma-separated list of `E`, `E-F` (those experts of every layer), `L:E` and
	/// `L:E-F` (of layer L).
	fn from_str(text: &str) -> Result<Self, String> {
		if text.trim() == "all" {
			return Ok(Holding::All);
		}
		let number = |s: &str| {
			s.trim().parse::<usize>().map_err(|_| format!("{s:?} in --experts is not a number"))
		};
		let mut ranges = Vec::new();
		for item in text.split(',') {
			let (layer, experts) = match item.split_once(':') {
				Some((layer, experts)) => (Some(number(layer)?), experts),
				None => (None, item),
			};
			let (first, last) = match experts.split_once('-') {
				Some((first, last)) => (number(first)?, number(last)?),
				None => (number(experts)?, number(experts)?),
			};
			if first > last {
				return Err(format!("--experts {item:?}: {first} is above {last}"));
			}
			ranges.push(HeldRange { layer, first, last });
		}
		Ok(Holding::Some(ranges))
	}
}

impl std::fmt::Display for Holding {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		let Holding::Some(ranges) = self else { return write!(f, "all") };
		let items: Vec<String> = ranges
			.iter()
			.map(|r| {
				let layer = r.layer.map_or(String::new(), |l| format!("{l}:"));
				if r.first == r.last {
					format!("{layer}{}", r.first)
				} else {
					format!("{layer}{}-{}", r.first, r.last)
				}
			})
			.collect();
		write!(f, "{}", items.join(","))
	}
}

impl Holding {
	pub fn holds(&self, layer: usize, expert: usize) -> bool {
		match self {
			Holding::All => true,
			Holding::Some(ranges) => ranges.iter().any(|r| {
				r.layer.is_none_or(|l| l == layer) && (r.first..=r.last).contains(&expert)
			}),
		}
	}

	/// Whether `block` is one this server loads (every block but the experts it does not hold).
	pub fn loads(&self, block: BlockId) -> bool {
		match block {
			BlockId::Expert { layer, expert } => self.holds(layer as usize, expert as usize),
			_ => true,
		}
	}

	/// Refuse a holding that names experts or layers `spec` does not have.
	pub fn check(&self, spec: &TransformerSpec) -> Result<(), WorkerError> {
		let Holding::Some(ranges) = self else { return Ok(()) };
		for r in ranges {
			if r.layer.is_some_and(|l| l >= spec.layers) || r.last >= spec.experts {
				return Err(WorkerError::Usage(format!(
					"--experts names {}expert {}, but the model has {} layers of {} experts",
					r.layer.map_or(String::new(), |l| format!("layer {l}'s ")),
					r.last,
					spec.layers,
					spec.experts
				)));
			}
		}
		Ok(())
	}
}

/// How a server holding some experts gets the others (shared by every model version it loads).
pub struct Placement {
	pub holding: Holding,
	pub peers: Arc<Peers>,
	/// Calls for one expert after which the server loads it itself (0: never).
	pub cache_after: u32,
	/// Experts beyond its own it keeps loaded.
	pub cache_experts: usize,
	/// Recompute every this-many-th expert a peer computed from the store's copy, and never
	/// call a peer again whose rows differ (0: trust the peers).
	pub check_peers: u64,
	/// This server's own URL, as the trail names it.
	pub own: String,
	pub counters: Arc<Counters>,
}

/// What expert-parallel serving did, for `/metrics`.
#[derive(Debug, Default)]
pub struct Counters {
	/// Expert computations sent to peers, and the rows in them.
	pub remote_experts: AtomicU64,
	pub remote_rows: AtomicU64,
	/// Calls a peer failed (and that went elsewhere).
	pub failed_calls: AtomicU64,
	/// Experts loaded here because no peer was left to run them.
	pub loaded_on_failure: AtomicU64,
	/// Experts loaded here after repeated calls (hot experts).
	pub loaded_hot: AtomicU64,
	/// Peer replies caught with rows their experts do not give (each peer then banned).
	pub peer_mismatches: AtomicU64,
}

impl Counters {
	pub fn render(&self, out: &mut String) {
		let metrics = [
			("remote_experts", "Expert computations sent to peers", &self.remote_experts),
			("remote_rows", "Rows sent to peers' experts", &self.remote_rows),
			("failed_calls", "Expert calls a peer failed", &self.failed_calls),
			(
				"loaded_on_failure",
				"Experts loaded after no peer could run them",
				&self.loaded_on_failure,
			),
			("loaded_hot", "Experts loaded after repeated calls for them", &self.loaded_hot),
			(
				"peer_mismatches",
				"Peer replies with wrong rows (the peer banned)",
				&self.peer_mismatches,
			),
		];
		for (name, help, value) in metrics {
			let name = format!("aiblock_serve_parallel_{name}_total");
			out.push_str(&format!(
				"# HELP {name} {help}.\n# TYPE {name} counter\n{name} {}\n",
				value.load(Ordering::Relaxed)
			));
		}
	}
}

/// Loads one block's weights from the chain's store (blocking).
pub type Loader = Arc<dyn Fn(BlockId) -> Result<TransformerWeights, WorkerError> + Send + Sync>;

/// Experts this server loaded beyond its own, and how often each was called for.
#[derive(Default)]
struct Cache {
	/// Loaded experts by slot, with when each was last used.
	loaded: HashMap<usize, (Arc<TransformerWeights>, u64)>,
	/// Uses per slot since the model was loaded: calls to peers, and computations here from
	/// the cache. The most used are the hot ones.
	uses: HashMap<usize, u64>,
	loading: BTreeSet<usize>,
	clock: u64,
}

impl Cache {
	fn uses(&self, slot: usize) -> u64 {
		self.uses.get(&slot).copied().unwrap_or(0)
	}

	/// The loaded expert to drop first: the least used, then the least recently used.
	fn coldest(&self) -> Option<usize> {
		self.loaded
			.iter()
			.min_by_key(|(slot, (_, used))| (self.uses(**slot), *used))
			.map(|(s, _)| *s)
	}

	/// Whether `slot` is worth loading after a call for it: used `after` times, and either
	/// room is left or it is used more than the coldest loaded expert (so that experts beyond
	/// the room do not evict each other at every call).
	fn worth_loading(&self, slot: usize, after: u32, room: usize) -> bool {
		let uses = self.uses(slot);
		after > 0
			&& room > 0
			&& uses >= u64::from(after)
			&& !self.loading.contains(&slot)
			&& !self.loaded.contains_key(&slot)
			&& (self.loaded.len() < room
				|| self.coldest().is_some_and(|coldest| self.uses(coldest) < uses))
	}

	/// Keep `weights` for `slot`, dropping the coldest beyond `room` (at least one: an expert
	/// loaded because no peer runs it stays until a hotter one needs its place).
	fn insert(&mut self, slot: usize, weights: Arc<TransformerWeights>, room: usize) {
		self.clock += 1;
		self.loaded.insert(slot, (weights, self.clock));
		while self.loaded.len() > room.max(1) {
			let Some(coldest) = self
				.loaded
				.keys()
				.copied()
				.filter(|s| *s != slot)
				.min_by_key(|s| (self.uses(*s), self.loaded[s].1))
			else {
				break;
			};
			self.loaded.remove(&coldest);
		}
	}
}

/// The [`ExpertRunner`] of one model version served with some of its experts.
pub struct ParallelExperts {
	spec: TransformerSpec,
	/// The block id of every expert slot (`layer × experts + expert`).
	ids: Vec<[u8; 32]>,
	placement: Arc<Placement>,
	loader: Loader,
	cache: Arc<Mutex<Cache>>,
	/// Each peer's remote computations so far, for its spot checks.
	checked: Mutex<HashMap<usize, u64>>,
}

fn lock(cache: &Mutex<Cache>) -> std::sync::MutexGuard<'_, Cache> {
	cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl ParallelExperts {
	/// For a model of `spec` whose expert blocks are `blocks`; `loader` fetches a block.
	pub fn new(
		spec: TransformerSpec,
		blocks: &[(BlockId, [u8; 32])],
		placement: Arc<Placement>,
		loader: Loader,
	) -> ParallelExperts {
		let mut ids = vec![[0; 32]; spec.layers * spec.experts];
		for (block, id) in blocks {
			if let BlockId::Expert { layer, expert } = *block {
				if let Some(place) = ids.get_mut(layer as usize * spec.experts + expert as usize) {
					*place = *id;
				}
			}
		}
		ParallelExperts {
			spec,
			ids,
			placement,
			loader,
			cache: Arc::default(),
			checked: Mutex::default(),
		}
	}

	/// The weights of a loaded (not held) expert.
	pub fn cached(&self, layer: usize, expert: usize) -> Option<Arc<TransformerWeights>> {
		let slot = layer * self.spec.experts + expert;
		lock(&self.cache).loaded.get(&slot).map(|(w, _)| w.clone())
	}

	/// Who `by` is ([`ExpertOutput::by`]): this server or a peer's URL.
	pub fn computer(&self, by: u32) -> String {
		match by {
			HERE => self.placement.own.clone(),
			peer => self.placement.peers.url(peer as usize - 1).unwrap_or_default(),
		}
	}

	/// The trail's `computed_by`: for each expert slot and computer, the rows.
	pub fn trail(&self, computed: &BTreeMap<(usize, u32), u64>) -> serde_json::Value {
		let entries: Vec<serde_json::Value> = computed
			.iter()
			.map(|(&(slot, by), rows)| {
				serde_json::json!({
					"block": self.block(slot).name(),
					"id": super::model::hex(&self.ids[slot]),
					"server": self.computer(by),
					"rows": rows,
				})
			})
			.collect();
		serde_json::Value::Array(entries)
	}

	/// The counters and each peer's state, in the Prometheus text format.
	pub fn render_metrics(&self, out: &mut String) {
		self.placement.counters.render(out);
		let name = "aiblock_serve_parallel_peer_up";
		out.push_str(&format!(
			"# HELP {name} Whether a peer answers (1) and the experts it runs.\n"
		));
		out.push_str(&format!("# TYPE {name} gauge\n"));
		for peer in self.placement.peers.status() {
			out.push_str(&format!(
				"{name}{{peer=\"{}\",experts=\"{}\"}} {}\n",
				peer.url.replace(['"', '\\', '\n'], "_"),
				peer.experts,
				u8::from(peer.up)
			));
		}
	}

	/// Load `slot`'s expert here now (blocking), keeping it.
	fn load(&self, slot: usize) -> Result<Arc<TransformerWeights>, WorkerError> {
		let block = self.block(slot);
		let weights = Arc::new((self.loader)(block)?);
		lock(&self.cache).insert(slot, weights.clone(), self.placement.cache_experts);
		Ok(weights)
	}

	fn block(&self, slot: usize) -> BlockId {
		let experts = self.spec.experts;
		BlockId::Expert { layer: (slot / experts) as u32, expert: (slot % experts) as u32 }
	}

	/// Count a call for `slot`; once it is worth it ([`Cache::worth_loading`]), load it in the
	/// background.
	fn called_for(&self, slot: usize) {
		let (after, room) = (self.placement.cache_after, self.placement.cache_experts);
		let mut cache = lock(&self.cache);
		*cache.uses.entry(slot).or_default() += 1;
		if !cache.worth_loading(slot, after, room) {
			return;
		}
		cache.loading.insert(slot);
		drop(cache);
		let (cache, loader, block) = (self.cache.clone(), self.loader.clone(), self.block(slot));
		let counters = self.placement.counters.clone();
		std::thread::spawn(move || {
			let loaded = loader(block);
			let mut cache = lock(&cache);
			cache.loading.remove(&slot);
			match loaded {
				Ok(weights) => {
					log::info!("serve: {block} is called for often: now held here too");
					counters.loaded_hot.fetch_add(1, Ordering::Relaxed);
					cache.insert(slot, Arc::new(weights), room);
				},
				Err(e) => log::warn!("serve: could not load the hot expert {block}: {e}"),
			}
		});
	}

	/// The cache's weights for `slot`'s expert (`None` where the model's weights hold it, or
	/// nothing is cached), marked as just used.
	fn local(&self, weights: &TransformerWeights, slot: usize) -> Option<Arc<TransformerWeights>> {
		let (layer, expert) = (slot / self.spec.experts, slot % self.spec.experts);
		if ExpertMatrices::of(weights, layer, expert).is_some() {
			return None;
		}
		let mut cache = lock(&self.cache);
		cache.clock += 1;
		let clock = cache.clock;
		let hit = cache.loaded.get_mut(&slot).map(|(w, used)| {
			*used = clock;
			w.clone()
		});
		if hit.is_some() {
			*cache.uses.entry(slot).or_default() += 1;
		}
		hit
	}
}

/// One peer call of a pass: the peer, the work items it runs, the call.
type PeerCall = (usize, Vec<usize>, wire::ExpertCall);

impl ParallelExperts {
	/// The calls for the work items `remote` (every one a peer runs), and the items no peer
	/// that is up and untried runs.
	fn plan(
		&self,
		layer: usize,
		work: &[ExpertWork<'_>],
		remote: &[usize],
		tried: &HashSet<usize>,
	) -> (Vec<PeerCall>, Vec<usize>) {
		let slot = |i: usize| layer * self.spec.experts + work[i].expert;
		let needed: Vec<[u8; 32]> = remote.iter().map(|&i| self.ids[slot(i)]).collect();
		let assignment = self.placement.peers.assign(&needed, tried);
		let calls = assignment
			.calls
			.into_iter()
			.map(|(peer, indices)| {
				let indices: Vec<usize> = indices.into_iter().map(|n| remote[n]).collect();
				let parts = indices
					.iter()
					.map(|&i| wire::CallPart {
						layer: layer as u32,
						expert: work[i].expert as u32,
						block: self.ids[slot(i)],
						x: wire::bits(work[i].x),
					})
					.collect();
				(peer, indices, wire::ExpertCall { parts })
			})
			.collect();
		(calls, assignment.nowhere.into_iter().map(|n| remote[n]).collect())
	}

	/// Whether `peer`'s rows for `item` are the expert's: the peer's first computation and
	/// then every `check_peers`-th of its computations are recomputed here from the store's
	/// copy.
	fn checks_out(
		&self,
		backend: &dyn Backend,
		peer: usize,
		layer: usize,
		item: &ExpertWork<'_>,
		y: &[f32],
	) -> bool {
		let every = self.placement.check_peers;
		let count = {
			let mut checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
			let count = checked.entry(peer).or_default();
			*count += 1;
			*count - 1
		};
		if every == 0 || !count.is_multiple_of(every) {
			return true;
		}
		let block = self.block(layer * self.spec.experts + item.expert);
		let Ok(weights) = (self.loader)(block) else {
			// The store's trouble is not the peer's fault.
			return true;
		};
		let Some(matrices) = ExpertMatrices::of(&weights, layer, item.expert) else { return true };
		match expert_output(backend, &self.spec, matrices, item.x) {
			Ok(here) => here.iter().zip(y).all(|(a, b)| a.to_bits() == b.to_bits()),
			Err(_) => true,
		}
	}

	/// `item` computed here: from the weights, the cache, or (`load`) the store.
	fn here(
		&self,
		backend: &dyn Backend,
		weights: &TransformerWeights,
		layer: usize,
		item: &ExpertWork<'_>,
		load: bool,
	) -> Result<ExpertOutput, TransformerError> {
		let slot = layer * self.spec.experts + item.expert;
		let cached = self.local(weights, slot);
		let loaded = match (&cached, load) {
			(None, true) if ExpertMatrices::of(weights, layer, item.expert).is_none() => {
				let block = self.block(slot);
				log::warn!("serve: no peer is up that runs {block}: loading it here");
				let loaded = self
					.load(slot)
					.map_err(|e| TransformerError::ExpertsUnavailable(format!("{block}: {e}")))?;
				self.placement.counters.loaded_on_failure.fetch_add(1, Ordering::Relaxed);
				Some(loaded)
			},
			_ => None,
		};
		let source = loaded.as_deref().or(cached.as_deref()).unwrap_or(weights);
		run_here(backend, &self.spec, source, layer, item)
	}
}

impl ExpertRunner for ParallelExperts {
	fn run(
		&self,
		backend: &dyn Backend,
		weights: &TransformerWeights,
		layer: usize,
		work: &[ExpertWork<'_>],
	) -> Result<Vec<ExpertOutput>, TransformerError> {
		let spec = &self.spec;
		let slot = |i: usize| layer * spec.experts + work[i].expert;
		let mut outputs: Vec<Option<ExpertOutput>> = vec![None; work.len()];
		let (local, mut remote): (Vec<usize>, Vec<usize>) = (0..work.len()).partition(|&i| {
			ExpertMatrices::of(weights, layer, work[i].expert).is_some()
				|| self.cached(layer, work[i].expert).is_some()
		});
		let counters = &self.placement.counters;
		let peers = &self.placement.peers;
		// A peer that fails a call is not tried again this pass: its experts go to the other
		// peers (those that answered included), and what none of them runs is loaded here.
		let mut tried = HashSet::new();
		let mut first = true;
		while first || !remote.is_empty() {
			let (calls, nowhere) = self.plan(layer, work, &remote, &tried);
			// The peers compute while this server computes its own experts.
			let replies: Vec<Result<Vec<Vec<f32>>, String>> = std::thread::scope(|scope| {
				let handles: Vec<_> = calls
					.iter()
					.map(|(peer, _, call)| {
						scope.spawn(move || peers.call(*peer, call, spec.d_model))
					})
					.collect();
				let mine = if first { &local[..] } else { &[][..] };
				for &i in mine.iter().chain(&nowhere) {
					outputs[i] = Some(self.here(backend, weights, layer, &work[i], true)?);
				}
				Ok::<_, TransformerError>(
					handles
						.into_iter()
						.map(|h| h.join().unwrap_or_else(|_| Err("the call panicked".into())))
						.collect(),
				)
			})?;
			first = false;
			remote.clear();
			for ((peer, indices, _), reply) in calls.into_iter().zip(replies) {
				let reply = reply.and_then(|ys| {
					let right = indices
						.iter()
						.zip(&ys)
						.all(|(&i, y)| self.checks_out(backend, peer, layer, &work[i], y));
					if !right {
						counters.peer_mismatches.fetch_add(1, Ordering::Relaxed);
						peers.ban(peer);
						return Err("wrong rows".to_string());
					}
					Ok(ys)
				});
				match reply {
					Ok(ys) => {
						for (i, y) in indices.into_iter().zip(ys) {
							counters.remote_experts.fetch_add(1, Ordering::Relaxed);
							let rows = (y.len() / spec.d_model) as u64;
							counters.remote_rows.fetch_add(rows, Ordering::Relaxed);
							self.called_for(slot(i));
							outputs[i] = Some(ExpertOutput { y, by: peer as u32 + 1 });
						}
					},
					Err(_) => {
						counters.failed_calls.fetch_add(1, Ordering::Relaxed);
						tried.insert(peer);
						remote.extend(indices);
					},
				}
			}
		}
		outputs
			.into_iter()
			.map(|o| {
				o.ok_or_else(|| {
					TransformerError::ExpertsUnavailable("an expert was not run".into())
				})
			})
			.collect()
	}
}

#[cfg(test)]
mod tests;
