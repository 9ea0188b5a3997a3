// Zombienet js-script step: a snapshot of the running chain's state for the try-runtime check.
// Every storage key and value at Alice's finalised head (after the worker, dataset and job steps
// put stakes, datasets, jobs and adopted blocks there) is written as JSON to $AIBLOCK_SNAPSHOT;
// after the network tests, `runtime/tests/try_runtime_upgrade.rs` (built with the runtime's
// `try-runtime` feature) runs the runtime's upgrade hooks, with their pre- and post-upgrade
// checks, and every pallet's `try_state` invariants on it. Returns 1 on success.

const fs = require("fs");
const { connect, rawStorage } = require("./chain.js");

async function run(nodeName, networkInfo) {
  const file = process.env.AIBLOCK_SNAPSHOT;
  if (!file) throw new Error("AIBLOCK_SNAPSHOT: where to write the snapshot is not set");
  const api = await connect(networkInfo.nodesByName[nodeName].wsUri);
  try {
    const at = await api.rpc.chain.getFinalizedHead();
    const header = await api.rpc.chain.getHeader(at);
    const version = await api.rpc.state.getRuntimeVersion(at);
    const pairs = await rawStorage(api._rpcCore.provider, "0x", at.toHex());
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
