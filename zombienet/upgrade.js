// Zombienet js-script step: the runtime of the live network upgraded through governance, as the
// README's "Upgrading the runtime" says. The new runtime is this one built one spec version higher
// ($AIBLOCK_UPGRADE_WASM: the runtime's `upgrade-test` feature, which .ci/test and run-tests.sh
// build through its `upgrade_runtime` test target), so that its upgrade hooks run as a release's
// would.
//
// 1. Eve posts a training job (its budget held in escrow); the state users own is read at the
//    finalised head: stakes, jobs, the model registry, datasets, PoL credits.
// 2. One council motion (three of the four operators) whitelists and dispatches, as Root,
//    `system.authorizeUpgrade(blake2_256(wasm))`.
// 3. Eve, any account, submits `system.applyAuthorizedUpgrade(wasm)`: `system.CodeUpdated`.
// 4. Every validator's node reports the new spec version; the first block of the new runtime ran
//    its upgrade hooks (`system.lastRuntimeUpgrade`); blocks are produced and finalised after it.
// 5. The state of step 1 is the same in the last block of the old runtime and in the first of
//    the new one, and nothing of it was lost since step 1; Eve cancels her job under the new
//    runtime and gets its escrow back.
// Returns 1 on success; throws on any error.

const fs = require("fs");
const { Keyring } = require("@polkadot/keyring");
const { blake2AsHex, cryptoWaitReady } = require("@polkadot/util-crypto");
const { WsProvider } = require("@polkadot/api");
const { compactFromU8a, hexToU8a, u8aToHex } = require("@polkadot/util");
const { connect, councilDispatchesAsRoot, finalisedNumber, rawStorage, submit, waitUntil } = require("./chain.js");
const { BUDGET, SLOT, jobSpec } = require("./jobs.js");

/// What users own, as raw SCALE per storage key, at block `hash`, read through `provider` (a
/// plain WsProvider): the bytes are what must carry over, and nothing is decoded. (@polkadot/api
/// decodes the state of the block that changes the code with a registry that does not fit it:
/// CI failed with "Unable to decode storage stake.ledgers" there, although the two runtimes'
/// metadata are identical but for the version.)
async function ownedState(api, provider, hash) {
  const items = {
    "stake.ledgers": api.query.stake.ledgers,
    "jobs.jobs": api.query.jobs.jobs,
    "expertDag.current": api.query.expertDag.current,
    "expertDag.blocks": api.query.expertDag.blocks,
    "expertDag.modelCount": api.query.expertDag.modelCount,
    "datasets.datasets": api.query.datasets.datasets,
    "polCredits.accounts": api.query.polCredits.accounts,
  };
  const state = {};
  for (const [name, item] of Object.entries(items)) {
    for (const [key, value] of await rawStorage(provider, item.keyPrefix(), hash.toString()))
      state[`${name} ${key}`] = value;
  }
  return state;
}

/// Sign and send `tx`; resolves to the hash of the finalised block that includes it (its events
/// are the caller's to read), rejects when it is refused or dropped.
function sendUntilFinalized(tx, signer) {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    const finish = (fn, value) => { unsubscribe(); fn(value); };
    tx.signAndSend(signer, ({ status, dispatchError }) => {
      if (dispatchError) finish(reject, new Error(`refused: ${dispatchError.toString()}`));
      else if (status.isFinalized) finish(resolve, status.asFinalized.toHex());
      else if (status.isDropped || status.isInvalid || status.isUsurped) finish(reject, new Error(`not included: ${status.type}`));
    })
      .then((unsub) => { unsubscribe = unsub; })
      .catch(reject);
  });
}

/// The entries of `before` that `after` lacks or holds differently (at most five, for the error).
function differences(before, after) {
  return Object.keys(before).filter((key) => before[key] !== after[key]).slice(0, 5);
}

async function specVersionOf(wsUri) {
  const api = await connect(wsUri);
  try {
    return (await api.rpc.state.getRuntimeVersion()).specVersion.toNumber();
  } finally {
    await api.disconnect();
  }
}

