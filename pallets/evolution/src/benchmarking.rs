//! Benchmarks of the Evolution pallet's calls and phase transitions, each in its worst case:
//! bounded lists full, the caller last in them, every proposal feasible, a promotion at the end.

use super::*;
use aiblock_primitives::evolution::Benchmark as Bench;
use aiblock_primitives::{
	dag::Cid,
	evolution::HeldOut,
	jobs::{HyperParams, JobDataset, MAX_JOB_DATASETS},
};
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

/// Every credit an account could need here: a promoted epoch's training, many times.
fn with_credits<T: Config>(who: &T::AccountId) {
	for epoch in 0..10 {
		T::Credits::mint(who, Contribution::EpochTraining { epoch: u32::MAX - epoch });
	}
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	with_credits::<T>(&who);
	who
}

fn cid(seed: u8) -> Cid {
	let mut bytes = alloc::vec![0x01, 0x55, 0x12, 32];
	bytes.extend([seed; 32]);
	bytes.try_into().expect("36 bytes fit a CID")
}

fn payload(seed: u8) -> Payload {
	Payload { cid: cid(seed), hash: H256([seed; 32]), size: 1_000 }
}

/// Doubling the newest model's experts, trained 100 steps on the most datasets a recipe names
/// (each checked at proposal and selection), with another held out.
fn doubling<T: Config>() -> Migration {
	let proposer: T::AccountId = account("data proposer", 0, 0);
	let approved =
		|seed: u8| (T::BenchmarkHelper::approve_dataset(cid(seed), &proposer), cid(seed));
	let datasets: Vec<JobDataset> = (0..MAX_JOB_DATASETS as u8)
		.map(|i| {
			let (id, cid) = approved(0x40 + i);
			JobDataset { id, cid, parts: 1 }
		})
		.collect();
	let (id, held_out) = approved(0x4f);
	Migration {
		growth: Growth::DoubleExperts { noise_ppm: 10_000 },
		seed: 7,
		steps: 100,
		hyper: HyperParams {
			hash: H256::repeat_byte(0x11),
			learning_rate_micros: 3_000,
			batch_size: 8,
			seed: 42,
			checkpoint_every: 50,
		},
		datasets: datasets.try_into().expect("the most datasets a recipe takes"),
		held_out: HeldOut { id, cid: held_out },
	}
}

fn now<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number()
}

fn set_phase<T: Config>(phase: PhaseOf<T>) {
	// Windows that hold any recipe of the benchmarks, whatever the genesis set.
	let long: BlockNumberFor<T> = 100_000u32.into();
	Windows::<T>::put(EpochWindows {
		proposing: long,
		reserving: long,
		training: long,
		commit: long,
		reveal: long,
		cleanup: long,
	});
	let until = now::<T>() + 100u32.into();
	Epoch::<T>::put(EpochInfo { index: 0, phase, until });
}

/// Proposal `index` of the doubling by a fresh proposer, with `endorsements` endorsements.
fn proposal<T: Config>(index: u32, endorsements: u32) -> ProposalId {
	let proposer = funded::<T>("proposer", index);
	assert!(Pallet::<T>::propose(RawOrigin::Signed(proposer).into(), doubling::<T>()).is_ok());
	let id = NextProposalId::<T>::get() - 1;
	for e in 0..endorsements {
		let who = funded::<T>("endorser", index * 1_000 + e);
		assert!(Pallet::<T>::endorse(RawOrigin::Signed(who).into(), id, 1).is_ok());
	}
	id
}

/// The epoch in Training with a selected doubling and `trainer` reserved.
fn training<T: Config>() -> (ProposalId, T::AccountId) {
	set_phase::<T>(Phase::Proposing);
	let id = proposal::<T>(0, T::MaxEndorsements::get());
	let trainer = funded::<T>("trainer", 0);
	T::BenchmarkHelper::make_worker(&trainer, Role::Trainer);
	assert!(T::Credits::lock(&trainer, T::MinBid::get().max(1)).is_ok());
	Bids::<T>::put(BoundedVec::truncate_from(alloc::vec![(
		trainer.clone(),
		T::MinBid::get().max(1)
	)]));
	set_phase::<T>(Phase::Training { proposal: id, trainer: trainer.clone() });
	(id, trainer)
}

