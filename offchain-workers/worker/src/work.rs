//! Work the worker runs in the background for its jobs: vetting a job before accepting it
//! (its datasets may take minutes to fetch), training a candidate, evaluating a submission.
//!
//! The main loop only starts work and collects what finished, so it keeps heartbeating,
//! committing and revealing for every other job while one job's files download or its
//! training runs. At most one piece of work of each kind runs at a time (a second training
//! would only halve the speed of the first); a failure is logged and the work started again on
//! a later block, never skipping another job. Work whose deadline passes is given up: a
//! training stops at its next step, the rest is detached and its result dropped.

use crate::{
	state::{Attested, Benchmarked, Trained},
	WorkerError,
};
use std::{
	future::Future,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc,
	},
};

/// What a piece of work does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
	Vet,
	Train,
	Evaluate,
	/// An epoch's grown model trained (its "job" is the epoch's index).
	Migrate,
	/// An epoch's candidate benchmarked (its "job" is the epoch's index).
	Benchmark,
}

impl std::fmt::Display for Kind {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str(match self {
			Kind::Vet => "vetting",
			Kind::Train => "training",
			Kind::Evaluate => "evaluation",
			Kind::Migrate => "epoch training",
			Kind::Benchmark => "epoch benchmark",
		})
	}
}

/// What finished work produced.
#[derive(Debug)]
pub enum Outcome {
	/// Whether the job can be done by this machine (`Err`: why it is declined).
	Vetted(Result<(), String>),
	/// A published candidate, and the training speed measured on the way.
	Trained {
		trained: Trained,
		speed: Option<f64>,
	},
	Evaluated(Attested),
	/// An epoch's grown model, trained and published.
	Migrated(Trained),
	/// A benchmark of an epoch's candidate, to commit to.
	Benchmarked(Benchmarked),
}

/// One piece of work that finished (or failed) for a job.
#[derive(Debug)]
pub struct Finished {
	pub job: u64,
	pub kind: Kind,
	/// The deadline the work was started for (a reopened job is looked at afresh).
	pub deadline: u32,
	pub result: Result<Outcome, WorkerError>,
}

struct Running {
	job: u64,
	kind: Kind,
	deadline: u32,
	/// Set when the deadline passed: work that checks it stops.
	stop: Arc<AtomicBool>,
	handle: tokio::task::JoinHandle<Result<Outcome, WorkerError>>,
}

/// The work in flight.
#[derive(Default)]
pub struct InFlight {
	running: Vec<Running>,
}

impl InFlight {
	/// Whether work of `kind` runs (for any job).
	pub fn busy(&self, kind: Kind) -> bool {
		self.running.iter().any(|r| r.kind == kind)
	}

	/// Whether `kind` work runs for `job`.
	pub fn runs(&self, job: u64, kind: Kind) -> bool {
		self.running.iter().any(|r| r.job == job && r.kind == kind)
	}

	/// Start `work` for `job`, to be done by block `deadline`. `work` receives the flag that
	/// says its deadline passed.
	pub fn start<F>(
		&mut self,
		job: u64,
		kind: Kind,
		deadline: u32,
		work: impl FnOnce(Arc<AtomicBool>) -> F,
	) where
		F: Future<Output = Result<Outcome, WorkerError>> + Send + 'static,
	{
		let stop = Arc::new(AtomicBool::new(false));
		let handle = tokio::spawn(work(stop.clone()));
		self.running.push(Running { job, kind, deadline, stop, handle });
	}

	/// The work that finished since the last call; work past its deadline at block `number`
	/// is given up (and not reported).
	pub async fn collect(&mut self, number: u64) -> Vec<Finished> {
		let mut finished = Vec::new();
		let mut still = Vec::new();
		for r in self.running.drain(..) {
			if r.handle.is_finished() {
				let result = match r.handle.await {
					Ok(result) => result,
					Err(e) => Err(WorkerError::Compute(format!("{} task: {e}", r.kind))),
				};
				finished.push(Finished { job: r.job, kind: r.kind, deadline: r.deadline, result });
			} else if number > u64::from(r.deadline) {
				log::warn!(
					"job {}: {} gave up: its deadline (block {}) passed",
					r.job,
					r.kind,
					r.deadline
				);
				r.stop.store(true, Ordering::Relaxed);
				r.handle.abort();
			} else {
				still.push(r);
			}
		}
		self.running = still;
		finished
	}

	/// Stop everything (the worker is shutting down).
	pub fn stop_all(&mut self) {
		for r in self.running.drain(..) {
			r.stop.store(true, Ordering::Relaxed);
			r.handle.abort();
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::time::Duration;

	#[tokio::test]
	async fn work_is_collected_once_and_late_work_is_given_up() {
		let mut work = InFlight::default();
		work.start(1, Kind::Vet, 10, |_| async { Ok(Outcome::Vetted(Err("no".into()))) });
		let mut flag = None;
		work.start(2, Kind::Train, 5, |stop| {
			flag = Some(stop.clone());
			// Stands for a training that polls the flag between steps.
			async move {
				while !stop.load(Ordering::Relaxed) {
					tokio::time::sleep(Duration::from_millis(5)).await;
				}
				Err(WorkerError::Compute("stopped".into()))
			}
		});
		assert!(work.busy(Kind::Train) && work.runs(2, Kind::Train) && !work.runs(2, Kind::Vet));
		tokio::time::sleep(Duration::from_millis(20)).await;
		let done = work.collect(5).await;
		assert_eq!(done.len(), 1);
		assert_eq!((done[0].job, done[0].kind, done[0].deadline), (1, Kind::Vet, 10));
		assert!(matches!(done[0].result, Ok(Outcome::Vetted(Err(_)))));
		assert!(work.collect(5).await.is_empty(), "collected once; job 2 is still in time");
		// Block 6 is past job 2's deadline: it is given up, reported to nobody.
		assert!(work.collect(6).await.is_empty());
		assert!(!work.busy(Kind::Train));
		assert!(flag.unwrap().load(Ordering::Relaxed), "the training was told to stop");
	}
}
