//! A transformer joins the real runtime's meta-chain as a MAJOR version after the genesis
//! models and takes jobs, with windows sized by its whole model's work; a transformer the
//! reference worker cannot judge (too long a context) takes none. Jobs on a transformer train
//! sets of its slots, up to the whole model; the byte model's train one slot.

use super::*;
use aiblock_primitives::dag::{AttentionSpec, ModelSpec, SemVer};
use aiblock_primitives::jobs::{min_windows, JobSlot};
use pallet_aiblock_expert_dag::{Error as DagError, ImportedBlock};
use pallet_aiblock_jobs::Error as JobsError;

type DagCall = pallet_aiblock_expert_dag::Call<Runtime>;

/// The genesis models' successor (after the byte model 0 and the Shakespeare transformer 1) as
/// a small Mixtral-layout transformer of the byte model's widths.
fn transformer() -> ModelSpec {
	let genesis = pallet_aiblock_expert_dag::Models::<Runtime>::get(0).expect("genesis").spec;
	ModelSpec {
		architecture: b"aiblock-mixtral-v1".to_vec().try_into().unwrap(),
		version: SemVer { major: 3, minor: 0, patch: 0 },
		context: 256,
		attention: Some(AttentionSpec {
			heads: 4,
			kv_heads: 4,
			head_dim: 32,
			rope_theta: 10_000,
			norm_eps_pico: 10_000_000,
		}),
		..genesis
	}
}

fn import(spec: ModelSpec) -> frame_support::dispatch::DispatchResultWithPostInfo {
	let blocks: Vec<_> = spec
		.param_kinds()
		.enumerate()
		.map(|(i, kind)| ImportedBlock {
			kind,
			payload: payload(0x40 + i as u8),
			score: Some(4_000_000),
		})
		.collect();
	let call = RuntimeCall::ExpertDag(DagCall::import_model {
		spec,
		blocks: blocks.try_into().expect("within MaxImportBlocks"),
	});
	call.dispatch_bypass_filter(RuntimeOrigin::root())
}

#[test]
fn an_imported_transformer_takes_jobs_sized_by_the_whole_model() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		assert_noop!(
			import(ModelSpec { context: 4_097, ..transformer() }),
			DagError::<Runtime>::SpecOutOfLimits
		);
		let genesis_blocks = crate::ExpertDag::current_blocks(0).len();
		assert_ok!(import(transformer()));
		assert_eq!(crate::ExpertDag::latest_model(), Some((2, transformer())));
		assert_eq!(crate::ExpertDag::current_blocks(2).len(), 1 + 2 * (1 + 1 + 4));

		let alice = account(Sr25519Keyring::Alice);
		let post = |spec: JobSpec| {
			dispatch(
				&alice,
				RuntimeCall::Jobs(pallet_aiblock_jobs::Call::post_job { spec, budget: BUDGET }),
			)
		};
		let slot = BlockKind::Router { layer: 1 };
		let (base, _) = crate::ExpertDag::current(2, slot).expect("imported");
		let spec = on_slot(2, slot, base);
		// A long run on the 4 KiB router: the block is small, but every token runs the whole
		// model, so windows sized by the block alone are refused.
		let long = JobSpec {
			steps: 20_000,
			hyper: HyperParams { batch_size: 4_096, checkpoint_every: 100, ..spec.hyper.clone() },
			..spec.clone()
		};
		let rates = crate::configs::aiblock::ReferenceWorker::get();
		let work = transformer().active_weight_bytes().expect("a transformer");
		let by_block = min_windows(&long, 4096, 4096, &rates);
		let by_model = min_windows(&long, 4096, work, &rates);
		assert!(by_model.submit > 10 * by_block.submit, "{by_block:?} vs {by_model:?}");
		assert_noop!(
			post(JobSpec { windows: by_block, ..long.clone() }),
			JobsError::<Runtime>::WindowTooShort
		);
		post_job(&alice, JobSpec { windows: by_model, ..long }, BUDGET);
		post_job(&alice, spec, BUDGET);

		// At 1 024 tokens of context a full batch keeps 2^16 × 2 layers × 4 heads × 2^10 = 2^29
		// attention probabilities a step, twice MaxAttentionScores; a quarter of it fits.
		let mut wide = transformer();
		wide.version.major = 4;
		wide.context = 1_024;
		assert_ok!(import(wide.clone()));
		let (base, _) = crate::ExpertDag::current(3, slot).expect("imported");
		let on_wide = on_slot(3, slot, base);
		let batch = |batch_size: u32| HyperParams { batch_size, ..on_wide.hyper.clone() };
		assert_noop!(
			post(JobSpec { hyper: batch(65_536), ..on_wide.clone() }),
			JobsError::<Runtime>::BatchTooLarge
		);
		let quarter = JobSpec { hyper: batch(16_384), ..on_wide.clone() };
		let work = wide.active_weight_bytes().expect("a transformer");
		let windows = min_windows(&quarter, 4096, work, &rates);
		post_job(&alice, JobSpec { windows, ..quarter }, BUDGET);
		// A transformer whose scoring window the reference worker will not hold.
		let mut wider = wide;
		wider.version.major = 5;
		wider.context = 2_048;
		assert_ok!(import(wider));
		let (base, _) = crate::ExpertDag::current(4, slot).expect("imported");
		assert_noop!(post(on_slot(4, slot, base)), JobsError::<Runtime>::ArchitectureNotTrainable);
		// The byte model is untouched and still takes jobs.
		assert_eq!(crate::ExpertDag::current_blocks(0).len(), genesis_blocks);
		post_job(&alice, job_spec(), BUDGET);
		try_state();
	});
}

