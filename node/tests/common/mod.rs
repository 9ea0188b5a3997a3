//! Helpers for tests that run the real `aiblock-node` binary.

#![allow(dead_code)]

use std::{
	io::{Read, Write},
	net::{TcpListener, TcpStream},
	path::PathBuf,
	process::{Child, Command, Stdio},
	time::Duration,
};

/// The node binary cargo built for these tests.
pub fn node_binary() -> PathBuf {
	PathBuf::from(env!("CARGO_BIN_EXE_aiblock-node"))
}

/// This package's folder, as cargo names it when it runs the test: a test binary reused from
/// a build of another checkout (cargo does not rebuild when only the checkout moved) must
/// still read this checkout's files.
pub fn manifest_dir() -> PathBuf {
	std::env::var_os("CARGO_MANIFEST_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The repository root.
pub fn repo_root() -> PathBuf {
	manifest_dir().join("..")
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|l| l.local_addr())
		.map(|a| a.port())
		.expect("the OS hands out an ephemeral port")
}

/// A running node, killed when dropped so that a failing test leaves nothing behind.
pub struct RunningNode {
	child: Child,
	pub rpc_port: u16,
	pub prometheus_port: u16,
}

impl RunningNode {
	/// Starts `aiblock-node` with `args` plus fresh RPC, Prometheus and p2p ports.
	pub fn start(args: &[&str]) -> Self {
		let rpc_port = free_port();
		let prometheus_port = free_port();
		let p2p_port = free_port();
		let child = Command::new(node_binary())
			.args(args)
			.args(["--rpc-port", &rpc_port.to_string()])
			.args(["--prometheus-port", &prometheus_port.to_string()])
			.args(["--port", &p2p_port.to_string()])
			.args(["--no-mdns", "--no-telemetry"])
			.stdout(Stdio::null())
			.stderr(Stdio::null())
			.spawn()
			.expect("aiblock-node starts");
		Self { child, rpc_port, prometheus_port }
	}

	/// Whether the process is still alive.
	pub fn is_running(&mut self) -> bool {
		matches!(self.child.try_wait(), Ok(None))
	}

	/// A JSON-RPC call over HTTP; `Err` while the server is not up yet.
	pub fn rpc(
		&self,
		method: &str,
		params: serde_json::Value,
	) -> Result<serde_json::Value, String> {
		let body =
			serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
				.to_string();
		let request = format!(
			"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
			 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
			body.len()
		);
		let response = http_exchange(self.rpc_port, &request)?;
		let value: serde_json::Value = serde_json::from_str(&response)
			.map_err(|e| format!("{method}: bad JSON {e}: {response}"))?;
		match value.get("result") {
			Some(result) => Ok(result.clone()),
			None => Err(format!("{method}: {value}")),
		}
	}

	/// The Prometheus exposition text.
	pub fn metrics(&self) -> Result<String, String> {
		http_exchange(
			self.prometheus_port,
			"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
		)
	}
}

impl Drop for RunningNode {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

/// Sends one HTTP/1.1 request and returns the response body (plain or chunked).
fn http_exchange(port: u16, request: &str) -> Result<String, String> {
	let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
	stream.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
	stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
	let mut raw = Vec::new();
	stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
	let raw = String::from_utf8_lossy(&raw).into_owned();
	let (head, body) = raw.split_once("\r\n\r\n").ok_or("no HTTP header in the response")?;
	if !head.starts_with("HTTP/1.1 200") {
		return Err(format!("HTTP error: {}", head.lines().next().unwrap_or_default()));
	}
	if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
		Ok(dechunk(body))
	} else {
		Ok(body.to_owned())
	}
}

fn dechunk(mut body: &str) -> String {
	let mut out = String::new();
	while let Some((size, rest)) = body.split_once("\r\n") {
		let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
			break;
		};
		if size == 0 || rest.len() < size {
			break;
		}
		out.push_str(&rest[..size]);
		body = rest[size..].trim_start_matches("\r\n");
	}
	out
}

/// A block number from a header's hex `number` field.
pub fn header_number(header: &serde_json::Value) -> u64 {
	let hex = header["number"].as_str().expect("a header has a number");
	u64::from_str_radix(hex.trim_start_matches("0x"), 16).expect("the number is hex")
}

/// Bytes of a `0x…` hex string (RPC answers).
pub fn hex_bytes(hex: &str) -> Vec<u8> {
	let hex = hex.trim_start_matches("0x");
	(0..hex.len())
		.step_by(2)
		.map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits"))
		.collect()
}
