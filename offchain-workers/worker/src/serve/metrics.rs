//! The server's Prometheus metrics (`GET /metrics` on the serving address): requests by
//! endpoint and outcome, tokens and the time spent generating them (their ratio is tokens/s),
//! time to first token, queue depth, and the model state being served.

use super::model::{hex, ServedModel};
use std::sync::{
	atomic::{AtomicU64, Ordering},
	Mutex,
};

/// Upper bounds (seconds) of the time-to-first-token histogram's buckets.
pub const FIRST_TOKEN_BUCKETS: [f64; 10] =
	[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// A Prometheus histogram of seconds.
#[derive(Default)]
pub struct Histogram {
	/// Observations at most each bound, and in total (the `+Inf` bucket).
	counts: [AtomicU64; FIRST_TOKEN_BUCKETS.len() + 1],
	sum_micros: AtomicU64,
}

impl Histogram {
	pub fn observe(&self, seconds: f64) {
		for (count, bound) in self.counts.iter().zip(FIRST_TOKEN_BUCKETS) {
			if seconds <= bound {
				count.fetch_add(1, Ordering::Relaxed);
			}
		}
		self.counts[FIRST_TOKEN_BUCKETS.len()].fetch_add(1, Ordering::Relaxed);
		self.sum_micros.fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
	}

	fn render(&self, name: &str, help: &str, out: &mut String) {
		out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} histogram\n"));
		for (count, bound) in self.counts.iter().zip(FIRST_TOKEN_BUCKETS) {
			let n = count.load(Ordering::Relaxed);
			out.push_str(&format!("{name}_bucket{{le=\"{bound}\"}} {n}\n"));
		}
		let total = self.counts[FIRST_TOKEN_BUCKETS.len()].load(Ordering::Relaxed);
		out.push_str(&format!("{name}_bucket{{le=\"+Inf\"}} {total}\n"));
		let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
		out.push_str(&format!("{name}_sum {sum}\n{name}_count {total}\n"));
	}
}

/// Outcomes a request is counted under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
	Answered,
	/// Refused as malformed or out of limits (4xx other than 429).
	BadRequest,
	/// Turned away because the queue was full (429).
	Busy,
	/// The model failed on it (500).
	Failed,
	/// It ran past the request timeout (504).
	TimedOut,
}

const OUTCOMES: [(Outcome, &str); 5] = [
	(Outcome::Answered, "answered"),
	(Outcome::BadRequest, "bad_request"),
	(Outcome::Busy, "busy"),
	(Outcome::Failed, "failed"),
	(Outcome::TimedOut, "timed_out"),
];
const ENDPOINTS: [&str; 2] = ["completions", "chat_completions"];

#[derive(Default)]
pub struct ServeMetrics {
	/// Requests by endpoint (index in `ENDPOINTS`) and outcome (index in `OUTCOMES`).
	requests: [[AtomicU64; OUTCOMES.len()]; ENDPOINTS.len()],
	/// Tokens generated.
	pub tokens: AtomicU64,
	/// Time the engine spent on answers, from their first token's work to their last.
	pub generation_micros: AtomicU64,
	pub first_token: Histogram,
	/// Requests waiting for the engine.
	pub queued: AtomicU64,
	/// Requests being answered.
	pub active: AtomicU64,
	/// Answers stopped because the client left.
	pub cancelled: AtomicU64,
	/// Times a newly adopted state replaced the served one.
	pub switches: AtomicU64,
	/// Connections answered 429 or 503 at once (a client over its connection limit, or the
	/// server at its own).
	pub turned_away: AtomicU64,
	/// Passes of the model the engine ran, and the answers they advanced (their ratio is the
	/// mean batch).
	pub passes: AtomicU64,
	pub pass_answers: AtomicU64,
	/// The served model's labels.
	model: Mutex<String>,
	/// The finalized block the served model was read at.
	pub loaded_at: AtomicU64,
}

impl ServeMetrics {
	pub fn count(&self, chat: bool, outcome: Outcome) {
		let endpoint = usize::from(chat);
		let index = OUTCOMES.iter().position(|(o, _)| *o == outcome).unwrap_or(0);
		self.requests[endpoint][index].fetch_add(1, Ordering::Relaxed);
	}

	pub fn set_model(&self, model: &ServedModel) {
		let labels = format!(
			"model=\"{}\",index=\"{}\",state_root=\"{}\"",
			model.id().replace(['"', '\\', '\n'], "_"),
			model.index,
			hex(&model.state_root)
		);
		match self.model.lock() {
			Ok(mut m) => *m = labels,
			Err(poisoned) => *poisoned.into_inner() = labels,
		}
		self.loaded_at.store(model.loaded_at.number, Ordering::Relaxed);
	}

