//! The engine: one thread that runs the model for every request, so that requests never
//! compete for the cores (the compute backend already spreads one decoding step over them).
//!
//! Requests wait in a bounded queue (a full queue turns new requests away at once, as HTTP
//! 429; a request whose client left frees its place at the engine's next token). Up to `max_batch` of them decode side by side, one token each in turn, so a long
//! answer does not hold back the first token of a short one. Every request runs on the model
//! that was current when it started; a new model ([`Engine::switch`]) takes the requests that
//! start after it, while those already running finish on theirs.

use super::{
	metrics::ServeMetrics,
	model::ServedModel,
	text::{Finish, Output},
};
use aiblock_compute::{
	backend::Backend,
	transformer::{
		generate::{Generator, Sampling},
		TransformerError, TransformerWeights,
	},
};
use std::{
	collections::VecDeque,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc, RwLock,
	},
	time::Instant,
};
use tokio::sync::mpsc;

/// What to generate: the exact input bytes and every parameter that decides the output.
#[derive(Clone, Debug, PartialEq)]
pub struct Generation {
	/// The text the model reads (for a chat, the template applied).
	pub input: String,
	pub sampling: Sampling,
	pub max_tokens: usize,
	/// Stop sequences: the answer ends before the first one that appears.
	pub stop: Vec<String>,
}

/// One answer being generated: the generator and the output text so far.
pub struct Answer<'w> {
	generator: Generator<'w>,
	output: Output,
	max_tokens: usize,
	/// Every generated token (bytes), the stop sequence included.
	tokens: Vec<u8>,
}

/// What one step of an answer gave.
#[derive(Debug, PartialEq)]
pub enum Step {
	/// A token: the text it lets us show (possibly empty, while it could start a stop).
	Text(String),
	/// The answer is complete: the text still held, and why it ended.
	Done(String, Finish),
}

impl<'w> Answer<'w> {
	/// Read `generation.input` and get ready for the first token.
	pub fn new(
		backend: &'w dyn Backend,
		weights: &'w TransformerWeights,
		generation: &Generation,
	) -> Result<Answer<'w>, TransformerError> {
		let prompt: Vec<u32> = generation.input.bytes().map(u32::from).collect();
		Ok(Answer {
			generator: Generator::new(backend, weights, &prompt, generation.sampling)?,
			output: Output::new(&generation.stop),
			max_tokens: generation.max_tokens,
			tokens: Vec::new(),
		})
	}

	/// Generate the next token. An answer whose `max_tokens` is 0 is done at once.
	pub fn step(&mut self) -> Result<Step, TransformerError> {
		if self.tokens.len() >= self.max_tokens {
			return Ok(Step::Done(self.output.finish(), Finish::Length));
		}
		let token = self.generator.next_token()?;
		// The vocabulary is bytes (the served models' shape is checked when loaded).
		let byte = u8::try_from(token).unwrap_or(u8::MAX);
		self.tokens.push(byte);
		let text = self.output.push(byte);
		if self.output.stopped() {
			return Ok(Step::Done(text, Finish::Stop));
		}
		if self.tokens.len() >= self.max_tokens {
			return Ok(Step::Done(text + &self.output.finish(), Finish::Length));
		}
		Ok(Step::Text(text))
	}

	/// Every token generated so far.
	pub fn tokens(&self) -> &[u8] {
		&self.tokens
	}

	/// The answer's text so far (without a stop sequence).
	pub fn text(&self) -> String {
		self.output.text()
	}
}

/// Generate a whole answer at once (what a replay does).
pub fn answer(
	backend: &dyn Backend,
	weights: &TransformerWeights,
	generation: &Generation,
) -> Result<(Vec<u8>, String, Finish), TransformerError> {
	let mut answer = Answer::new(backend, weights, generation)?;
	loop {
		if let Step::Done(_, finish) = answer.step()? {
			return Ok((answer.tokens, answer.output.text(), finish));
		}
	}
}

/// What the engine tells the request's connection.
#[derive(Debug)]
pub enum Event {
	/// Generation started on this model (the first event).
	Started(Arc<ServedModel>),
	Text(String),
	/// The last event of a complete answer.
	Done {
		text: String,
		finish: Finish,
		tokens: Vec<u8>,
	},
	/// The model failed on this input (the last event).
	Failed(String),
	/// The model the request names is no longer served (a switch while it waited): the one
	/// served now.
	ModelChanged(String),
}

