//! The quality gate: how a trained block becomes current. Only other pallets (Jobs) reach it,
//! through [`QualityGate`]; no extrinsic does.

use super::*;
use aiblock_primitives::dag::QualityGate;

impl<T: Config> Pallet<T> {
	fn pending(id: H256) -> Result<RecordOf<T>, DispatchError> {
		let record = Blocks::<T>::get(id).ok_or(Error::<T>::UnknownBlock)?;
		ensure!(record.status == BlockStatus::Pending, Error::<T>::NotPending);
		Ok(record)
	}
}

impl<T: Config> QualityGate<T::AccountId> for Pallet<T> {
	fn propose(
		author: &T::AccountId,
		model: ModelIndex,
		kind: BlockKind,
		payload: Payload,
		trained_with: &[H256],
	) -> Result<H256, DispatchError> {
		let info = Self::model_info(model)?;
		ensure!(info.spec.has_param(&kind), Error::<T>::NotAParamSlot);
		Self::check_payload(&payload)?;
		for id in trained_with {
			let record = Blocks::<T>::get(id).ok_or(Error::<T>::MissingDependency)?;
			let (of, slot) = (record.header.model, record.header.kind);
			ensure!(
				of == model && Current::<T>::get(of, slot) == Some(*id),
				Error::<T>::NotCurrent
			);
		}
		let parent = Current::<T>::get(model, kind);
		let id = Self::insert_block(
			kind,
			model,
			Self::param_dependencies(info.meta, parent, trained_with)?,
			payload,
			Some(author.clone()),
			parent,
			BlockStatus::Pending,
			None,
		)?;
		Self::deposit_event(Event::CandidateProposed { id, model, kind, author: author.clone() });
		Ok(id)
	}

	fn accept(candidate: H256, score: Score) -> DispatchResult {
		let mut record = Self::pending(candidate)?;
		let (model, kind) = (record.header.model, record.header.kind);
		let superseded = Current::<T>::get(model, kind);
		ensure!(superseded == record.header.parent, Error::<T>::StaleCandidate);
		if let Some(old) = superseded {
			Blocks::<T>::mutate(old, |r| {
				if let Some(r) = r {
					r.status = BlockStatus::Superseded;
				}
			});
		}
		record.status = BlockStatus::Accepted;
		record.score = Some(score);
		Blocks::<T>::insert(candidate, record);
		Current::<T>::insert(model, kind, candidate);
		States::<T>::mutate(model, |state| {
			state.revision = state.revision.saturating_add(1);
			state.score = Some(score);
		});
		Self::deposit_event(Event::CandidateAccepted {
			id: candidate,
			model,
			kind,
			score,
			superseded,
		});
		Ok(())
	}

	fn reject(candidate: H256) -> DispatchResult {
		let mut record = Self::pending(candidate)?;
		record.status = BlockStatus::Rejected;
		let (model, kind) = (record.header.model, record.header.kind);
		Blocks::<T>::insert(candidate, record);
		let now = frame_system::Pallet::<T>::block_number();
		let from = sp_runtime::Saturating::saturating_add(now, T::RejectedRetention::get());
		PruneCursor::<T>::mutate(|(_, tail)| {
			PruneQueue::<T>::insert(*tail, (candidate, from));
			*tail = tail.saturating_add(1);
		});
		Self::deposit_event(Event::CandidateRejected { id: candidate, model, kind });
		Ok(())
	}

	fn state(model: ModelIndex) -> Option<ModelState> {
		Models::<T>::contains_key(model).then(|| States::<T>::get(model))
	}

	fn current(model: ModelIndex, kind: BlockKind) -> Option<(H256, Option<Score>)> {
		let id = Current::<T>::get(model, kind)?;
		Some((id, Blocks::<T>::get(id)?.score))
	}

	fn delta(model: ModelIndex) -> Option<Score> {
		Models::<T>::get(model).map(|info| info.spec.delta)
	}

	fn spec(model: ModelIndex) -> Option<ModelSpec> {
		Models::<T>::get(model).map(|info| info.spec)
	}

	fn status(id: H256) -> Option<BlockStatus> {
		Blocks::<T>::get(id).map(|r| r.status)
	}

	fn payload_size(id: H256) -> Option<u64> {
		Blocks::<T>::get(id).map(|r| r.header.payload.size)
	}
}
