//! A real IPFS daemon for integration tests: `offchain-workers/tools/ipfs-daemon.sh` (js-ipfs
//! with the kubo RPC API) on a free loopback port, stopped when the guard drops.
//!
//! The daemon's folder (`$AIBLOCK_IPFS_HOME`, default `~/.cache/aiblock-ipfs-daemon`) keeps the
//! npm install between runs: the first start takes about three minutes, later ones seconds.

use std::{path::PathBuf, process::Command};

pub struct Daemon {
	api: String,
	/// The folder to stop, when this process started the daemon.
	started: Option<PathBuf>,
}

/// This package's folder, as cargo names it when it runs the test: a test binary reused from
/// a build of another checkout (cargo does not rebuild when only the checkout moved) must
/// still read this checkout's files.
fn manifest_dir() -> PathBuf {
	std::env::var_os("CARGO_MANIFEST_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

fn script() -> PathBuf {
	manifest_dir().join("../tools/ipfs-daemon.sh")
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
	let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
	listener.local_addr().unwrap().port()
}

impl Daemon {
	/// The daemon at `$AIBLOCK_IPFS_API`, or a fresh one.
	pub fn start_or_use() -> Daemon {
		if let Ok(api) = std::env::var("AIBLOCK_IPFS_API") {
			return Daemon { api, started: None };
		}
		let home = std::env::var_os("AIBLOCK_IPFS_HOME").map(PathBuf::from).unwrap_or_else(|| {
			PathBuf::from(std::env::var_os("HOME").expect("HOME"))
				.join(".cache/aiblock-ipfs-daemon")
		});
		// The script stops a daemon left over from an interrupted run before it starts one.
		let port = free_port();
		eprintln!(
			"starting an IPFS daemon in {} (first run installs js-ipfs from npm)",
			home.display()
		);
		let out = Command::new("bash")
			.arg(script())
			.arg("start")
			.arg(&home)
			.arg(port.to_string())
			.output()
			.expect("bash runs ipfs-daemon.sh");
		assert!(
			out.status.success(),
			"the IPFS daemon did not start (needs node >= 18 and npm):\n{}{}",
			String::from_utf8_lossy(&out.stdout),
			String::from_utf8_lossy(&out.stderr)
		);
		Daemon { api: format!("http://127.0.0.1:{port}"), started: Some(home) }
	}

	pub fn api(&self) -> &str {
		&self.api
	}
}

/// Stop the daemon of `home`; the script waits for it to exit and clears its lock.
fn stop(home: &std::path::Path) {
	let _ = Command::new("bash").arg(script()).arg("stop").arg(home).status();
}

impl Drop for Daemon {
	fn drop(&mut self) {
		if let Some(home) = &self.started {
			stop(home);
		}
	}
}