	/// The exposition text.
	pub fn render(&self) -> String {
		let mut out = String::new();
		let name = "aiblock_serve_requests_total";
		out.push_str(&format!(
			"# HELP {name} Requests by endpoint and outcome.\n# TYPE {name} counter\n"
		));
		for (endpoint, row) in ENDPOINTS.iter().zip(&self.requests) {
			for ((_, outcome), count) in OUTCOMES.iter().zip(row) {
				let n = count.load(Ordering::Relaxed);
				out.push_str(&format!(
					"{name}{{endpoint=\"{endpoint}\",outcome=\"{outcome}\"}} {n}\n"
				));
			}
		}
		let plain: [(&str, &str, &str, u64); 9] = [
			("tokens_total", "counter", "Tokens generated.", self.tokens.load(Ordering::Relaxed)),
			(
				"queue_depth",
				"gauge",
				"Requests waiting for the engine.",
				self.queued.load(Ordering::Relaxed),
			),
			("active", "gauge", "Requests being answered.", self.active.load(Ordering::Relaxed)),
			(
				"cancelled_total",
				"counter",
				"Answers stopped because the client left.",
				self.cancelled.load(Ordering::Relaxed),
			),
			(
				"model_switches_total",
				"counter",
				"Times a newly adopted state replaced the served one.",
				self.switches.load(Ordering::Relaxed),
			),
			(
				"connections_turned_away_total",
				"counter",
				"Connections refused at once: a client over its connection limit (429) or the server at its own (503).",
				self.turned_away.load(Ordering::Relaxed),
			),
			(
				"passes_total",
				"counter",
				"Passes of the model run for answers (each reads every running answer's next tokens).",
				self.passes.load(Ordering::Relaxed),
			),
			(
				"pass_answers_total",
				"counter",
				"Answers advanced by those passes (the mean batch is its rate over passes_total's).",
				self.pass_answers.load(Ordering::Relaxed),
			),
			(
				"model_loaded_at_block",
				"gauge",
				"The finalized block the served model was read at.",
				self.loaded_at.load(Ordering::Relaxed),
			),
		];
		for (name, kind, help, value) in plain {
			out.push_str(&format!(
				"# HELP aiblock_serve_{name} {help}\n# TYPE aiblock_serve_{name} {kind}\n\
				 aiblock_serve_{name} {value}\n"
			));
		}
		let seconds = self.generation_micros.load(Ordering::Relaxed) as f64 / 1e6;
		out.push_str(&format!(
			"# HELP aiblock_serve_generation_seconds_total Time spent generating answers \
			 (tokens/s = rate of tokens_total / rate of this).\n\
			 # TYPE aiblock_serve_generation_seconds_total counter\n\
			 aiblock_serve_generation_seconds_total {seconds}\n"
		));
		self.first_token.render(
			"aiblock_serve_time_to_first_token_seconds",
			"From a request's arrival in the queue to its first token.",
			&mut out,
		);
		let labels = match self.model.lock() {
			Ok(m) => m.clone(),
			Err(poisoned) => poisoned.into_inner().clone(),
		};
		out.push_str(&format!(
			"# HELP aiblock_serve_model_info The model state being served.\n\
			 # TYPE aiblock_serve_model_info gauge\naiblock_serve_model_info{{{labels}}} 1\n"
		));
		out
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_histogram_counts_each_observation_in_every_bucket_above_it() {
		let metrics = ServeMetrics::default();
		metrics.first_token.observe(0.02);
		metrics.first_token.observe(3.0);
		metrics.count(true, Outcome::Busy);
		let text = metrics.render();
		let line = |needle: &str| text.lines().find(|l| l.starts_with(needle)).map(str::to_owned);
		assert_eq!(
			line("aiblock_serve_time_to_first_token_seconds_bucket{le=\"0.01\"}").as_deref(),
			Some("aiblock_serve_time_to_first_token_seconds_bucket{le=\"0.01\"} 0")
		);
		assert!(text.contains("time_to_first_token_seconds_bucket{le=\"0.025\"} 1\n"));
		assert!(text.contains("time_to_first_token_seconds_bucket{le=\"10\"} 2\n"));
		assert!(text.contains("time_to_first_token_seconds_bucket{le=\"+Inf\"} 2\n"));
		assert!(text.contains("time_to_first_token_seconds_count 2\n"));
		assert!(text.contains(
			"aiblock_serve_requests_total{endpoint=\"chat_completions\",outcome=\"busy\"} 1\n"
		));
		assert!(text.contains(
			"aiblock_serve_requests_total{endpoint=\"completions\",outcome=\"busy\"} 0\n"
		));
	}
}
