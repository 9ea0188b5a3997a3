//! A transformer joins the real runtime's meta-chain as a MAJOR version beside the byte model
//! and takes jobs, with windows sized by its whole model's work; a transformer the reference
//! worker cannot judge (too long a context) takes none.

use super::*;
use aiblock_primitives::dag::{AttentionSpec, ModelSpec, SemVer};
use aiblock_primitives::jobs::min_windows;
use pallet_aiblock_expert_dag::{Error as DagError, ImportedBlock};
use pallet_aiblock_jobs::Error as JobsError;

type DagCall = pallet_aiblock_expert_dag::Call<Runtime>;

/// The genesis byte model's successor as a small Mixtral-layout transformer.
fn transformer() -> ModelSpec {
	let genesis = pallet_aiblock_expert_dag::Models::<Runtime>::get(0).expect("genesis").spec;
	ModelSpec {
		architecture: b"aiblock-mixtral-v1".to_vec().try_into().unwrap(),
		version: SemVer { major: 2, minor: 0, patch: 0 },
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
		assert_eq!(crate::ExpertDag::latest_model(), Some((1, transformer())));
		assert_eq!(crate::ExpertDag::current_blocks(1).len(), 1 + 2 * (1 + 1 + 4));

		let alice = account(Sr25519Keyring::Alice);
		let post = |spec: JobSpec| {
			dispatch(
				&alice,
				RuntimeCall::Jobs(pallet_aiblock_jobs::Call::post_job { spec, budget: BUDGET }),
			)
		};
		let slot = BlockKind::Router { layer: 1 };
		let (base, _) = crate::ExpertDag::current(1, slot).expect("imported");
		let spec = JobSpec { model: 1, kind: slot, base, ..job_spec() };
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
		wide.version.major = 3;
		wide.context = 1_024;
		assert_ok!(import(wide.clone()));
		let (base, _) = crate::ExpertDag::current(2, slot).expect("imported");
		let on_wide = JobSpec { model: 2, kind: slot, base, ..job_spec() };
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
		wider.version.major = 4;
		wider.context = 2_048;
		assert_ok!(import(wider));
		let (base, _) = crate::ExpertDag::current(3, slot).expect("imported");
		assert_noop!(
			post(JobSpec { model: 3, kind: slot, base, ..job_spec() }),
			JobsError::<Runtime>::ArchitectureNotTrainable
		);
		// The byte model is untouched and still takes jobs.
		assert_eq!(crate::ExpertDag::current_blocks(0).len(), genesis_blocks);
		post_job(&alice, job_spec(), BUDGET);
		try_state();
	});
}
