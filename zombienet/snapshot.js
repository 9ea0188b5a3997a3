// Zombienet js-script step: a snapshot of the running chain's state for the try-runtime check.
// Every storage key and value at Alice's finalised head (after the worker, dataset and job steps
// put stakes, datasets, jobs and adopted blocks there) is written as JSON to $AIBLOCK_SNAPSHOT;
// after the network tests, `runtime/tests/try_runtime_upgrade.rs` (built with the runtime's
// `try-runtime` feature) runs the runtime's upgrade hooks, with their pre- and post-upgrade
// checks, and every pallet's `try_state` invariants on it. Returns 1 on success.

const fs = require("fs");
const { connect } = require("./chain.js");

const PAGE = 1000;

async function run(nodeName, networkInfo) {
  const file = process.env.AIBLOCK_SNAPSHOT;
  if (!file) throw new Error("AIBLOCK_SNAPSHOT: where to write the snapshot is not set");
  const api = await connect(networkInfo.nodesByName[nodeName].wsUri);
  try {
    const at = await api.rpc.chain.getFinalizedHead();
    const header = await api.rpc.chain.getHeader(at);
    const version = await api.rpc.state.getRuntimeVersion(at);
    const pairs = [];
    let start = null;
    for (;;) {
      const keys = (await api.rpc.state.getKeysPaged("0x", PAGE, start, at)).map((key) => key.toHex());
      if (keys.length === 0) break;
      // The raw RPC: [{ block, changes: [[key, value or null]] }].
      const [{ changes }] = await api._rpcCore.provider.send("state_queryStorageAt", [keys, at.toHex()]);
      for (const [key, value] of changes) if (value !== null) pairs.push([key, value]);
      if (keys.length < PAGE) break;
      start = keys[keys.length - 1];
    }
    const snapshot = {
      block: at.toHex(),
      number: header.number.toNumber(),
      specVersion: version.specVersion.toNumber(),
      pairs,
    };
    fs.writeFileSync(file, JSON.stringify(snapshot));
    const bytes = pairs.reduce((sum, [k, v]) => sum + (k.length + v.length - 4) / 2, 0);
    console.log(`snapshot of #${snapshot.number} (spec ${snapshot.specVersion}): ${pairs.length} keys, ${bytes} bytes → ${file}`);
    return 1;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