/// The genesis transformer (model 1) takes a job on every one of its slots at once, with
/// windows sized by the whole model's work and all its blocks' transfer; the byte model's jobs
/// train one slot.
#[test]
fn the_genesis_transformer_trains_whole_and_the_byte_model_one_slot_at_a_time() {
	with_preset_state(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
		System::set_block_number(1);
		let alice = account(Sr25519Keyring::Alice);
		let post = |spec: JobSpec| {
			dispatch(
				&alice,
				RuntimeCall::Jobs(pallet_aiblock_jobs::Call::post_job { spec, budget: BUDGET }),
			)
		};
		let genesis = pallet_aiblock_expert_dag::Models::<Runtime>::get(1).expect("genesis").spec;
		assert_eq!(genesis.architecture.as_slice(), b"aiblock-mixtral-v1");
		let slots: Vec<JobSlot> = crate::ExpertDag::current_blocks(1)
			.into_iter()
			.map(|(kind, base, _)| JobSlot { kind, base })
			.collect();
		assert_eq!(slots.len(), 1 + 4 * (1 + 1 + 4), "25 slots");
		let size: u64 = crate::ExpertDag::current_blocks(1)
			.iter()
			.map(|(_, _, record)| record.header.payload.size)
			.sum();
		let whole = JobSpec {
			model: 1,
			slots: slots.clone().try_into().unwrap(),
			hyper: HyperParams { batch_size: 768, ..job_spec().hyper },
			steps: 2_000,
			..job_spec()
		};
		let rates = crate::configs::aiblock::ReferenceWorker::get();
		let work = genesis.active_weight_bytes().expect("a transformer");
		let by_one_block = min_windows(&whole, size / 25, work, &rates);
		let windows = min_windows(&whole, size, work, &rates);
		assert!(windows.submit > by_one_block.submit, "every block moves: {windows:?}");
		assert_noop!(
			post(JobSpec { windows: by_one_block, ..whole.clone() }),
			JobsError::<Runtime>::WindowTooShort
		);
		let id = post_job(&alice, JobSpec { windows, ..whole.clone() }, BUDGET);
		let job = pallet_aiblock_jobs::Jobs::<Runtime>::get(id).expect("posted");
		assert_eq!(job.spec.slots.len(), 25);
		let twice = [slots[0], slots[0]].to_vec();
		assert_noop!(
			post(JobSpec { slots: twice.try_into().unwrap(), ..whole }),
			JobsError::<Runtime>::BadSlots
		);

		// Two slots of the byte model: its trainer trains one block per job.
		let shared = crate::ExpertDag::current(0, BlockKind::Shared).expect("genesis").0;
		let mut pair = job_spec();
		pair.slots.try_push(JobSlot { kind: BlockKind::Shared, base: shared }).unwrap();
		assert_noop!(post(pair), JobsError::<Runtime>::TooManySlots);
		try_state();
	});
}