/// A request in the queue.
pub struct Job {
	/// The model the client named (checked again when the request starts).
	pub model: String,
	pub generation: Generation,
	/// Where the answer goes; when the receiver is dropped (the client left), the engine stops
	/// generating for it.
	pub events: mpsc::UnboundedSender<Event>,
	pub queued_at: Instant,
}

/// Why a request was not queued.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
	/// The queue is full.
	Busy,
	/// The engine thread is gone.
	Stopped,
}

/// The handle to the engine thread.
pub struct Engine {
	queue: mpsc::Sender<Job>,
	max_queue: usize,
	current: Arc<RwLock<Arc<ServedModel>>>,
	metrics: Arc<ServeMetrics>,
	alive: Arc<AtomicBool>,
}

impl Engine {
	/// Start the engine thread on `model`: at most `max_queue` requests wait, at most
	/// `max_batch` decode side by side.
	pub fn start(
		model: ServedModel,
		backend: Arc<dyn Backend>,
		max_queue: usize,
		max_batch: usize,
		metrics: Arc<ServeMetrics>,
	) -> Engine {
		let (queue, jobs) = mpsc::channel(max_queue.max(1));
		metrics.set_model(&model);
		let current = Arc::new(RwLock::new(Arc::new(model)));
		let alive = Arc::new(AtomicBool::new(true));
		let worker = EngineThread {
			jobs,
			current: current.clone(),
			backend,
			max_queue: max_queue.max(1),
			max_batch: max_batch.max(1),
			metrics: metrics.clone(),
			alive: alive.clone(),
		};
		std::thread::Builder::new()
			.name("aiblock-serve-engine".into())
			.spawn(move || worker.run())
			.expect("the engine thread starts");
		Engine { queue, max_queue: max_queue.max(1), current, metrics, alive }
	}

	/// Queue `job`, or refuse it at once.
	pub fn submit(&self, job: Job) -> Result<(), Refused> {
		// Counted first (the engine may take it, and count it out, before `try_send` returns):
		// the count of waiting requests, in the channel or in the engine's own queue, is the
		// limit.
		if self.metrics.queued.fetch_add(1, Ordering::Relaxed) >= self.max_queue as u64 {
			self.metrics.queued.fetch_sub(1, Ordering::Relaxed);
			return Err(Refused::Busy);
		}
		self.queue.try_send(job).map_err(|e| {
			self.metrics.queued.fetch_sub(1, Ordering::Relaxed);
			match e {
				mpsc::error::TrySendError::Full(_) => Refused::Busy,
				mpsc::error::TrySendError::Closed(_) => Refused::Stopped,
			}
		})
	}

	/// Whether the engine thread still runs.
	pub fn alive(&self) -> bool {
		self.alive.load(Ordering::Relaxed)
	}

	/// The model new requests start on.
	pub fn current(&self) -> Arc<ServedModel> {
		read(&self.current)
	}

	/// Make `model` the one new requests start on; running requests finish on theirs.
	pub fn switch(&self, model: ServedModel) {
		self.metrics.set_model(&model);
		self.metrics.switches.fetch_add(1, Ordering::Relaxed);
		let model = Arc::new(model);
		match self.current.write() {
			Ok(mut current) => *current = model,
			Err(poisoned) => *poisoned.into_inner() = model,
		}
	}
}

struct EngineThread {
	jobs: mpsc::Receiver<Job>,
	current: Arc<RwLock<Arc<ServedModel>>>,
	backend: Arc<dyn Backend>,
	max_queue: usize,
	max_batch: usize,
	metrics: Arc<ServeMetrics>,
	alive: Arc<AtomicBool>,
}

/// A request being answered.
struct Running<'w> {
	answer: Answer<'w>,
	events: mpsc::UnboundedSender<Event>,
	queued_at: Instant,
	started: Instant,
	first_token: bool,
}

/// Clears the engine's liveness flag when its thread ends, however it ends.
struct AliveGuard(Arc<AtomicBool>);

impl Drop for AliveGuard {
	fn drop(&mut self) {
		self.0.store(false, Ordering::Relaxed);
	}
}

impl EngineThread {
	fn current(&self) -> Arc<ServedModel> {
		read(&self.current)
	}

