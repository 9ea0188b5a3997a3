//! The registry as the Inference pallet uses it: which blocks can have answered a request, and
//! who authored them (the usage rewards). Only other pallets reach it, through
//! [`ServedBlocks`]; no extrinsic does.

use super::*;
use aiblock_primitives::inference::ServedBlocks;

impl<T: Config> ServedBlocks<T::AccountId> for Pallet<T> {
	fn model_exists(model: ModelIndex) -> bool {
		Models::<T>::contains_key(model)
	}

	fn served_block(id: H256) -> Option<(ModelIndex, Option<T::AccountId>)> {
		let record = Blocks::<T>::get(id)?;
		// Pending and rejected weights never answered a request of the chain's model.
		matches!(record.status, BlockStatus::Accepted | BlockStatus::Superseded)
			.then(|| (record.header.model, record.header.author))
	}
}
