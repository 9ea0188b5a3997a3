use crate::{mock::*, Blocks, Current, Error, Event, ImportedBlock, ModelCount, Models, Pallet};
use aiblock_primitives::dag::{AttentionSpec, BlockKind, BlockStatus, ModelSpec, QualityGate};
use codec::Encode;
use frame_support::{assert_noop, assert_ok, BoundedVec};
use sp_core::H256;
use sp_runtime::DispatchError;

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::ExpertDag(e) = r.event { Some(e) } else { None })
		.collect()
}

fn last_event() -> Event<Test> {
	events().pop().expect("an ExpertDag event")
}

fn root() -> RuntimeOrigin {
	RuntimeOrigin::root()
}

fn import(spec: ModelSpec, blocks: Vec<ImportedBlock>) -> sp_runtime::DispatchResult {
	ExpertDag::import_model(root(), spec, BoundedVec::try_from(blocks).unwrap())
}

fn current(kind: BlockKind) -> H256 {
	Current::<Test>::get(0, kind).expect("genesis fills every slot")
}

fn propose(author: AccountId, seed: u8) -> H256 {
	<ExpertDag as QualityGate<AccountId>>::propose(&author, 0, EXPERT, payload(seed), &[])
		.expect("a valid candidate")
}

fn status(id: H256) -> BlockStatus {
	Blocks::<Test>::get(id).unwrap().status
}

#[test]
fn genesis_registers_the_model_with_every_block_current() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(ModelCount::<Test>::get(), 1);
		let info = Models::<Test>::get(0).unwrap();
		assert_eq!(info.spec, spec());
		let meta = Blocks::<Test>::get(info.meta).unwrap();
		assert_eq!(meta.header.kind, BlockKind::Meta);
		assert_eq!(meta.header.payload.hash, H256(sp_io::hashing::blake2_256(&spec().encode())));
		assert!(meta.header.depends_on.is_empty(), "the first meta block has no predecessor");

		let set = ExpertDag::current_blocks(0);
		assert_eq!(set.len(), 9);
		let kinds: Vec<_> = set.iter().map(|(k, _, _)| *k).collect();
		assert_eq!(kinds, spec().param_kinds().collect::<Vec<_>>());
		for ((kind, id, record), imported) in set.iter().zip(blocks_of(&spec(), 0)) {
			assert_eq!(*kind, imported.kind);
			assert_eq!(record.header.payload, imported.payload);
			assert_eq!(record.status, BlockStatus::Accepted);
			assert_eq!(record.score, Some(2_000_000));
			assert_eq!(record.header.depends_on.to_vec(), vec![info.meta]);
			assert_eq!(record.header.id(), *id, "the id is the hash of the header");
		}
		assert_eq!(ExpertDag::latest_model(), Some((0, spec())));
	});
}