	fn run(mut self) {
		let _alive = AliveGuard(self.alive.clone());
		let backend = self.backend.clone();
		let mut waiting: VecDeque<Job> = VecDeque::new();
		loop {
			if waiting.is_empty() {
				match self.jobs.blocking_recv() {
					Some(job) => waiting.push_back(job),
					None => return,
				}
			}
			// Each round serves one model: requests start while it stays current, and on a new
			// model the waiting ones start once the round's running ones are done.
			let model = self.current();
			let mut running: Vec<Running<'_>> = Vec::new();
			loop {
				self.take_queued(&mut waiting);
				while running.len() < self.max_batch && Arc::ptr_eq(&model, &self.current()) {
					let Some(job) = waiting.pop_front() else { break };
					self.admit(backend.as_ref(), job, &model, &mut running);
				}
				if running.is_empty() {
					break;
				}
				self.metrics.active.store(running.len() as u64, Ordering::Relaxed);
				running.retain_mut(|r| step(&self.metrics, r));
			}
			self.metrics.active.store(0, Ordering::Relaxed);
		}
	}

	/// Move queued requests into `waiting` (at most `max_queue` of them), and forget those
	/// whose client left while they waited, so they free their place at once.
	fn take_queued(&mut self, waiting: &mut VecDeque<Job>) {
		while waiting.len() < self.max_queue {
			match self.jobs.try_recv() {
				Ok(job) => waiting.push_back(job),
				Err(_) => break,
			}
		}
		waiting.retain(|job| {
			let gone = job.events.is_closed();
			if gone {
				self.metrics.queued.fetch_sub(1, Ordering::Relaxed);
				self.metrics.cancelled.fetch_add(1, Ordering::Relaxed);
			}
			!gone
		});
	}

	/// Start `job` on `model`, or answer it with the reason it cannot start.
	fn admit<'w>(
		&self,
		backend: &'w dyn Backend,
		job: Job,
		model: &'w Arc<ServedModel>,
		running: &mut Vec<Running<'w>>,
	) {
		self.metrics.queued.fetch_sub(1, Ordering::Relaxed);
		if !model.answers_to(&job.model) {
			let _ = job.events.send(Event::ModelChanged(model.id()));
			return;
		}
		// A bug in the model code must cost one request, not the engine thread (which would
		// leave every later request waiting).
		let started = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
			Answer::new(backend, &model.weights, &job.generation)
		}))
		.unwrap_or(Err(TransformerError::NonFinite("a panic in the model code")));
		match started {
			Ok(answer) => {
				let _ = job.events.send(Event::Started(model.clone()));
				running.push(Running {
					answer,
					events: job.events,
					queued_at: job.queued_at,
					started: Instant::now(),
					first_token: false,
				});
			},
			Err(e) => {
				let _ = job.events.send(Event::Failed(e.to_string()));
			},
		}
	}
}

/// One token for `r`; whether it goes on.
fn step(metrics: &ServeMetrics, r: &mut Running<'_>) -> bool {
	let cancel = |r: &Running<'_>| {
		metrics.cancelled.fetch_add(1, Ordering::Relaxed);
		metrics.tokens.fetch_add(r.answer.tokens().len() as u64, Ordering::Relaxed);
		false
	};
	if r.events.is_closed() {
		return cancel(r);
	}
	let step = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| r.answer.step()))
		.unwrap_or(Err(TransformerError::NonFinite("a panic in the model code")));
	if !r.first_token {
		r.first_token = true;
		metrics.first_token.observe(r.queued_at.elapsed().as_secs_f64());
	}
	match step {
		Ok(Step::Text(text)) => r.events.send(Event::Text(text)).is_ok() || cancel(r),
		Ok(Step::Done(text, finish)) => {
			let tokens = r.answer.tokens().to_vec();
			metrics.tokens.fetch_add(tokens.len() as u64, Ordering::Relaxed);
			metrics
				.generation_micros
				.fetch_add(r.started.elapsed().as_micros() as u64, Ordering::Relaxed);
			let _ = r.events.send(Event::Text(text));
			let _ = r.events.send(Event::Done { text: r.answer.text(), finish, tokens });
			false
		},
		Err(e) => {
			let _ = r.events.send(Event::Failed(e.to_string()));
			false
		},
	}
}

/// The model behind `lock` (a panic elsewhere while it was held does not lose it).
fn read(lock: &RwLock<Arc<ServedModel>>) -> Arc<ServedModel> {
	match lock.read() {
		Ok(model) => model.clone(),
		Err(poisoned) => poisoned.into_inner().clone(),
	}
}
