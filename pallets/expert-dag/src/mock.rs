//! A runtime with System and ExpertDag for the unit tests, and builders of specs and payloads.

use crate as pallet_expert_dag;
use crate::ImportedBlock;
use aiblock_primitives::dag::{AttentionSpec, BlockKind, ModelSpec, Payload, SemVer, Tokenizer};
use frame_support::{
	derive_impl,
	traits::{ConstU16, ConstU32, ConstU64},
};
use frame_system::EnsureRoot;
use sp_core::H256;
use sp_runtime::BuildStorage;

pub type AccountId = u64;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		ExpertDag: pallet_expert_dag,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
}

/// 1 + MaxLayers × (2 + MaxExperts): the largest transformer fits one import.
pub const MAX_IMPORT: u32 = 41;
pub const MAX_PAYLOAD: u64 = 1 << 20;
/// Blocks a rejected candidate is kept.
pub const RETENTION: u64 = 100;

impl pallet_expert_dag::Config for Test {
	type ModelOrigin = EnsureRoot<AccountId>;
	type MaxLayers = ConstU16<4>;
	type MaxExperts = ConstU16<8>;
	type MaxDim = ConstU32<1024>;
	type MaxContext = ConstU16<512>;
	type MaxVocab = ConstU32<1024>;
	type MaxHeads = ConstU16<8>;
	type MaxImportBlocks = ConstU32<MAX_IMPORT>;
	type MaxPayloadSize = ConstU64<MAX_PAYLOAD>;
	type RejectedRetention = ConstU64<RETENTION>;
	type WeightInfo = ();
}

/// A model of 2 layers of 3 experts: 1 shared + 2 × (router + 3 experts) = 9 blocks.
pub fn spec() -> ModelSpec {
	ModelSpec {
		name: b"tiny".to_vec().try_into().unwrap(),
		architecture: b"byte-moe-v1".to_vec().try_into().unwrap(),
		version: SemVer { major: 1, minor: 0, patch: 0 },
		generation: 0,
		context: 2,
		vocab: 256,
		tokenizer: Tokenizer::Bytes,
		d_model: 32,
		d_ff: 64,
		layers: 2,
		experts: 3,
		top_k: 2,
		attention: None,
		delta: 1_000,
		validation_dataset: cid(0xda),
	}
}

/// The genesis model's successor as a transformer: a MAJOR version with an attention block in
/// each of its 2 layers, 1 shared + 2 × (attention + router + 3 experts) = 11 blocks.
pub fn transformer_spec() -> ModelSpec {
	ModelSpec {
		architecture: b"aiblock-mixtral-v1".to_vec().try_into().unwrap(),
		version: version(2, 0, 0),
		context: 256,
		attention: Some(AttentionSpec {
			heads: 4,
			kv_heads: 2,
			head_dim: 8,
			rope_theta: 10_000,
			norm_eps_pico: 10_000_000,
		}),
		..spec()
	}
}

pub fn version(major: u16, minor: u16, patch: u16) -> SemVer {
	SemVer { major, minor, patch }
}

/// A raw-leaf CIDv1 whose digest is `seed` repeated.
pub fn cid(seed: u8) -> aiblock_primitives::dag::Cid {
	let mut bytes = vec![0x01, 0x55, 0x12, 32];
	bytes.extend([seed; 32]);
	bytes.try_into().unwrap()
}

pub fn payload(seed: u8) -> Payload {
	Payload { cid: cid(seed), hash: H256([seed; 32]), size: 1000 + seed as u64 }
}

/// Every block of `spec`, with payloads seeded from `seed` and the slot's position.
pub fn blocks_of(spec: &ModelSpec, seed: u8) -> Vec<ImportedBlock> {
	spec.param_kinds()
		.enumerate()
		.map(|(i, kind)| ImportedBlock {
			kind,
			payload: payload(seed.wrapping_add(i as u8)),
			score: Some(2_000_000),
		})
		.collect()
}

pub const EXPERT: BlockKind = BlockKind::Expert { layer: 1, expert: 2 };

pub struct ExtBuilder {
	genesis: bool,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		ExtBuilder { genesis: true }
	}
}

impl ExtBuilder {
	/// Start without the genesis model.
	pub fn empty(mut self) -> Self {
		self.genesis = false;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let models = if self.genesis {
			vec![crate::ImportedModel { spec: spec(), blocks: blocks_of(&spec(), 0) }]
		} else {
			vec![]
		};
		pallet_expert_dag::GenesisConfig::<Test> { models, _config: Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Run `test`, then check the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			ExpertDag::do_try_state().expect("invariants hold after the test");
		});
	}
}