#[test]
fn only_the_model_origin_registers_or_imports() {
	ExtBuilder::default().build_and_execute(|| {
		let next = ModelSpec { version: version(1, 0, 1), ..spec() };
		assert_noop!(
			ExpertDag::register_model(RuntimeOrigin::signed(1), next.clone(), None),
			DispatchError::BadOrigin
		);
		assert_noop!(
			ExpertDag::import_model(
				RuntimeOrigin::signed(1),
				next.clone(),
				BoundedVec::try_from(blocks_of(&next, 50)).unwrap()
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn register_model_extends_the_meta_chain() {
	ExtBuilder::default().build_and_execute(|| {
		let genesis_meta = Models::<Test>::get(0).unwrap().meta;
		let next = ModelSpec { version: version(1, 0, 1), delta: 500, ..spec() };
		assert_ok!(ExpertDag::register_model(root(), next.clone(), None));
		let info = Models::<Test>::get(1).unwrap();
		assert_eq!(
			last_event(),
			Event::ModelRegistered { model: 1, version: version(1, 0, 1), meta: info.meta }
		);
		let meta = Blocks::<Test>::get(info.meta).unwrap();
		assert_eq!(meta.header.depends_on.to_vec(), vec![genesis_meta]);
		assert_eq!(ModelCount::<Test>::get(), 2);
		assert_eq!(ExpertDag::latest_model(), Some((1, next)));
		assert!(ExpertDag::current_blocks(1).is_empty(), "a registered version starts empty");
		assert_eq!(<ExpertDag as QualityGate<AccountId>>::delta(1), Some(500));
	});
}

#[test]
fn register_model_enforces_semver_rules() {
	ExtBuilder::default().build_and_execute(|| {
		let cases = [
			(ModelSpec { ..spec() }, Error::<Test>::NotASuccessor),
			(ModelSpec { version: version(0, 9, 0), ..spec() }, Error::<Test>::NotASuccessor),
			(ModelSpec { version: version(1, 1, 1), ..spec() }, Error::<Test>::NotASuccessor),
			(
				ModelSpec { version: version(1, 0, 1), d_ff: 128, ..spec() },
				Error::<Test>::IncompatibleChange,
			),
			(
				ModelSpec { version: version(1, 1, 0), experts: 2, ..spec() },
				Error::<Test>::IncompatibleChange,
			),
			(
				ModelSpec { version: version(1, 1, 0), top_k: 1, ..spec() },
				Error::<Test>::IncompatibleChange,
			),
			(
				ModelSpec {
					version: version(1, 1, 0),
					name: b"other".to_vec().try_into().unwrap(),
					..spec()
				},
				Error::<Test>::IncompatibleChange,
			),
		];
		for (next, error) in cases {
			assert_noop!(ExpertDag::register_model(root(), next, None), error);
		}
		// Growth is a MINOR step; anything goes in a MAJOR one.
		let minor = ModelSpec { version: version(1, 1, 0), experts: 4, d_ff: 128, ..spec() };
		assert_ok!(ExpertDag::register_model(root(), minor.clone(), None));
		let major = ModelSpec { version: version(2, 0, 0), layers: 1, top_k: 1, ..minor.clone() };
		let older = ModelSpec { generation: 0, ..major.clone() };
		assert_ok!(ExpertDag::register_model(
			root(),
			ModelSpec { version: version(1, 1, 1), generation: 1, ..minor },
			None
		));
		assert_noop!(
			ExpertDag::register_model(root(), older, None),
			Error::<Test>::GenerationDecreased
		);
		assert_ok!(ExpertDag::register_model(root(), ModelSpec { generation: 1, ..major }, None));
		assert_eq!(ModelCount::<Test>::get(), 4);
	});
}

#[test]
fn register_model_checks_the_spec() {
	ExtBuilder::default().empty().build_and_execute(|| {
		let cases = [
			(ModelSpec { top_k: 4, ..spec() }, Error::<Test>::InvalidTopK),
			(ModelSpec { top_k: 0, ..spec() }, Error::<Test>::InvalidTopK),
			(ModelSpec { layers: 5, ..spec() }, Error::<Test>::SpecOutOfLimits),
			(ModelSpec { experts: 9, ..spec() }, Error::<Test>::SpecOutOfLimits),
			(ModelSpec { d_model: 2048, ..spec() }, Error::<Test>::SpecOutOfLimits),
			(ModelSpec { context: 0, ..spec() }, Error::<Test>::SpecOutOfLimits),
			(ModelSpec { context: 513, ..spec() }, Error::<Test>::SpecOutOfLimits),
			(ModelSpec { vocab: 0, ..spec() }, Error::<Test>::InvalidVocab),
			(ModelSpec { vocab: 512, ..spec() }, Error::<Test>::InvalidVocab),
			(ModelSpec { name: Default::default(), ..spec() }, Error::<Test>::InvalidName),
			(
				ModelSpec { architecture: vec![0xc3, 0x28].try_into().unwrap(), ..spec() },
				Error::<Test>::InvalidName,
			),
		];
		for (bad, error) in cases {
			assert_noop!(ExpertDag::register_model(root(), bad, None), error);
		}
		let attention = transformer_spec().attention.unwrap();
		let odd = AttentionSpec { head_dim: 7, ..attention.clone() };
		let ungrouped = AttentionSpec { kv_heads: 3, ..attention.clone() };
		let too_many_heads = AttentionSpec { heads: 16, kv_heads: 16, ..attention };
		for bad in [odd, ungrouped, too_many_heads] {
			let bad = ModelSpec { attention: Some(bad), ..spec() };
			assert_noop!(
				ExpertDag::register_model(root(), bad, None),
				Error::<Test>::InvalidAttention
			);
		}
		assert_ok!(ExpertDag::register_model(root(), spec(), None));
		assert_eq!(ModelCount::<Test>::get(), 1);
	});
}

#[test]
fn a_transformer_is_imported_as_a_major_version_with_an_attention_block_per_layer() {
	ExtBuilder::default().build_and_execute(|| {
		let next = transformer_spec();
		let minor = ModelSpec { version: version(1, 1, 0), ..next.clone() };
		assert_noop!(
			import(minor.clone(), blocks_of(&minor, 100)),
			Error::<Test>::IncompatibleChange
		);
		// A transformer's set without its attention blocks is incomplete.
		let without: Vec<_> = blocks_of(&next, 100)
			.into_iter()
			.filter(|b| !matches!(b.kind, BlockKind::Attention { .. }))
			.collect();
		assert_noop!(import(next.clone(), without), Error::<Test>::IncompleteModel);

		assert_ok!(import(next.clone(), blocks_of(&next, 100)));
		assert_eq!(last_event(), Event::ModelImported { model: 1, blocks: 11 });
		let attention = Current::<Test>::get(1, BlockKind::Attention { layer: 1 }).unwrap();
		let record = Blocks::<Test>::get(attention).unwrap();
		assert_eq!(record.header.parent, None, "the byte model had no attention");
		// Nor is any other block trained from the byte model's: another architecture.
		let shared = Current::<Test>::get(1, BlockKind::Shared).unwrap();
		assert_eq!(Blocks::<Test>::get(shared).unwrap().header.parent, None);
		assert_eq!(record.status, BlockStatus::Accepted);
		assert_eq!(ExpertDag::current_blocks(1).len(), 11);
		assert_eq!(Pallet::<Test>::latest_model(), Some((1, next)));
		// The old version stays readable, with its blocks.
		assert_eq!(ExpertDag::current_blocks(0).len(), 9);
		assert!(Models::<Test>::get(0).unwrap().spec.attention.is_none());
		// Candidates for an attention slot enter the gate like any other slot's.
		let candidate = <ExpertDag as QualityGate<AccountId>>::propose(
			&7,
			1,
			BlockKind::Attention { layer: 1 },
			payload(200),
			&[],
		)
		.expect("an attention slot of the transformer");
		assert_eq!(status(candidate), BlockStatus::Pending);
		// The byte model has no attention slot to propose for.
		assert_noop!(
			<ExpertDag as QualityGate<AccountId>>::propose(
				&7,
				0,
				BlockKind::Attention { layer: 0 },
				payload(201),
				&[],
			),
			Error::<Test>::NotAParamSlot
		);
	});
}

#[test]
fn a_migration_block_links_two_versions() {
	ExtBuilder::default().build_and_execute(|| {
		let next = ModelSpec { version: version(1, 1, 0), experts: 4, ..spec() };
		let mut bad = payload(9);
		bad.cid.truncate(10);
		assert_noop!(
			ExpertDag::register_model(root(), next.clone(), Some(bad)),
			Error::<Test>::InvalidCid
		);
		assert_ok!(ExpertDag::register_model(root(), next, Some(payload(9))));
		let Event::MigrationRecorded { id, from: 0, to: 1 } = last_event() else {
			panic!("expected a migration event, got {:?}", last_event())
		};
		let migration = Blocks::<Test>::get(id).unwrap();
		assert_eq!(migration.header.kind, BlockKind::Migration);
		let metas = [Models::<Test>::get(0).unwrap().meta, Models::<Test>::get(1).unwrap().meta];
		assert_eq!(migration.header.depends_on.to_vec(), metas.to_vec());
	});
	ExtBuilder::default().empty().build_and_execute(|| {
		assert_noop!(
			ExpertDag::register_model(root(), spec(), Some(payload(9))),
			Error::<Test>::NothingToMigrate
		);
	});
}

#[test]
fn import_model_links_each_block_to_its_predecessor() {
	ExtBuilder::default().build_and_execute(|| {
		let next = ModelSpec { version: version(1, 1, 0), experts: 4, ..spec() };
		assert_ok!(import(next.clone(), blocks_of(&next, 100)));
		assert_eq!(last_event(), Event::ModelImported { model: 1, blocks: 11 });
		let meta = Models::<Test>::get(1).unwrap().meta;
		for (kind, id, record) in ExpertDag::current_blocks(1) {
			let parent = Current::<Test>::get(0, kind);
			assert_eq!(record.header.parent, parent, "{kind:?}");
			let mut deps = vec![meta];
			deps.extend(parent);
			assert_eq!(record.header.depends_on.to_vec(), deps);
			assert_eq!(
				ExpertDag::lineage(id, 10),
				[Some(id), parent].into_iter().flatten().collect::<Vec<_>>()
			);
		}
		// The new expert of each layer has no predecessor.
		let new = Current::<Test>::get(1, BlockKind::Expert { layer: 0, expert: 3 }).unwrap();
		assert_eq!(Blocks::<Test>::get(new).unwrap().header.parent, None);
		// The old version keeps its blocks.
		assert_eq!(ExpertDag::current_blocks(0).len(), 9);
	});
}

#[test]
fn import_model_refuses_incomplete_or_malformed_sets() {
	ExtBuilder::default().build_and_execute(|| {
		let next = ModelSpec { version: version(1, 0, 1), ..spec() };
		let full = blocks_of(&next, 100);

		let mut missing = full.clone();
		missing.pop();
		assert_noop!(import(next.clone(), missing), Error::<Test>::IncompleteModel);

		let mut twice = full.clone();
		twice[1] = twice[2].clone();
		assert_noop!(import(next.clone(), twice), Error::<Test>::DuplicateSlot);

		let mut outside = full.clone();
		outside[3].kind = BlockKind::Expert { layer: 0, expert: 3 };
		assert_noop!(import(next.clone(), outside), Error::<Test>::NotAParamSlot);

		let mut meta = full.clone();
		meta[0].kind = BlockKind::Meta;
		assert_noop!(import(next.clone(), meta), Error::<Test>::NotAParamSlot);

		let mut large = full.clone();
		large[4].payload.size = MAX_PAYLOAD + 1;
		assert_noop!(import(next.clone(), large), Error::<Test>::PayloadTooLarge);

		let mut v0 = full.clone();
		v0[5].payload.cid = vec![0x12, 0x20].try_into().unwrap();
		assert_noop!(import(next.clone(), v0), Error::<Test>::InvalidCid);

		let same_version = ModelSpec { ..spec() };
		assert_noop!(import(same_version, full.clone()), Error::<Test>::NotASuccessor);

		// Re-importing the genesis payloads under a new version makes new blocks (the model,
		// the parent and the dependencies differ), not duplicates.
		assert_ok!(import(next, blocks_of(&spec(), 0)));
	});
}

#[test]
fn propose_records_a_pending_candidate_with_its_dependencies() {
	ExtBuilder::default().build_and_execute(|| {
		let parent = current(EXPERT);
		let router = current(BlockKind::Router { layer: 1 });
		let shared = current(BlockKind::Shared);
		let id = <ExpertDag as QualityGate<AccountId>>::propose(
			&7,
			0,
			EXPERT,
			payload(200),
			&[router, shared, parent],
		)
		.unwrap();
		assert_eq!(
			last_event(),
			Event::CandidateProposed { id, model: 0, kind: EXPERT, author: 7 }
		);
		let record = Blocks::<Test>::get(id).unwrap();
		assert_eq!(record.status, BlockStatus::Pending);
		assert_eq!(record.score, None);
		assert_eq!(record.header.author, Some(7));
		assert_eq!(record.header.parent, Some(parent));
		let meta = Models::<Test>::get(0).unwrap().meta;
		assert_eq!(record.header.depends_on.to_vec(), vec![meta, parent, router, shared]);
		assert_eq!(Current::<Test>::get(0, EXPERT), Some(parent), "pending is not current");
		assert_eq!(ExpertDag::blocks_by_status(BlockStatus::Pending, None, 10), vec![id]);
	});
}

#[test]
fn propose_refuses_bad_candidates() {
	ExtBuilder::default().build_and_execute(|| {
		let gate = |model, kind, payload, with: &[H256]| {
			<ExpertDag as QualityGate<AccountId>>::propose(&7, model, kind, payload, with)
		};
		assert_noop!(gate(1, EXPERT, payload(1), &[]), Error::<Test>::UnknownModel);
		assert_noop!(
			gate(0, BlockKind::Expert { layer: 2, expert: 0 }, payload(1), &[]),
			Error::<Test>::NotAParamSlot
		);
		assert_noop!(gate(0, BlockKind::Migration, payload(1), &[]), Error::<Test>::NotAParamSlot);
		assert_noop!(
			gate(0, EXPERT, payload(1), &[H256::repeat_byte(0xee)]),
			Error::<Test>::MissingDependency
		);
		let others: Vec<H256> =
			ExpertDag::current_blocks(0).into_iter().map(|(_, id, _)| id).collect();
		assert_noop!(gate(0, EXPERT, payload(1), &others), Error::<Test>::TooManyDependencies);
		let mut large = payload(1);
		large.size = MAX_PAYLOAD + 1;
		assert_noop!(gate(0, EXPERT, large, &[]), Error::<Test>::PayloadTooLarge);
		let mut no_cid = payload(1);
		no_cid.cid = Default::default();
		assert_noop!(gate(0, EXPERT, no_cid, &[]), Error::<Test>::InvalidCid);
		// The same candidate twice in one block is one block.
		propose(7, 1);
		assert_noop!(gate(0, EXPERT, payload(1), &[]), Error::<Test>::DuplicateBlock);
	});
}

#[test]
fn accept_makes_the_candidate_current_and_supersedes_the_old_block() {
	ExtBuilder::default().build_and_execute(|| {
		let old = current(EXPERT);
		let id = propose(7, 1);
		assert_ok!(<ExpertDag as QualityGate<AccountId>>::accept(id, 1_500_000));
		assert_eq!(
			last_event(),
			Event::CandidateAccepted {
				id,
				model: 0,
				kind: EXPERT,
				score: 1_500_000,
				superseded: Some(old)
			}
		);
		assert_eq!(current(EXPERT), id);
		assert_eq!(status(id), BlockStatus::Accepted);
		assert_eq!(status(old), BlockStatus::Superseded);
		assert_eq!(
			<ExpertDag as QualityGate<AccountId>>::current(0, EXPERT),
			Some((id, Some(1_500_000)))
		);
		assert_eq!(
			<ExpertDag as QualityGate<AccountId>>::status(old),
			Some(BlockStatus::Superseded)
		);

		// A second generation; the lineage walks back through both.
		System::set_block_number(2);
		let next = propose(8, 2);
		assert_ok!(<ExpertDag as QualityGate<AccountId>>::accept(next, 1_400_000));
		assert_eq!(ExpertDag::lineage(next, 10), vec![next, id, old]);
		assert_eq!(ExpertDag::lineage(next, 2), vec![next, id]);
		assert_eq!(ExpertDag::blocks_by_status(BlockStatus::Superseded, None, 10).len(), 2);

		assert_noop!(
			<ExpertDag as QualityGate<AccountId>>::accept(next, 1),
			Error::<Test>::NotPending
		);
		assert_noop!(
			<ExpertDag as QualityGate<AccountId>>::accept(H256::zero(), 1),
			Error::<Test>::UnknownBlock
		);
	});
}

#[test]
fn a_candidate_trained_from_a_replaced_block_is_stale() {
	ExtBuilder::default().build_and_execute(|| {
		let first = propose(7, 1);
		let second = propose(8, 2);
		assert_ok!(<ExpertDag as QualityGate<AccountId>>::accept(first, 1_500_000));
		assert_noop!(
			<ExpertDag as QualityGate<AccountId>>::accept(second, 1_000_000),
			Error::<Test>::StaleCandidate
		);
		assert_ok!(<ExpertDag as QualityGate<AccountId>>::reject(second));
		assert_eq!(status(second), BlockStatus::Rejected);
	});
}

#[test]
fn rejected_candidates_are_pruned_after_the_retention_and_nothing_depends_on_them() {
	use frame_support::{traits::Hooks, weights::Weight};
	ExtBuilder::default().build_and_execute(|| {
		System::set_block_number(1);
		let (first, second) = (propose(7, 1), propose(8, 2));
		assert_ok!(<ExpertDag as QualityGate<AccountId>>::reject(first));
		System::set_block_number(5);
		assert_ok!(<ExpertDag as QualityGate<AccountId>>::reject(second));
		// A rejected block (or any block not current in the model) cannot be trained with.
		assert_noop!(
			<ExpertDag as QualityGate<AccountId>>::propose(&9, 0, EXPERT, payload(3), &[first]),
			Error::<Test>::NotCurrent
		);

		ExpertDag::on_idle(RETENTION, Weight::MAX);
		assert!(Blocks::<Test>::get(first).is_some(), "kept for RETENTION blocks");
		ExpertDag::on_idle(1 + RETENTION, Weight::MAX);
		assert!(Blocks::<Test>::get(first).is_none());
		assert_eq!(last_event(), Event::RejectedPruned { id: first });
		assert!(Blocks::<Test>::get(second).is_some(), "rejected later, pruned later");
		// No weight, no work; then the rest.
		assert_eq!(ExpertDag::on_idle(10 * RETENTION, Weight::zero()), Weight::zero());
		assert!(Blocks::<Test>::get(second).is_some());
		ExpertDag::on_idle(10 * RETENTION, Weight::MAX);
		assert!(Blocks::<Test>::get(second).is_none());
		assert_eq!(crate::PruneCursor::<Test>::get(), (2, 2));
		assert_eq!(crate::PruneQueue::<Test>::iter().count(), 0);
	});
}

#[test]
fn reject_marks_the_candidate_and_changes_nothing_else() {
	ExtBuilder::default().build_and_execute(|| {
		let old = current(EXPERT);
		let id = propose(7, 1);
		assert_ok!(<ExpertDag as QualityGate<AccountId>>::reject(id));
		assert_eq!(last_event(), Event::CandidateRejected { id, model: 0, kind: EXPERT });
		assert_eq!(status(id), BlockStatus::Rejected);
		assert_eq!(current(EXPERT), old);
		assert_eq!(status(old), BlockStatus::Accepted);
		assert_noop!(<ExpertDag as QualityGate<AccountId>>::reject(id), Error::<Test>::NotPending);
		assert_noop!(
			<ExpertDag as QualityGate<AccountId>>::accept(id, 1),
			Error::<Test>::NotPending
		);
	});
}

#[test]
fn blocks_by_status_pages_in_id_order() {
	ExtBuilder::default().build_and_execute(|| {
		let mut ids: Vec<H256> = (1..=5).map(|seed| propose(7, seed)).collect();
		ids.sort();
		assert_eq!(ExpertDag::blocks_by_status(BlockStatus::Pending, None, 10), ids);
		let first = ExpertDag::blocks_by_status(BlockStatus::Pending, None, 2);
		assert_eq!(first, ids[..2]);
		let rest = ExpertDag::blocks_by_status(BlockStatus::Pending, Some(first[1]), 10);
		assert_eq!(rest, ids[2..]);
		assert!(ExpertDag::blocks_by_status(BlockStatus::Rejected, None, 10).is_empty());
	});
}

#[test]
fn try_state_catches_a_broken_index() {
	ExtBuilder::default().build().execute_with(|| {
		assert_ok!(ExpertDag::do_try_state());
		let pending = propose(7, 1);
		Current::<Test>::insert(0, EXPERT, pending);
		assert!(ExpertDag::do_try_state().is_err(), "a pending block cannot be current");
		Current::<Test>::insert(0, BlockKind::Shared, current(BlockKind::Router { layer: 0 }));
		assert!(ExpertDag::do_try_state().is_err());
	});
	ExtBuilder::default().build().execute_with(|| {
		let id = current(EXPERT);
		Blocks::<Test>::mutate(id, |r| {
			r.as_mut().unwrap().header.depends_on = vec![H256::repeat_byte(1)].try_into().unwrap()
		});
		assert!(Pallet::<Test>::do_try_state().is_err(), "a dangling dependency");
	});
}

#[test]
fn evolution_promotes_a_grown_version_with_its_blocks_and_migration_or_nothing() {
	use aiblock_primitives::evolution::{Growth, ModelRegistry};
	ExtBuilder::default().build_and_execute(|| {
		let transformer = transformer_spec();
		assert_ok!(import(transformer.clone(), blocks_of(&transformer, 100)));
		assert_eq!(ExpertDag::newest(), Some((1, transformer.clone(), Some(2_000_000))));
		let grown = Growth::WidenFf { d_ff: 96, noise_ppm: 0 }.grown_spec(&transformer).unwrap();
		assert_ok!(ExpertDag::check_successor(&grown));
		// A spec beyond the limits or not a successor is refused with the registry's error.
		let too_deep = Growth::AddLayers { layers: 9 }.grown_spec(&transformer).unwrap();
		assert_noop!(ExpertDag::check_successor(&too_deep), Error::<Test>::SpecOutOfLimits);
		assert_noop!(ExpertDag::check_successor(&transformer), Error::<Test>::NotASuccessor);

		let blocks: Vec<_> =
			blocks_of(&grown, 150).into_iter().map(|b| (b.kind, b.payload)).collect();
		// An incomplete set changes nothing, not even the migration block.
		assert_noop!(
			ExpertDag::promote(grown.clone(), &blocks[1..], 1_700_000, payload(7)),
			Error::<Test>::IncompleteModel
		);
		assert_eq!(ExpertDag::promote(grown.clone(), &blocks, 1_700_000, payload(7)), Ok(2));
		assert_eq!(ExpertDag::newest(), Some((2, grown.clone(), Some(1_700_000))));
		assert_eq!(ExpertDag::current_blocks(2).len(), blocks.len());
		// The widened experts descend from the parent's blocks of the same slot.
		let expert = Current::<Test>::get(2, BlockKind::Expert { layer: 0, expert: 1 }).unwrap();
		let parent = Current::<Test>::get(1, BlockKind::Expert { layer: 0, expert: 1 });
		assert_eq!(Blocks::<Test>::get(expert).unwrap().header.parent, parent);
		assert!(matches!(last_event(), Event::MigrationRecorded { from: 1, to: 2, .. }));
	});
}

#[test]
fn served_blocks_are_the_adopted_ones_with_their_authors() {
	use aiblock_primitives::inference::ServedBlocks;
	ExtBuilder::default().build_and_execute(|| {
		let genesis = current(EXPERT);
		let id = propose(7, 1);
		assert_eq!(<ExpertDag as ServedBlocks<AccountId>>::served_block(id), None, "pending");
		assert_eq!(<ExpertDag as ServedBlocks<AccountId>>::served_block(genesis), Some((0, None)));
		assert_ok!(<ExpertDag as QualityGate<AccountId>>::accept(id, 1_500_000));
		assert_eq!(<ExpertDag as ServedBlocks<AccountId>>::served_block(id), Some((0, Some(7))));
		assert_eq!(
			<ExpertDag as ServedBlocks<AccountId>>::served_block(genesis),
			Some((0, None)),
			"a superseded block answered once and is still named by old answers"
		);
		let rejected = propose(8, 2);
		assert_ok!(<ExpertDag as QualityGate<AccountId>>::reject(rejected));
		assert_eq!(<ExpertDag as ServedBlocks<AccountId>>::served_block(rejected), None);
		assert_eq!(<ExpertDag as ServedBlocks<AccountId>>::served_block(H256::zero()), None);
		assert!(<ExpertDag as ServedBlocks<AccountId>>::model_exists(0));
		assert!(!<ExpertDag as ServedBlocks<AccountId>>::model_exists(1));
	});
}
