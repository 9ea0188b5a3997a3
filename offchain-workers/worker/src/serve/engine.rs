//! The engine: one thread that runs the model for every request, so that requests never
//! compete for the cores (the compute backend already spreads one pass over them).
//!
//! Requests wait in a bounded queue (a full queue turns new requests away at once, as HTTP
//! 429; a request whose client left frees its place at the engine's next pass). Up to
//! `max_batch` of them are answered together: each pass of the model reads the next token of
//! every answer being decoded and up to [`PREFILL_CHUNK`] prompt tokens of every answer just
//! started, as the rows of one batch, so a long answer does not hold back a short one and a new
//! prompt does not stop the others. An answer's tokens do not depend on what shared its passes
//! (see [`aiblock_compute::transformer::decode`]), which is why anyone can replay it alone.
//!
//! Every request runs on the model that was current when it started; a new model
//! ([`Engine::switch`]) takes the requests that start after it, while those already running
//! finish on theirs.

use super::{
	metrics::ServeMetrics,
	model::ServedModel,
	text::{Finish, Output},
};
use aiblock_compute::{
	backend::Backend,
	transformer::{
		generate::{self, Continuation, Decoder, Sampling},
		TransformerError, TransformerWeights,
	},
};
use std::{
	collections::{BTreeMap, VecDeque},
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

/// Prompt tokens an answer reads per pass of the engine: enough to read most prompts in one
/// pass (a matrix product over many rows costs far less per row than one over a single row),
/// few enough that the answers being decoded beside it wait little for their next token.
pub const PREFILL_CHUNK: usize = 64;

/// One answer being generated: its continuation and the output text so far.
pub struct Answer {
	continuation: Continuation,
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

impl Answer {
	/// An answer to `generation` from a model with these weights.
	pub fn new(
		weights: &TransformerWeights,
		generation: &Generation,
	) -> Result<Answer, TransformerError> {
		let prompt: Vec<u32> = generation.input.bytes().map(u32::from).collect();
		Ok(Answer {
			continuation: Continuation::new(&prompt, generation.sampling, weights.spec.context)?,
			output: Output::new(&generation.stop),
			max_tokens: generation.max_tokens,
			tokens: Vec::new(),
		})
	}

	/// The answer's end before any token, when it may have none (`max_tokens` 0).
	pub fn done_at_once(&self) -> Option<Step> {
		(self.max_tokens == 0).then(|| Step::Done(String::new(), Finish::Length))
	}

	/// Take the token just picked.
	fn take(&mut self, token: u32) -> Step {
		// The vocabulary is bytes (the served models' shape is checked when loaded).
		let byte = u8::try_from(token).unwrap_or(u8::MAX);
		self.tokens.push(byte);
		let text = self.output.push(byte);
		if self.output.stopped() {
			return Step::Done(text, Finish::Stop);
		}
		if self.tokens.len() >= self.max_tokens {
			return Step::Done(text + &self.output.finish(), Finish::Length);
		}
		Step::Text(text)
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

/// One pass of the model for `answers`, each on its lane of `decoder`: every answer reads its
/// next tokens (at most `chunk`); returns what each answer's step gave, `None` for one still
/// reading (its prompt, or a window after a slide). After an error the answers and the lanes
/// are as they were (the pass can be repeated, or each answer given a pass of its own).
pub fn pass(
	decoder: &mut Decoder<'_>,
	answers: &mut [(usize, &mut Answer)],
	chunk: usize,
) -> Result<Vec<Option<Step>>, TransformerError> {
	let vocab = decoder.weights().spec.vocab;
	let mut reads = Vec::with_capacity(answers.len());
	for (lane, answer) in answers.iter_mut() {
		reads.push(answer.continuation.next_reads(decoder, *lane, chunk)?);
	}
	let rows: Vec<(usize, &[u32])> =
		answers.iter().zip(&reads).map(|((lane, _), r)| (*lane, r.as_slice())).collect();
	let logits = decoder.read(&rows)?;
	let mut row = 0;
	let mut steps = Vec::with_capacity(answers.len());
	for ((_, answer), r) in answers.iter_mut().zip(&reads) {
		row += r.len();
		answer.continuation.read(r.len());
		steps.push(answer.continuation.ready().then(|| {
			let token = answer.continuation.pick(generate::row(&logits, row - 1, vocab));
			answer.take(token)
		}));
	}
	Ok(steps)
}

/// Generate a whole answer alone (what a replay does): the tokens, the text shown and why it
/// ended.
pub fn answer(
	backend: &dyn Backend,
	weights: &TransformerWeights,
	generation: &Generation,
) -> Result<Alone, TransformerError> {
	let mut answer = Answer::new(weights, generation)?;
	let mut decoder = Decoder::new(backend, weights)?;
	let mut step = answer.done_at_once();
	loop {
		if let Some(Step::Done(_, finish)) = step {
			let routed = decoder.routed(0).map(<[u64]>::to_vec).unwrap_or_default();
			return Ok(Alone { tokens: answer.tokens, text: answer.output.text(), finish, routed });
		}
		step = pass(&mut decoder, &mut [(0, &mut answer)], weights.spec.context)?.remove(0);
	}
}

/// An answer generated alone ([`answer`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Alone {
	/// Every generated token (bytes), the stop sequence included.
	pub tokens: Vec<u8>,
	/// The text shown (without the stop sequence).
	pub text: String,
	pub finish: Finish,
	/// The rows each expert took ([`Event::Done::routed`]).
	pub routed: Vec<u64>,
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
		/// The rows each expert took while the model read this request (prompt and answer),
		/// `layer × experts + expert` ([`Decoder::routed`]): the answer's usage of each
		/// expert block.
		routed: Vec<u64>,
		/// Who computed the rows of each expert slot ([`Decoder::computed`]): read by a
		/// server that runs some experts on peers.
		computed: BTreeMap<(usize, u32), u64>,
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
	/// The engine's backend, which also runs peers' expert calls.
	backend: Arc<dyn Backend>,
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
		let shared = backend.clone();
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
		Engine { queue, max_queue: max_queue.max(1), current, metrics, alive, backend: shared }
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
	/// The compute backend the engine runs on.
	pub fn backend(&self) -> Arc<dyn Backend> {
		self.backend.clone()
	}

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
struct Running {
	answer: Answer,
	/// Its lane in the round's decoder.
	lane: usize,
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
			// Each round serves one model with one decoder: requests start while it stays
			// current, and on a new model the waiting ones start once the round's running ones
			// are done.
			let model = self.current();
			let decoder = Decoder::with_lanes(backend.as_ref(), &model.weights, 0);
			let mut decoder = match decoder {
				Ok(decoder) => match &model.runner {
					Some(runner) => decoder.with_runner(runner.as_ref()),
					None => decoder,
				},
				Err(e) => {
					// Not reached (a served model's shape is checked when it is loaded); if it
					// were, the waiting requests get the reason rather than wait for ever.
					for job in waiting.drain(..) {
						self.metrics.queued.fetch_sub(1, Ordering::Relaxed);
						let _ = job.events.send(Event::Failed(e.to_string()));
					}
					continue;
				},
			};
			let mut running: Vec<Running> = Vec::new();
			loop {
				self.take_queued(&mut waiting);
				while running.len() < self.max_batch && Arc::ptr_eq(&model, &self.current()) {
					let Some(job) = waiting.pop_front() else { break };
					self.admit(job, &model, &mut decoder, &mut running);
				}
				if running.is_empty() {
					break;
				}
				self.pass(&mut decoder, &mut running);
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

	/// Start `job` on `model` in a lane of `decoder`, or answer it with the reason it cannot
	/// start.
	fn admit(
		&self,
		job: Job,
		model: &Arc<ServedModel>,
		decoder: &mut Decoder<'_>,
		running: &mut Vec<Running>,
	) {
		self.metrics.queued.fetch_sub(1, Ordering::Relaxed);
		if !model.answers_to(&job.model) {
			let _ = job.events.send(Event::ModelChanged(model.id()));
			return;
		}
		let answer = match Answer::new(&model.weights, &job.generation) {
			Ok(answer) => answer,
			Err(e) => {
				let _ = job.events.send(Event::Failed(e.to_string()));
				return;
			},
		};
		let _ = job.events.send(Event::Started(model.clone()));
		let mut r = Running {
			answer,
			lane: decoder.open(),
			events: job.events,
			queued_at: job.queued_at,
			started: Instant::now(),
			first_token: false,
		};
		match r.answer.done_at_once() {
			Some(step) => {
				// Done before reading anything (max_tokens 0): no row used an expert.
				deliver(&self.metrics, &mut r, Ok(Some(step)), &[], None);
				decoder.close(r.lane);
			},
			None => running.push(r),
		}
	}

	/// One pass of the model for every running answer; the finished ones leave.
	fn pass(&self, decoder: &mut Decoder<'_>, running: &mut Vec<Running>) {
		// Clients that left free their lanes first.
		running.retain(|r| {
			let gone = r.events.is_closed();
			if gone {
				cancel(&self.metrics, r);
				decoder.close(r.lane);
			}
			!gone
		});
		self.metrics.active.store(running.len() as u64, Ordering::Relaxed);
		if running.is_empty() {
			return;
		}
		let mut all: Vec<(usize, &mut Answer)> =
			running.iter_mut().map(|r| (r.lane, &mut r.answer)).collect();
		// A bug outside the model code (which the decoder catches itself) must cost these
		// requests, not the engine thread (which would leave every later request waiting).
		// Such a panic may come after some answers took their token, so none of the pass's
		// answers can go on: all of them fail (a bug costs the batch, never the engine).
		let together = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
			pass(decoder, &mut all, PREFILL_CHUNK)
		}));
		let count = |answers: usize| {
			self.metrics.passes.fetch_add(1, Ordering::Relaxed);
			self.metrics.pass_answers.fetch_add(answers as u64, Ordering::Relaxed);
		};
		count(all.len());
		let steps: Vec<Result<Option<Step>, TransformerError>> = match together {
			Ok(Ok(steps)) => steps.into_iter().map(Ok).collect(),
			// The pass failed and changed nothing: each answer gets one of its own, so that
			// an input on which the model fails costs only its own request.
			Ok(Err(_)) if all.len() > 1 => all
				.iter_mut()
				.map(|(lane, answer)| {
					count(1);
					std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
						pass(decoder, &mut [(*lane, &mut **answer)], PREFILL_CHUNK)
					}))
					.unwrap_or_else(|_| Err(panicked()))
					.map(|mut step| step.remove(0))
				})
				.collect(),
			Ok(Err(e)) => vec![Err(e)],
			Err(_) => all.iter().map(|_| Err(panicked())).collect(),
		};
		let mut steps = steps.into_iter();
		running.retain_mut(|r| {
			let step = steps.next().unwrap_or(Err(panicked()));
			let (routed, computed) = (decoder.routed(r.lane), decoder.computed(r.lane));
			let goes_on = deliver(&self.metrics, r, step, routed.unwrap_or(&[]), computed);
			if !goes_on {
				decoder.close(r.lane);
			}
			goes_on
		});
	}
}