async function run(nodeName, networkInfo) {
  await cryptoWaitReady();
  const file = process.env.AIBLOCK_UPGRADE_WASM;
  if (!file || !fs.existsSync(file)) throw new Error(`AIBLOCK_UPGRADE_WASM: no wasm at ${file}`);
  const wasm = new Uint8Array(fs.readFileSync(file));
  const wsUri = networkInfo.nodesByName[nodeName].wsUri;
  const api = await connect(wsUri);
  const provider = new WsProvider(wsUri);
  try {
    await provider.isReady;
    const eve = new Keyring({ type: "sr25519" }).addFromUri("//Eve");
    const from = (await api.rpc.state.getRuntimeVersion()).specVersion.toNumber();

    // 1. A job in escrow, and what users own now.
    const approved = (await api.query.datasets.datasets.entries())
      .map(([key, info]) => ({ id: key.args[0].toNumber(), info: info.unwrap() }))
      .find(({ info }) => info.stage.isApproved);
    if (!approved) throw new Error("no approved dataset to post a job on (run after jobs.js)");
    const base = (await api.query.expertDag.current(0, SLOT)).unwrap();
    const spec = jobSpec(base, approved.id, approved.info.meta.cid);
    const posted = await submit(api, api.tx.jobs.postJob(spec, BUDGET), eve, "finalized");
    const jobPosted = posted.events.find(({ event }) => api.events.jobs.JobPosted.is(event));
    if (!jobPosted) throw new Error("no JobPosted event");
    const { job, held } = jobPosted.event.data;
    const head = await api.rpc.chain.getFinalizedHead();
    const before = await ownedState(api, provider, head);
    const count = (prefix) => Object.keys(before).filter((key) => key.startsWith(prefix)).length;
    if (count("stake.ledgers") === 0 || count("expertDag.blocks") === 0)
      throw new Error("no stakes or model blocks to carry over (run after worker.js and jobs.js)");

    // 2. The council authorizes the new code as Root, through the whitelist.
    const codeHash = blake2AsHex(wasm, 256);
    await councilDispatchesAsRoot(api, api.tx.system.authorizeUpgrade(codeHash), "finalized");
    const authorized = await api.query.system.authorizedUpgrade();
    if (authorized.isNone || authorized.unwrap().codeHash.toHex() !== codeHash)
      throw new Error(`authorizedUpgrade is ${authorized.toString()}, not ${codeHash}`);

    // 3. Anyone applies it; it takes over from the next block. What the block did is read from its
    // raw state, not its events: the block that changes the code holds events of the old runtime
    // that @polkadot/api may decode with the new one's metadata (CI saw "included without
    // ExtrinsicSuccess", and a local run undecodable `system.events`).
    const appliedIn = await sendUntilFinalized(api.tx.system.applyAuthorizedUpgrade(u8aToHex(wasm)), eve);
    const CODE = "0x3a636f6465"; // ":code"
    const codeAt = async (hash) => (await api.rpc.state.getStorageHash(CODE, hash)).toHex();
    const parentOfApplied = (await api.rpc.chain.getHeader(appliedIn)).parentHash;
    if ((await codeAt(appliedIn)) !== codeHash || (await codeAt(parentOfApplied)) === codeHash)
      throw new Error(`block ${appliedIn} did not put the new code in place`);
    const applied = { blockHash: appliedIn };
    const lastOld = await api.rpc.chain.getHeader(applied.blockHash);
    const upgradedAt = lastOld.number.toNumber();
    console.log(`runtime ${from} → new code (${wasm.length} bytes, ${codeHash}) in block #${upgradedAt}`);

    // 4. Every node runs it; its first block ran the upgrade hooks; finality goes on past it.
    for (const [name, node] of Object.entries(networkInfo.nodesByName)) {
      const version = await waitUntil(`${name} runs the new runtime`, async () => {
        const v = await specVersionOf(node.wsUri);
        return v > from ? v : null;
      });
      console.log(`${name}: spec version ${version}`);
    }
    await waitUntil(`finalised #${upgradedAt + 5}`, async () => (await finalisedNumber(api)) >= upgradedAt + 5);
    const firstNew = await api.rpc.chain.getBlockHash(upgradedAt + 1);
    // `LastRuntimeUpgradeInfo` starts with its spec version (compact), read raw as above.
    const lastUpgrade = await provider.send("state_getStorage", [api.query.system.lastRuntimeUpgrade.key(), firstNew.toHex()]);
    const [, ranSpec] = lastUpgrade ? compactFromU8a(hexToU8a(lastUpgrade)) : [0, 0];
    if (Number(ranSpec) <= from)
      throw new Error(`lastRuntimeUpgrade at #${upgradedAt + 1} names spec ${ranSpec}: the upgrade hooks did not run`);
    console.log(`#${upgradedAt + 1} ran the upgrade to ${ranSpec}; finalised #${upgradedAt + 5}`);

    // 5. Nothing users own changed across the upgrade, or was lost since step 1.
    const oldState = await ownedState(api, provider, applied.blockHash);
    const newState = await ownedState(api, provider, firstNew);
    const changed = differences(oldState, newState);
    if (changed.length > 0 || Object.keys(newState).length !== Object.keys(oldState).length)
      throw new Error(`state differs across the upgrade: ${changed.join(", ") || "entries added"}`);
    const lost = Object.keys(before).filter((key) => !(key in newState));
    if (lost.length > 0) throw new Error(`entries lost since the upgrade began: ${lost.slice(0, 5).join(", ")}`);
    console.log(`carried over: ${count("stake.ledgers")} stakes, ${count("jobs.jobs")} jobs, ${count("expertDag.blocks")} model blocks, ${count("datasets.datasets")} datasets`);

    // The new runtime works on the old state: Eve's job is cancelled and its escrow released.
    const cancelled = await submit(api, api.tx.jobs.cancelJob(job), eve);
    const refunded = cancelled.events
      .filter(({ event }) => api.events.jobs.Refunded.is(event))
      .reduce((sum, { event }) => sum + event.data.amount.toBigInt(), 0n);
    if (refunded === 0n || refunded > held.toBigInt())
      throw new Error(`cancelling job ${job} refunded ${refunded} of ${held} held`);
    console.log(`job ${job}, posted before the upgrade, cancelled after it: ${refunded} of ${held} refunded`);
    return 1;
  } finally {
    await provider.disconnect();
    await api.disconnect();
  }
}

module.exports = { run };
