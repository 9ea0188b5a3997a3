//! An operator's import of a trained model as the chain's next model version:
//! `ExpertDag::import_model`, through Sudo or the council ([`crate::governance`]). Every block and the validation dataset go into the
//! content store first (workers fetch them by the CIDs the chain records), then one transaction
//! registers the version with all of its blocks current.

use crate::{
	chain::{self, runtime, Chain, H256},
	governance::{Governed, Motion},
	run, WorkerError,
};
use aiblock_compute::{genesis::ChainModel, store::ContentStore};
use aiblock_primitives::dag::ModelSpec;
use runtime::runtime_types::{
	aiblock_primitives::dag::AttentionSpec,
	aiblock_runtime::RuntimeCall,
	bounded_collections::bounded_vec::BoundedVec,
	pallet_aiblock_expert_dag::{pallet::Call as ExpertDagCall, ImportedBlock},
};

/// What an import registered.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
	pub model: u32,
	pub blocks: u32,
}

/// What an import did: registered the model, or proposed it to the council.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportOutcome {
	Imported(Imported),
	Proposed(Motion),
}

/// The chain's spec of `model`, checked for the shape of the runtime's `ModelSpec`.
pub fn chain_spec(model: &ChainModel) -> Result<ModelSpec, WorkerError> {
	serde_json::from_value(model.spec.clone())
		.map_err(|e| WorkerError::Compute(format!("the model's chain spec does not parse: {e}")))
}

/// Put every file of `model` into `store` (pinned, so a daemon keeps serving it), then make
/// `import_model` with `chain`'s key, which must be the sudo key or a council member (see
/// [`Chain::govern`]). Refused imports come back as [`WorkerError::Refused`] with the pallet's
/// error name.
pub async fn import(
	chain: &Chain,
	store: &dyn ContentStore,
	model: &ChainModel,
) -> Result<ImportOutcome, WorkerError> {
	let spec = chain_spec(model)?;
	for (name, bytes) in model.files() {
		let cid = store.put(&bytes)?;
		store.pin(&cid)?;
		log::info!("{name}: {cid} ({} bytes)", bytes.len());
	}
	let mut blocks = Vec::with_capacity(model.blocks.len());
	for block in &model.blocks {
		let kind = run::chain_kind(block.block)
			.ok_or_else(|| WorkerError::Compute(format!("{} has no on-chain slot", block.block)))?;
		let cid = aiblock_compute::store::cid_of(&block.file);
		blocks.push(ImportedBlock {
			kind,
			payload: chain::Payload {
				cid: BoundedVec(cid.as_bytes().to_vec()),
				hash: H256(block.hash),
				size: block.file.len() as u64,
			},
			score: Some(model.score),
		});
	}
	let call = RuntimeCall::ExpertDag(ExpertDagCall::import_model {
		spec: runtime_spec(spec),
		blocks: BoundedVec(blocks),
	});
	let events = match chain.govern("expert_dag.import_model", call).await? {
		Governed::Dispatched(events) => events,
		Governed::Proposed(motion) => return Ok(ImportOutcome::Proposed(motion)),
	};
	match events.find_first::<runtime::expert_dag::events::ModelImported>() {
		Some(Ok(done)) => {
			Ok(ImportOutcome::Imported(Imported { model: done.model, blocks: done.blocks }))
		},
		_ => Err(WorkerError::Node("import_model: no ModelImported event decoded".into())),
	}
}

/// The runtime's spec in the client's generated types.
pub(crate) fn runtime_spec(spec: ModelSpec) -> chain::ModelSpec {
	let bytes = |v: aiblock_primitives::dag::Name| BoundedVec(v.into_inner());
	chain::ModelSpec {
		name: bytes(spec.name),
		architecture: bytes(spec.architecture),
		version: runtime::runtime_types::aiblock_primitives::dag::SemVer {
			major: spec.version.major,
			minor: spec.version.minor,
			patch: spec.version.patch,
		},
		generation: spec.generation,
		context: spec.context,
		vocab: spec.vocab,
		tokenizer: match spec.tokenizer {
			aiblock_primitives::dag::Tokenizer::Bytes => chain::Tokenizer::Bytes,
		},
		d_model: spec.d_model,
		d_ff: spec.d_ff,
		layers: spec.layers,
		experts: spec.experts,
		top_k: spec.top_k,
		attention: spec.attention.map(|a| AttentionSpec {
			heads: a.heads,
			kv_heads: a.kv_heads,
			head_dim: a.head_dim,
			rope_theta: a.rope_theta,
			norm_eps_pico: a.norm_eps_pico,
		}),
		delta: spec.delta,
		validation_dataset: BoundedVec(spec.validation_dataset.into_inner()),
	}
}
