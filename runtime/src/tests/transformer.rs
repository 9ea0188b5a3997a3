//! A transformer joins the real runtime's meta-chain as a MAJOR version beside the byte model;
//! until workers can train and replay it, no job may be posted on it.

use super::*;
use aiblock_primitives::dag::{AttentionSpec, ModelSpec, SemVer};
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
fn an_imported_transformer_is_registered_but_takes_no_jobs_yet() {
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
		let slot = BlockKind::Attention { layer: 1 };
		let (base, _) = crate::ExpertDag::current(1, slot).expect("imported");
		let spec = JobSpec { model: 1, kind: slot, base, ..job_spec() };
		assert_noop!(
			dispatch(
				&alice,
				RuntimeCall::Jobs(pallet_aiblock_jobs::Call::post_job { spec, budget: BUDGET })
			),
			JobsError::<Runtime>::ArchitectureNotTrainable
		);
		// The byte model is untouched and still takes jobs.
		assert_eq!(crate::ExpertDag::current_blocks(0).len(), genesis_blocks);
		post_job(&alice, job_spec(), BUDGET);
		try_state();
	});
}
