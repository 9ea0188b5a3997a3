//! The pallet's invariants (see the crate docs), checked by `try_state` and after every unit
//! test.

use super::*;
use alloc::collections::{BTreeMap, BTreeSet};

impl<T: Config> Pallet<T> {
	/// Check every invariant over the whole state. Unbounded: for tests and try-runtime only.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let blocks: BTreeMap<H256, RecordOf<T>> = Blocks::<T>::iter().collect();

		// 1. Dependencies exist; the graph is acyclic (Kahn: every block can be ordered after
		//    all of its dependencies).
		let mut waiting: BTreeMap<H256, usize> = BTreeMap::new();
		let mut dependents: BTreeMap<H256, Vec<H256>> = BTreeMap::new();
		for (id, record) in &blocks {
			for dep in &record.header.depends_on {
				ensure!(blocks.contains_key(dep), "a dependency is missing");
				dependents.entry(*dep).or_default().push(*id);
			}
			waiting.insert(*id, record.header.depends_on.len());
		}
		let mut ready: Vec<H256> =
			waiting.iter().filter(|(_, n)| **n == 0).map(|(id, _)| *id).collect();
		let mut ordered = 0usize;
		while let Some(id) = ready.pop() {
			ordered += 1;
			for next in dependents.get(&id).into_iter().flatten() {
				let n = waiting.get_mut(next).ok_or("a dependent is missing")?;
				*n -= 1;
				if *n == 0 {
					ready.push(*next);
				}
			}
		}
		ensure!(ordered == blocks.len(), "the dependency graph has a cycle");

		// 2. Current entries are accepted parameter blocks of their model and slot.
		let mut current = BTreeSet::new();
		for (model, kind, id) in Current::<T>::iter() {
			let record = blocks.get(&id).ok_or("a current block is missing")?;
			ensure!(record.status == BlockStatus::Accepted, "a current block is not accepted");
			ensure!(
				record.header.model == model && record.header.kind == kind && kind.is_param(),
				"a current block does not match its slot"
			);
			current.insert(id);
		}

		for (id, record) in &blocks {
			let header = &record.header;
			// 3. Accepted parameter blocks are current.
			if header.kind.is_param() && record.status == BlockStatus::Accepted {
				ensure!(current.contains(id), "an accepted block is not current");
			}
			// 5. Parents fill the same slot.
			if let Some(parent) = header.parent {
				let parent = blocks.get(&parent).ok_or("a parent is missing")?;
				ensure!(parent.header.kind == header.kind, "a parent fills another slot");
			}
		}

		// 4. The meta-chain.
		let count = ModelCount::<T>::get();
		ensure!(Models::<T>::iter().count() == count as usize, "ModelCount disagrees with Models");
		for model in 0..count {
			let info = Models::<T>::get(model).ok_or("a model index is missing")?;
			let meta = blocks.get(&info.meta).ok_or("a meta block is missing")?;
			ensure!(
				meta.header.kind == BlockKind::Meta && meta.header.model == model,
				"a model's meta block is not its own"
			);
			if let Some(previous) = model.checked_sub(1) {
				let previous = Models::<T>::get(previous).ok_or("a model index is missing")?;
				ensure!(
					meta.header.depends_on.contains(&previous.meta),
					"the meta-chain is broken"
				);
			}
		}

		// 6. Model states.
		for (model, _) in States::<T>::iter() {
			ensure!(model < count, "a state kept for an unregistered model");
		}

		// 7. The prune queue, and nothing depends on a rejected block.
		let (head, tail) = PruneCursor::<T>::get();
		for (at, _) in PruneQueue::<T>::iter() {
			ensure!(head <= at && at < tail, "a prune queue entry outside the cursor");
		}
		for record in blocks.values() {
			for dep in &record.header.depends_on {
				let rejected = blocks.get(dep).is_some_and(|d| d.status == BlockStatus::Rejected);
				ensure!(!rejected, "a block depends on a rejected block");
			}
		}
		Ok(())
	}
}
