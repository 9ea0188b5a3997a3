//! Prometheus metrics: `GET /metrics` on the port given by `--prometheus-port`, in the text
//! exposition format. Counters only move forward; `aiblock_worker_finalized_block` is the last
//! block the worker acted on, so a stalled worker shows as a flat line.

use crate::run::Counters;
use std::{
	sync::{atomic::Ordering, Arc},
	time::Duration,
};

/// Connections served at the same time.
pub const MAX_CONNECTIONS: usize = 16;
/// How long one connection may take, request and answer: a client that sends nothing is cut.
pub const CONNECTION_DEADLINE: Duration = Duration::from_secs(5);
use tokio::{
	io::{AsyncReadExt, AsyncWriteExt},
	net::TcpListener,
};

/// The exposition text for `counters`.
pub fn render(counters: &Counters, account: &str) -> String {
	let rows: [(&str, &str, &str, &std::sync::atomic::AtomicU64); 9] = [
		(
			"jobs_accepted_total",
			"counter",
			"Jobs this worker accepted as trainer.",
			&counters.jobs_accepted,
		),
		(
			"results_submitted_total",
			"counter",
			"Training results submitted.",
			&counters.results_submitted,
		),
		(
			"claims_revealed_total",
			"counter",
			"Sealed claims revealed as trainer, once the evaluators committed.",
			&counters.claims_revealed,
		),
		("training_steps_total", "counter", "Training steps computed.", &counters.training_steps),
		(
			"attestations_committed_total",
			"counter",
			"Attestations committed as evaluator.",
			&counters.attestations_committed,
		),
		(
			"attestations_revealed_total",
			"counter",
			"Attestations revealed as evaluator.",
			&counters.attestations_revealed,
		),
		(
			"replays_failed_total",
			"counter",
			"Evaluations whose replay did not reproduce the trainer's checkpoints.",
			&counters.replays_failed,
		),
		(
			"earned_total",
			"counter",
			"What the Jobs pallet paid this worker (smallest units, 10^-12 AIB).",
			&counters.earned,
		),
		(
			"finalized_block",
			"gauge",
			"The last finalized block the worker acted on.",
			&counters.finalized_block,
		),
	];
	let mut out = String::new();
	for (name, kind, help, value) in rows {
		out.push_str(&format!(
			"# HELP aiblock_worker_{name} {help}\n# TYPE aiblock_worker_{name} {kind}\n\
			 aiblock_worker_{name}{{account=\"{account}\"}} {}\n",
			value.load(Ordering::Relaxed)
		));
	}
	out
}

/// Serve `/metrics` on `127.0.0.1:port` (or `0.0.0.0` with `external`) until the process ends.
pub async fn serve(
	port: u16,
	external: bool,
	counters: Arc<Counters>,
	account: String,
) -> std::io::Result<()> {
	let host = if external { "0.0.0.0" } else { "127.0.0.1" };
	let listener = TcpListener::bind((host, port)).await?;
	log::info!("Prometheus metrics on http://{host}:{port}/metrics");
	// Many clients may connect (with --prometheus-external, anyone): a fixed number are served
	// at once, each within a deadline, and a failing `accept` (out of descriptors) backs off.
	let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
	tokio::spawn(async move {
		loop {
			let mut socket = match listener.accept().await {
				Ok((socket, _)) => socket,
				Err(e) => {
					log::warn!("metrics endpoint: accept failed: {e}; pausing 1 s");
					tokio::time::sleep(Duration::from_secs(1)).await;
					continue;
				},
			};
			// Over the cap, the connection is closed at once (the scraper retries).
			let Ok(slot) = slots.clone().try_acquire_owned() else { continue };
			let counters = counters.clone();
			let account = account.clone();
			tokio::spawn(async move {
				let _slot = slot;
				let _ = tokio::time::timeout(CONNECTION_DEADLINE, async {
					let mut request = [0u8; 1024];
					let n = socket.read(&mut request).await.unwrap_or(0);
					let head = String::from_utf8_lossy(&request[..n]);
					let (status, body) = if head.starts_with("GET /metrics") {
						("200 OK", render(&counters, &account))
					} else {
						("404 Not Found", "try /metrics\n".to_string())
					};
					let response = format!(
						"HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
						body.len()
					);
					let _ = socket.write_all(response.as_bytes()).await;
				})
				.await;
			});
		}
	});
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn counters_render_in_the_exposition_format() {
		let counters = Counters::default();
		counters.training_steps.store(40, Ordering::Relaxed);
		counters.finalized_block.store(7, Ordering::Relaxed);
		let text = render(&counters, "5Abc");
		assert!(text.contains("# TYPE aiblock_worker_training_steps_total counter\n"));
		assert!(text.contains("aiblock_worker_training_steps_total{account=\"5Abc\"} 40\n"));
		assert!(text.contains("aiblock_worker_finalized_block{account=\"5Abc\"} 7\n"));
		assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 9);
	}

	#[tokio::test]
	async fn the_endpoint_answers_over_http() {
		let counters = Arc::new(Counters::default());
		counters.jobs_accepted.store(2, Ordering::Relaxed);
		let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
		serve(port, false, counters, "me".into()).await.unwrap();
		let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
		socket.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
		let mut answer = String::new();
		socket.read_to_string(&mut answer).await.unwrap();
		assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
		assert!(
			answer.contains("aiblock_worker_jobs_accepted_total{account=\"me\"} 2"),
			"{answer}"
		);
	}

	#[tokio::test]
	async fn silent_clients_do_not_take_the_endpoint() {
		let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
		serve(port, false, Arc::new(Counters::default()), "me".into()).await.unwrap();
		// More silent connections than the cap: each is cut after the deadline.
		let mut silent = Vec::new();
		for _ in 0..MAX_CONNECTIONS + 4 {
			silent.push(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap());
		}
		tokio::time::sleep(CONNECTION_DEADLINE + Duration::from_millis(500)).await;
		let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
		socket.write_all(b"GET /metrics HTTP/1.1\r\n\r\n").await.unwrap();
		let mut answer = String::new();
		socket.read_to_string(&mut answer).await.unwrap();
		assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
		// The silent ones were closed: reading gives end of file, not a hang.
		let mut byte = [0u8; 1];
		assert_eq!(silent[0].read(&mut byte).await.unwrap_or(0), 0);
	}
}