fn panicked() -> TransformerError {
	TransformerError::Panic("in the engine's answer code".into())
}

/// Count `r` as stopped because its client left.
fn cancel(metrics: &ServeMetrics, r: &Running) -> bool {
	metrics.cancelled.fetch_add(1, Ordering::Relaxed);
	metrics.tokens.fetch_add(r.answer.tokens().len() as u64, Ordering::Relaxed);
	false
}

/// Tell `r`'s client what its step gave; whether the answer goes on.
fn deliver(
	metrics: &ServeMetrics,
	r: &mut Running,
	step: Result<Option<Step>, TransformerError>,
	routed: &[u64],
	computed: Option<&BTreeMap<(usize, u32), u64>>,
) -> bool {
	if matches!(step, Ok(None)) {
		// Still reading its prompt.
		return true;
	}
	if !r.first_token && step.is_ok() {
		r.first_token = true;
		metrics.first_token.observe(r.queued_at.elapsed().as_secs_f64());
	}
	match step {
		Ok(None) => true,
		Ok(Some(Step::Text(text))) => {
			r.events.send(Event::Text(text)).is_ok() || cancel(metrics, r)
		},
		Ok(Some(Step::Done(text, finish))) => {
			let tokens = r.answer.tokens().to_vec();
			metrics.tokens.fetch_add(tokens.len() as u64, Ordering::Relaxed);
			metrics
				.generation_micros
				.fetch_add(r.started.elapsed().as_micros() as u64, Ordering::Relaxed);
			let _ = r.events.send(Event::Text(text));
			let (routed, computed) = (routed.to_vec(), computed.cloned().unwrap_or_default());
			let text = r.answer.text();
			let _ = r.events.send(Event::Done { text, finish, tokens, routed, computed });
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
