use super::*;
use aiblock_compute::transformer::genesis;

#[test]
fn holdings_parse_and_name_their_experts() {
	let all: Holding = "all".parse().unwrap();
	assert!(all.holds(5, 7));
	let some: Holding = "0,2-3,1:1".parse().unwrap();
	let held: Vec<(usize, usize)> = (0..2)
		.flat_map(|l| (0..4).map(move |e| (l, e)))
		.filter(|&(l, e)| some.holds(l, e))
		.collect();
	assert_eq!(held, vec![(0, 0), (0, 2), (0, 3), (1, 0), (1, 1), (1, 2), (1, 3)]);
	assert!(some.loads(BlockId::Shared) && some.loads(BlockId::Router { layer: 1 }));
	assert!(!some.loads(BlockId::Expert { layer: 0, expert: 1 }));
	for bad in ["", "x", "3-1", "1:", ":2", "0,,1"] {
		assert!(bad.parse::<Holding>().is_err(), "{bad:?}");
	}
	let spec = TransformerSpec { layers: 2, experts: 4, ..TransformerSpec::TINY };
	assert!(some.check(&spec).is_ok());
	assert!("4".parse::<Holding>().unwrap().check(&spec).is_err());
	assert!("2:0".parse::<Holding>().unwrap().check(&spec).is_err());
}

fn placement(cache_after: u32, cache_experts: usize) -> Arc<Placement> {
	Arc::new(Placement {
		holding: "0".parse().unwrap(),
		peers: Arc::new(Peers::new()),
		cache_after,
		cache_experts,
		check_peers: 1,
		own: "http://me".into(),
		counters: Arc::default(),
	})
}

/// With no peer up, every expert the server does not hold is loaded here and answered; each
/// load is counted and kept within the cache's room.
#[test]
fn with_no_peer_left_the_server_loads_the_experts_itself() {
	let spec = TransformerSpec { experts: 4, top_k: 2, ..TransformerSpec::TINY };
	let full = Arc::new(genesis(spec, 3).unwrap());
	let blocks: Vec<(BlockId, [u8; 32])> =
		spec.blocks().into_iter().enumerate().map(|(i, b)| (b, [i as u8; 32])).collect();
	let mut part = (*full).clone();
	part.tensors.retain(|name, _| !name.contains(".expert") || name.contains(".expert0."));
	let source = full.clone();
	let loads = Arc::new(AtomicU64::new(0));
	let counted = loads.clone();
	let loader: Loader = Arc::new(move |block| {
		counted.fetch_add(1, Ordering::Relaxed);
		let mut one = TransformerWeights { spec: source.spec, tensors: Default::default() };
		one.set_block(block, source.block(block))
			.map_err(|e| WorkerError::Compute(e.to_string()))?;
		Ok(one)
	});
	let placement = placement(0, 2);
	// A peer that is down: it is not called.
	placement.peers.add("http://127.0.0.1:9");
	placement.peers.refresh();
	let runner = ParallelExperts::new(spec, &blocks, placement.clone(), loader);
	let cpu = aiblock_compute::backend::Cpu::auto();
	let text: Vec<u32> = b"Thou art more lovely".iter().map(|&b| b.into()).collect();
	let mut alone = aiblock_compute::transformer::decode::Decoder::new(&cpu, &full).unwrap();
	let expected = alone.read(&[(0, &text[..])]).unwrap();
	let mut decoder = aiblock_compute::transformer::decode::Decoder::new(&cpu, &part)
		.unwrap()
		.with_runner(&runner);
	assert_eq!(decoder.read(&[(0, &text[..])]).unwrap(), expected);
	assert!(decoder.computed(0).unwrap().keys().all(|&(_, by)| by == HERE));
	let loaded = placement.counters.loaded_on_failure.load(Ordering::Relaxed);
	assert_eq!(loaded, loads.load(Ordering::Relaxed));
	assert!(loaded >= 2, "experts 1-3 of some layer were loaded: {loaded}");
	assert!(lock(&runner.cache).loaded.len() <= 2, "the cache keeps its room");
	let trail = runner.trail(decoder.computed(0).unwrap());
	assert!(trail.as_array().unwrap().iter().all(|e| e["server"] == "http://me"));
}

/// Hot experts are the most used: one beyond the room is loaded only once it is used more than
/// the coldest loaded one, which it then replaces.
#[test]
fn the_cache_keeps_the_most_used_experts() {
	let spec = TransformerSpec::TINY;
	let weights = Arc::new(TransformerWeights { spec, tensors: Default::default() });
	let mut cache = Cache::default();
	let (after, room) = (3, 2);
	for (slot, uses) in [(1, 5), (2, 4), (3, 3)] {
		cache.uses.insert(slot, uses);
	}
	assert!(!cache.worth_loading(4, after, room), "never used");
	assert!(cache.worth_loading(3, after, room), "used enough, and there is room");
	cache.insert(1, weights.clone(), room);
	cache.insert(2, weights.clone(), room);
	assert!(!cache.worth_loading(3, after, room), "3 uses, the coldest loaded has 4");
	cache.uses.insert(3, 5);
	assert!(cache.worth_loading(3, after, room));
	cache.insert(3, weights.clone(), room);
	let mut kept: Vec<usize> = cache.loaded.keys().copied().collect();
	kept.sort();
	assert_eq!(kept, vec![1, 3], "the coldest (2) made room");
	assert!(!cache.worth_loading(3, after, room), "already loaded");
	cache.loading.insert(9);
	cache.uses.insert(9, 50);
	assert!(!cache.worth_loading(9, after, room), "already loading");
	assert!(!cache.worth_loading(1, 0, room) && !cache.worth_loading(1, after, 0), "caching off");
}