fn grown_blocks<T: Config>(proposal: ProposalId) -> CandidateBlocks<T::MaxCandidateBlocks> {
	let spec = Proposals::<T>::get(proposal).expect("proposed").spec;
	BoundedVec::truncate_from(
		spec.param_kinds().enumerate().map(|(i, kind)| (kind, payload(i as u8))).collect(),
	)
}

/// The epoch in Benchmarking with a full panel of evaluators, each committed to `bench`.
fn benchmarking<T: Config>(bench: Bench) -> Vec<T::AccountId> {
	let (proposal, trainer) = training::<T>();
	let blocks = grown_blocks::<T>(proposal);
	assert!(Pallet::<T>::submit_migration(
		RawOrigin::Signed(trainer.clone()).into(),
		blocks,
		payload(0xee)
	)
	.is_ok());
	let panel: Vec<T::AccountId> =
		(0..T::PanelSize::get()).map(|i| account("evaluator", i, 0)).collect();
	let seats = panel
		.iter()
		.map(|evaluator| Seat {
			evaluator: evaluator.clone(),
			commitment: Some(benchmark_commitment(0, evaluator, &bench, &[7; 32])),
			benchmark: None,
		})
		.collect();
	Panel::<T>::put(BoundedVec::truncate_from(seats));
	let commit_until = now::<T>();
	set_phase::<T>(Phase::Benchmarking { proposal, trainer, commit_until, seed: [0; 32] });
	frame_system::Pallet::<T>::set_block_number(commit_until + 1u32.into());
	panel
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn propose() {
		set_phase::<T>(Phase::Proposing);
		for i in 0..T::MaxProposals::get().saturating_sub(1) {
			proposal::<T>(i + 1, 0);
		}
		let who = funded::<T>("proposer", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(who), doubling::<T>());

		assert_eq!(Open::<T>::get().len() as u32, T::MaxProposals::get());
	}

	#[benchmark]
	fn endorse() {
		set_phase::<T>(Phase::Proposing);
		let id = proposal::<T>(0, T::MaxEndorsements::get().saturating_sub(1));
		let who = funded::<T>("endorser", u32::MAX);

		#[extrinsic_call]
		_(RawOrigin::Signed(who), id, 5);

		let endorsements = Proposals::<T>::get(id).expect("proposed").endorsements;
		assert_eq!(endorsements.len() as u32, T::MaxEndorsements::get());
	}

	#[benchmark]
	fn reserve() {
		set_phase::<T>(Phase::Reserving { proposal: 0 });
		for i in 0..T::MaxBids::get().saturating_sub(1) {
			let bidder = funded::<T>("bidder", i);
			T::BenchmarkHelper::make_worker(&bidder, Role::Trainer);
			assert!(Pallet::<T>::reserve(
				RawOrigin::Signed(bidder).into(),
				T::MinBid::get().max(1)
			)
			.is_ok());
		}
		let who = funded::<T>("trainer", 0);
		T::BenchmarkHelper::make_worker(&who, Role::Trainer);

		#[extrinsic_call]
		_(RawOrigin::Signed(who), T::MinBid::get().max(1));

		assert_eq!(Bids::<T>::get().len() as u32, T::MaxBids::get());
	}

	#[benchmark]
	fn submit_migration(b: Linear<3, { T::MaxCandidateBlocks::get() }>) {
		let (proposal, trainer) = training::<T>();
		// A spec of one layer with `b - 3` experts has `b` slots: the kinds are all the call
		// checks against it.
		Proposals::<T>::mutate(proposal, |p| {
			if let Some(p) = p {
				p.spec.layers = 1;
				p.spec.experts = (b - 3) as u16;
			}
		});
		let blocks = grown_blocks::<T>(proposal);
		assert_eq!(blocks.len() as u32, b);

		#[extrinsic_call]
		_(RawOrigin::Signed(trainer), blocks, payload(0xee));

		assert!(Candidate::<T>::exists());
	}

	#[benchmark]
	fn commit_benchmark() {
		let bench = Bench { validation: 1, held_out: 1, parent_held_out: 2, replay_ok: true };
		let panel = benchmarking::<T>(bench);
		Panel::<T>::mutate(|seats| seats.iter_mut().for_each(|s| s.commitment = None));
		set_phase::<T>(Phase::Benchmarking {
			proposal: 0,
			trainer: account("trainer", 0, 0),
			commit_until: now::<T>(),
			seed: [0; 32],
		});
		let who = panel.last().expect("a panel").clone();
		let commitment = benchmark_commitment(0, &who, &bench, &[7; 32]);

		#[extrinsic_call]
		_(RawOrigin::Signed(who), commitment);

		assert!(Panel::<T>::get().iter().any(|s| s.commitment.is_some()));
	}

	#[benchmark]
	fn reveal_benchmark() {
		let bench = Bench { validation: 1, held_out: 1, parent_held_out: 2, replay_ok: true };
		let panel = benchmarking::<T>(bench);
		let who = panel.last().expect("a panel").clone();

		#[extrinsic_call]
		_(RawOrigin::Signed(who), bench, [7; 32]);

		assert!(Panel::<T>::get().iter().any(|s| s.benchmark.is_some()));
	}

	#[benchmark]
	fn open_epoch() {
		#[block]
		{
			Pallet::<T>::open_epoch(1, now::<T>());
		}

		assert_eq!(Epoch::<T>::get().map(|e| e.index), Some(1));
	}

	#[benchmark]
	fn select(
		p: Linear<1, { T::MaxProposals::get() }>,
		e: Linear<0, { T::MaxEndorsements::get() }>,
	) {
		set_phase::<T>(Phase::Proposing);
		for i in 0..p {
			proposal::<T>(i, e);
		}

		#[block]
		{
			Pallet::<T>::select(0, now::<T>());
		}

		assert!(matches!(Epoch::<T>::get().map(|e| e.phase), Some(Phase::Reserving { .. })));
	}

	#[benchmark]
	fn close_bids(b: Linear<1, { T::MaxBids::get() }>) {
		set_phase::<T>(Phase::Proposing);
		let proposal = proposal::<T>(0, 0);
		set_phase::<T>(Phase::Reserving { proposal });
		for i in 0..b {
			let bidder = funded::<T>("bidder", i);
			T::BenchmarkHelper::make_worker(&bidder, Role::Trainer);
			let bid = T::MinBid::get().max(1) + Credits::from(i);
			assert!(Pallet::<T>::reserve(RawOrigin::Signed(bidder).into(), bid).is_ok());
		}

		#[block]
		{
			Pallet::<T>::close_bids(0, proposal, now::<T>());
		}

		assert!(matches!(Epoch::<T>::get().map(|e| e.phase), Some(Phase::Training { .. })));
	}

	#[benchmark]
	fn draw_panel(v: Linear<{ T::PanelSize::get() }, { T::MaxEvaluatorPool::get() }>) {
		for i in 0..v {
			T::BenchmarkHelper::make_worker(&account("evaluator", i, 0), Role::Evaluator);
		}
		frame_system::Pallet::<T>::set_block_number(now::<T>() + 1u32.into());
		let (proposal, trainer) = training::<T>();
		let blocks = grown_blocks::<T>(proposal);
		assert!(Pallet::<T>::submit_migration(
			RawOrigin::Signed(trainer.clone()).into(),
			blocks,
			payload(0xee)
		)
		.is_ok());
		frame_system::Pallet::<T>::set_block_number(now::<T>() + 1u32.into());

		#[block]
		{
			Pallet::<T>::draw_panel(0, proposal, trainer, now::<T>());
		}

		assert_eq!(Panel::<T>::get().len() as u32, T::PanelSize::get());
	}

	#[benchmark]
	fn conclude() {
		// Every member revealed a promoting benchmark: the candidate becomes a new version.
		let (_, _, parent) = T::Models::newest().expect("a model to grow");
		let bench = Bench { validation: 1, held_out: 1, parent_held_out: 2, replay_ok: true };
		assert!(parent.unwrap_or(0) > 1, "the benchmark runtime's model has a score");
		let panel = benchmarking::<T>(bench);
		for who in &panel {
			T::BenchmarkHelper::make_worker(who, Role::Evaluator);
			assert!(Pallet::<T>::reveal_benchmark(
				RawOrigin::Signed(who.clone()).into(),
				bench,
				[7; 32]
			)
			.is_ok());
		}
		let Some(EpochInfo { phase: Phase::Benchmarking { proposal, trainer, .. }, .. }) =
			Epoch::<T>::get()
		else {
			panic!("benchmarking");
		};
		let before = T::Models::newest().map(|(model, ..)| model);

		#[block]
		{
			Pallet::<T>::conclude(0, proposal, trainer, now::<T>());
		}

		assert_eq!(T::Models::newest().map(|(model, ..)| Some(model)), Some(before.map(|m| m + 1)));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
