//! The pallets `aiblock-node benchmark pallet` can measure. `pallet_whitelist` is left out: its
//! benchmarks need a preimage store, which this runtime does not have (calls come with their
//! motion); its calls use the FRAME reference weights.

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[frame_system_extensions, SystemExtensionsBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_collective, Council]
	[pallet_utility, Utility]
	[pallet_aiblock_stake, Stake]
	[pallet_aiblock_workers, Workers]
	[pallet_aiblock_expert_dag, ExpertDag]
	[pallet_aiblock_jobs, Jobs]
	[pallet_aiblock_datasets, Datasets]
	[pallet_aiblock_pol_credits, PolCredits]
	[pallet_aiblock_learning_rewards, LearningRewards]
	[pallet_aiblock_evolution, Evolution]
	[pallet_aiblock_inference, Inference]
	[pallet_aiblock_validator_set, ValidatorSet]
);
