//! Builds the wasm runtime that the node embeds and that goes on chain.
//!
//! The wasm must be byte-for-byte reproducible, because `chain-specs/*.json` embed it and a test
//! checks that they match what the node generates. Panic locations put source paths into the
//! binary, so every machine-specific prefix (the checkout, the cargo home, the target directory)
//! is remapped to a fixed name.

#[cfg(feature = "std")]
fn reproducible_path_flags() -> Vec<String> {
	use std::{env, path::PathBuf};

	let mut prefixes: Vec<(PathBuf, &str)> = Vec::new();
	if let Some(workspace) = env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) {
		if let Some(root) = workspace.parent() {
			prefixes.push((root.to_path_buf(), "/aiblock"));
		}
	}
	prefixes.push((PathBuf::from(FIXED_SOURCE_LINK), "/aiblock"));
	// OUT_DIR is <target>/<profile>/build/<crate>-<hash>/out.
	if let Some(target) = env::var_os("OUT_DIR")
		.map(PathBuf::from)
		.and_then(|out| out.ancestors().nth(4).map(|p| p.to_path_buf()))
	{
		prefixes.push((target, "/target"));
	}
	let cargo_home = env::var_os("CARGO_HOME")
		.map(PathBuf::from)
		.or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
	if let Some(cargo_home) = cargo_home {
		prefixes.push((cargo_home, "/cargo"));
	}
	let rustup_home = env::var_os("RUSTUP_HOME")
		.map(PathBuf::from)
		.or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".rustup")));
	if let Some(rustup_home) = rustup_home {
		prefixes.push((rustup_home, "/rustup"));
	}

	prefixes
		.into_iter()
		.filter_map(|(from, to)| {
			let from = from.to_str()?.to_owned();
			// RUSTFLAGS are split on whitespace: a path with a space cannot be passed.
			(!from.contains(char::is_whitespace))
				.then(|| format!("--remap-path-prefix={from}={to}"))
		})
		.collect()
}

/// The wasm is built by a nested cargo in the target directory, which may lie outside the
/// checkout (we share one across clones): point it at our workspace, so that it uses our
/// `Cargo.lock`, and at the toolchain `rust-toolchain.toml` pins, so that the bytes do not depend
/// on which toolchain is the machine's default.
#[cfg(feature = "std")]
fn pin_wasm_workspace_and_toolchain() {
	use std::{env, path::PathBuf};

	let Some(workspace) = env::var_os("CARGO_MANIFEST_DIR")
		.map(PathBuf::from)
		.and_then(|runtime| runtime.parent().map(|p| p.to_path_buf()))
	else {
		return;
	};
	if env::var_os("WASM_BUILD_WORKSPACE_HINT").is_none() {
		env::set_var("WASM_BUILD_WORKSPACE_HINT", &workspace);
	}
	let toolchain_file = workspace.join("rust-toolchain.toml");
	println!("cargo:rerun-if-changed={}", toolchain_file.display());
	if env::var_os("WASM_BUILD_TOOLCHAIN").is_none() {
		let channel = std::fs::read_to_string(&toolchain_file).ok().and_then(|text| {
			text.lines().find_map(|line| {
				let value = line.trim().strip_prefix("channel")?.trim().strip_prefix('=')?;
				Some(value.trim().trim_matches('"').to_owned())
			})
		});
		if let Some(channel) = channel {
			env::set_var("WASM_BUILD_TOOLCHAIN", channel);
		}
	}
}

/// Where the wasm build sees this checkout: a fixed symlink to it.
///
/// Cargo hashes the absolute path of a path dependency that lies outside the building
/// workspace into its crate metadata, and the nested wasm build depends on the runtime that way.
/// The hash reaches symbol names, code-generation units and so the wasm's bytes: two checkouts
/// at different paths would build different runtimes. Seen through one fixed path, they build
/// the same bytes. (Two checkouts building at the same moment would race for the link.)
#[cfg(feature = "std")]
const FIXED_SOURCE_LINK: &str = "/tmp/aiblock-wasm-src";

/// Points `FIXED_SOURCE_LINK` at `workspace` (atomically) and returns the runtime's manifest as
/// seen through it, or `None` where symlinks cannot be made.
#[cfg(all(feature = "std", unix))]
fn runtime_manifest_through_fixed_link(workspace: &std::path::Path) -> Option<std::path::PathBuf> {
	use std::path::PathBuf;

	let link = PathBuf::from(FIXED_SOURCE_LINK);
	if std::fs::read_link(&link).ok().as_deref() != Some(workspace) {
		let tmp = PathBuf::from(format!("{FIXED_SOURCE_LINK}.{}", std::process::id()));
		let _ = std::fs::remove_file(&tmp);
		std::os::unix::fs::symlink(workspace, &tmp).ok()?;
		std::fs::rename(&tmp, &link).ok()?;
	}
	// The nested build only watches the files through the link: watch the real ones too.
	for dir in ["runtime", "primitives"] {
		println!("cargo:rerun-if-changed={}", workspace.join(dir).display());
	}
	println!("cargo:rerun-if-changed={}", workspace.join("Cargo.lock").display());
	Some(link.join("runtime").join("Cargo.toml"))
}

#[cfg(all(feature = "std", not(unix)))]
fn runtime_manifest_through_fixed_link(_: &std::path::Path) -> Option<std::path::PathBuf> {
	None
}

#[cfg(feature = "std")]
fn main() {
	use std::{env, path::PathBuf};

	let runtime = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
	let workspace = runtime.parent().expect("the runtime is a workspace member").to_path_buf();
	let manifest = runtime_manifest_through_fixed_link(&workspace);
	if manifest.is_some() {
		// The nested build finds our Cargo.lock through the same link.
		env::set_var("WASM_BUILD_WORKSPACE_HINT", FIXED_SOURCE_LINK);
	}
	pin_wasm_workspace_and_toolchain();

	let mut builder = match manifest {
		Some(manifest) => substrate_wasm_builder::WasmBuilder::new()
			.with_project(manifest)
			.expect("the runtime manifest exists")
			.export_heap_base()
			.import_memory(),
		None => substrate_wasm_builder::WasmBuilder::init_with_defaults(),
	};
	for flag in reproducible_path_flags() {
		builder = builder.append_to_rust_flags(flag);
	}
	// The upgrade test's runtime (one spec version higher) is written as `upgrade_test.*.wasm`
	// next to the real one, which it must never replace: the node embeds that one.
	if env::var_os("CARGO_FEATURE_UPGRADE_TEST").is_some() {
		builder = builder.set_file_name("upgrade_test");
	}
	// The token symbol and decimals are part of the metadata digest that wallets check.
	#[cfg(feature = "metadata-hash")]
	let builder = builder.enable_metadata_hash(
		aiblock_primitives::token::SYMBOL,
		aiblock_primitives::token::DECIMALS,
	);
	builder.build();
}

/// Building for wasm itself: nothing to embed.
#[cfg(not(feature = "std"))]
fn main() {}
