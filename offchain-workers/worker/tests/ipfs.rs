//! The IPFS store against a REAL daemon (js-ipfs with the kubo RPC API, started by
//! `offchain-workers/tools/ipfs-daemon.sh`; it installs itself from npm on first use).
//!
//! One daemon for all checks, so this file has its own `main`. With `AIBLOCK_IPFS_API` set,
//! that daemon is used instead and nothing is started.

use aiblock_compute::store::{cid_of, Cid, ContentStore, LocalStore, StoreError};
use aiblock_worker::ipfs::IpfsStore;
use std::{path::PathBuf, time::Duration};

#[path = "support/daemon.rs"]
mod daemon;

/// Deterministic bytes that do not compress or repeat at chunk boundaries.
fn content(size: usize, seed: u64) -> Vec<u8> {
	let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
	(0..size)
		.map(|_| {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			(x >> 24) as u8
		})
		.collect()
}

fn main() {
	let daemon = daemon::Daemon::start_or_use();
	let ipfs = IpfsStore::new(daemon.api()).expect("URL");
	let version = ipfs.version().expect("the daemon answers `version`");
	println!("IPFS daemon {} at {}", version, daemon.api());

	// The daemon says how much more it can hold (js-ipfs and kubo both answer repo/stat).
	let room = ipfs.room().expect("repo/stat answers").expect("StorageMax and RepoSize");
	assert!(room > 0, "an empty test daemon has room");
	println!("ok: the daemon has room for {room} more bytes");

	let local_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ipfs-local");
	let local = LocalStore::open(&local_dir).unwrap();

	// Sizes around the chunk and node-fan-out boundaries: empty, one byte, exactly one chunk,
	// one byte more (a two-leaf DAG), several chunks, and more than 174 chunks (two levels).
	let sizes = [0usize, 1, 262_144, 262_145, 3 * 262_144 + 17, 175 * 262_144 + 5];
	for (i, &size) in sizes.iter().enumerate() {
		let bytes = content(size, i as u64 + 1);
		let embedded = local.put(&bytes).unwrap();
		assert_eq!(embedded, cid_of(&bytes));
		let remote = ipfs.put(&bytes).unwrap_or_else(|e| panic!("add of {size} bytes: {e}"));
		assert_eq!(remote, embedded, "the daemon and the embedded store agree on {size} bytes");
		assert!(ipfs.has(&remote).unwrap(), "the daemon has what it added ({size} bytes)");
		ipfs.pin(&remote).unwrap();
		let back = ipfs.get(&remote, size as u64).unwrap();
		assert!(back == bytes, "cat returns the added bytes ({size} bytes)");
		if size > 0 {
			match ipfs.get(&remote, size as u64 - 1) {
				Err(StoreError::TooLarge { limit, .. }) => assert_eq!(limit, size as u64 - 1),
				other => panic!("{size} bytes read with a limit one short: {other:?}"),
			}
		}
		println!("ok: {size:>9} bytes -> {remote}");
	}

	// Streaming add: a reader that is not a slice gives the same CID.
	let bytes = content(1_000_000, 99);
	let streamed = ipfs.add_reader(&mut std::io::Cursor::new(bytes.clone())).unwrap();
	assert_eq!(streamed, cid_of(&bytes));

	// A small DAG of one repeated chunk stands for far more bytes than it takes to publish:
	// reading it stops at the limit instead of streaming all of it into memory.
	let zeros = vec![0u8; 32 << 20];
	let bomb = ipfs.put(&zeros).unwrap();
	match ipfs.get(&bomb, 1 << 20) {
		Err(StoreError::TooLarge { cid, limit }) => assert_eq!((cid, limit), (bomb, 1 << 20)),
		other => panic!("32 MiB read with a 1 MiB limit: {other:?}"),
	}
	println!("ok: reads stop at their limit");

	// Absent content: `has` says no (promptly), `get` names the CID.
	let absent: Cid = cid_of(b"never added to any store by this test, 2026-11-23");
	assert!(!ipfs.has(&absent).unwrap(), "has() of an absent block");
	let impatient =
		IpfsStore::new(daemon.api()).unwrap().with_fetch_timeout(Duration::from_secs(2));
	match impatient.get(&absent, 1 << 20) {
		Err(StoreError::NotFound(cid)) => assert_eq!(cid, absent),
		other => panic!("expected NotFound for absent content, got {other:?}"),
	}
	println!("ok: absent content is reported absent");

	// A daemon that is not there: a clear error naming the URL, no panic.
	let gone = IpfsStore::new("http://127.0.0.1:9").unwrap();
	assert!(ipfs.healthy().is_ok() && gone.healthy().is_err());
	match gone.get(&streamed, 1 << 20) {
		Err(StoreError::Remote(why)) => assert!(why.contains("127.0.0.1:9"), "{why}"),
		other => panic!("expected a Remote error, got {other:?}"),
	}
	println!("ok: all IPFS checks passed");
}
