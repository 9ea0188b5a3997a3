//! The tokens through each block of a served model: what a server reports with a claim, so
//! that the chain shares the usage reward among the blocks' authors.
//!
//! Every row the model reads (prompt and answer) passes through the shared block and each
//! layer's attention and router; an expert counts the rows routed to it
//! (`Decoder::routed`). Auditors recount them by replaying the sampled requests.

use aiblock_compute::model::BlockId;
use std::collections::BTreeMap;

/// Tokens through each block, by block id (ascending: the order a claim lists them in).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Usage(pub BTreeMap<[u8; 32], u64>);

impl Usage {
	/// One answer's usage: `rows` read by the model, `routed` the rows each expert took
	/// (`layer × experts + expert`), over the model's `blocks`.
	pub fn of_answer(
		blocks: &[(BlockId, [u8; 32])],
		experts: usize,
		rows: u64,
		routed: &[u64],
	) -> Usage {
		let tokens = |block: &BlockId| match *block {
			BlockId::Shared | BlockId::Attention { .. } | BlockId::Router { .. } => rows,
			BlockId::Expert { layer, expert } => {
				routed.get(layer as usize * experts + expert as usize).copied().unwrap_or(0)
			},
		};
		Usage(blocks.iter().map(|(block, id)| (*id, tokens(block))).collect())
	}

	/// One answer's usage from its routings alone: every row of the first layer took `top_k`
	/// experts, so the rows read are its routings over `top_k`.
	pub fn of_routing(
		blocks: &[(BlockId, [u8; 32])],
		experts: usize,
		top_k: usize,
		routed: &[u64],
	) -> Usage {
		let rows = routed[..experts.min(routed.len())].iter().sum::<u64>() / top_k.max(1) as u64;
		Usage::of_answer(blocks, experts, rows, routed)
	}

	/// A claim's usage: every answer's tokens through the blocks of the newest answer's
	/// weights (older answers, of weights since replaced, count where their blocks are among
	/// these, so that the claim names one set of weights).
	pub fn claimed<'a>(answers: impl IntoIterator<Item = &'a Usage>, newest: &Usage) -> Usage {
		let mut usage = Usage(newest.0.keys().map(|id| (*id, 0)).collect());
		for answer in answers {
			for (id, tokens) in &answer.0 {
				if let Some(total) = usage.0.get_mut(id) {
					*total = total.saturating_add(*tokens);
				}
			}
		}
		usage
	}

	/// Add another answer's usage.
	pub fn add(&mut self, other: &Usage) {
		for (id, tokens) in &other.0 {
			let entry = self.0.entry(*id).or_default();
			*entry = entry.saturating_add(*tokens);
		}
	}

	/// The claim's list: every block, ascending, with its tokens.
	pub fn listed(&self) -> Vec<([u8; 32], u64)> {
		self.0.iter().map(|(id, tokens)| (*id, *tokens)).collect()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_row_passes_the_shared_attention_and_router_blocks_and_experts_count_routings() {
		let blocks = [
			(BlockId::Expert { layer: 0, expert: 1 }, [4; 32]),
			(BlockId::Shared, [1; 32]),
			(BlockId::Attention { layer: 0 }, [2; 32]),
			(BlockId::Router { layer: 0 }, [3; 32]),
			(BlockId::Expert { layer: 0, expert: 0 }, [5; 32]),
		];
		// 10 rows, top-2 of 2 experts: 12 routings to expert 0, 8 to expert 1.
		let one = Usage::of_answer(&blocks, 2, 10, &[12, 8]);
		assert_eq!(
			one.listed(),
			vec![([1; 32], 10), ([2; 32], 10), ([3; 32], 10), ([4; 32], 8), ([5; 32], 12)]
		);
		let mut total = one.clone();
		total.add(&Usage::of_answer(&blocks, 2, 1, &[1, 1]));
		assert_eq!(total.0[&[4; 32]], 9);
		assert_eq!(total.0[&[1; 32]], 11);
		assert_eq!(Usage::of_routing(&blocks, 2, 2, &[12, 8]), one);
		// A claim counts older answers where their blocks are the newest answer's.
		let older = Usage([([1; 32], 3), ([9; 32], 7)].into_iter().collect());
		let claimed = Usage::claimed([&older, &one], &one);
		assert_eq!(claimed.0[&[1; 32]], 13);
		assert!(!claimed.0.contains_key(&[9; 32]));
	}
}
