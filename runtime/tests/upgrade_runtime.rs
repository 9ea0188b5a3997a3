//! The wasm the runtime crate builds carries the version its code declares, in the
//! `runtime_version` custom section that nodes and `system.applyAuthorizedUpgrade` read to decide
//! whether a new wasm is an upgrade (they do not run the code to ask).
//!
//! Built with `--features aiblock-runtime/upgrade-test`, this test target is also how CI makes
//! the wasm that `zombienet/upgrade.js` upgrades a live network to (the same runtime one spec
//! version higher): building it alone keeps the node binary as it is.

use codec::Decode;

/// The payload of the wasm custom section `name`, if there is one.
fn custom_section<'a>(wasm: &'a [u8], name: &str) -> Option<&'a [u8]> {
	fn leb128(bytes: &[u8], at: &mut usize) -> Option<usize> {
		let (mut value, mut shift) = (0usize, 0);
		loop {
			let byte = *bytes.get(*at)?;
			*at += 1;
			value |= usize::from(byte & 0x7f).checked_shl(shift)?;
			if byte & 0x80 == 0 {
				return Some(value);
			}
			shift += 7;
		}
	}
	if wasm.get(..4)? != b"\0asm" {
		return None;
	}
	let mut at = 8;
	while at < wasm.len() {
		let id = wasm[at];
		at += 1;
		let size = leb128(wasm, &mut at)?;
		let end = at.checked_add(size)?;
		let section = wasm.get(at..end)?;
		if id == 0 {
			let mut inner = 0;
			let length = leb128(section, &mut inner)?;
			if section.get(inner..inner + length)? == name.as_bytes() {
				return section.get(inner + length..);
			}
		}
		at = end;
	}
	None
}

#[test]
fn the_wasm_carries_the_version_its_code_declares() {
	let Some(wasm) = aiblock_runtime::WASM_BINARY_BLOATY else {
		eprintln!("built with SKIP_WASM_BUILD: no wasm to check");
		return;
	};
	let section = custom_section(wasm, "runtime_version").expect("a runtime_version section");
	// The section starts as `RuntimeVersion` encodes: spec name, impl name, authoring version,
	// spec version.
	let (spec_name, _impl_name, _authoring, spec_version) =
		<(String, String, u32, u32)>::decode(&mut &section[..]).expect("the version decodes");
	let declared = aiblock_runtime::VERSION;
	assert_eq!(spec_name, declared.spec_name);
	assert_eq!(spec_version, declared.spec_version);
}
