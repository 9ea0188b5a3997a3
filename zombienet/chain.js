// Helpers shared by the zombienet js-script steps: connecting with @polkadot/api and submitting
// a signed extrinsic until it is in a block or finalised, failing with the runtime's own error
// name (e.g. `workers.AlreadyRegistered`) when it is refused.

const { ApiPromise, WsProvider } = require("@polkadot/api");

async function connect(wsUri) {
  const api = await ApiPromise.create({ provider: new WsProvider(wsUri), noInitWarn: true });
  await api.isReady;
  return api;
}

/// An Error for a runtime `DispatchError`, with `.module` = `section.Name` for a pallet's error.
function runtimeError(api, dispatchError) {
  if (!dispatchError.isModule) return new Error(dispatchError.toString());
  const meta = api.registry.findMetaError(dispatchError.asModule);
  const error = new Error(`${meta.section}.${meta.name}: ${meta.docs.join(" ")}`);
  error.module = `${meta.section}.${meta.name}`;
  return error;
}

/// Sign `tx` with `signer` and wait for `until` ("inBlock" or "finalized"). Resolves to
/// `{ blockHash, events }`; rejects with an Error whose `.module` is `section.Name` when the
/// runtime refused the call.
function submit(api, tx, signer, until = "inBlock") {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    const finish = (fn, value) => { unsubscribe(); fn(value); };
    tx.signAndSend(signer, ({ status, dispatchError, events }) => {
      if (dispatchError) {
        finish(reject, runtimeError(api, dispatchError));
      } else if (status.isFinalized || (until === "inBlock" && status.isInBlock)) {
        const blockHash = status.isFinalized ? status.asFinalized : status.asInBlock;
        const ok = events.some(({ event }) => api.events.system.ExtrinsicSuccess.is(event));
        if (!ok) finish(reject, new Error("included without ExtrinsicSuccess"));
        else finish(resolve, { blockHash: blockHash.toHex(), events });
      } else if (status.isDropped || status.isInvalid || status.isUsurped) {
        finish(reject, new Error(`not included: ${status.type}`));
      }
    })
      .then((unsub) => { unsubscribe = unsub; })
      .catch(reject);
  });
}

/// Connect to `nodeName` and to another node of the network (the observer that checks what
/// `nodeName`'s submissions did). Resolves to `{ api, observer, observerName }`.
async function connectWithObserver(nodeName, networkInfo) {
  const names = Object.keys(networkInfo.nodesByName);
  const observerName = names.find((n) => n !== nodeName) || nodeName;
  const api = await connect(networkInfo.nodesByName[nodeName].wsUri);
  const observer = await connect(networkInfo.nodesByName[observerName].wsUri);
  return { api, observer, observerName };
}

/// The finalised head's number, as `api`'s node sees it.
async function finalisedNumber(api) {
  const hash = await api.rpc.chain.getFinalizedHead();
  return (await api.rpc.chain.getHeader(hash)).number.toNumber();
}

/// The best block's number, as `api`'s node sees it.
async function bestNumber(api) {
  return (await api.rpc.chain.getHeader()).number.toNumber();
}

/// Poll `check` every second until it returns something truthy (returned); throws after
/// `limitMs` with `what` in the message.
async function waitUntil(what, check, limitMs = 120_000) {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs / 1000} s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/// Every storage pair under `prefix` at block `at` (hex), as raw hex `[key, value]`, read with
/// `provider.send` (a WsProvider): nothing is decoded, so the bytes are exactly what the chain
/// holds, whatever runtime wrote them.
async function rawStorage(provider, prefix, at, page = 1000) {
  const pairs = [];
  let start = prefix;
  for (;;) {
    const keys = await provider.send("state_getKeysPaged", [prefix, page, start, at]);
    if (keys.length > 0) {
      // [{ block, changes: [[key, value or null]] }]
      const [{ changes }] = await provider.send("state_queryStorageAt", [keys, at]);
      for (const [key, value] of changes) if (value !== null) pairs.push([key, value]);
    }
    if (keys.length < page) return pairs;
    start = keys[keys.length - 1];
  }
}

/// The process ids of the node whose RPC listens on `wsUri` (zombienet's native provider starts
/// each node with `--rpc-port PORT`).
function nodePids(wsUri) {
  const { execFileSync } = require("child_process");
  const port = new URL(wsUri).port;
  const out = execFileSync("pgrep", ["-f", "--", `--rpc-port[ =]${port}( |$)`], { encoding: "utf8" });
  const pids = out.split("\n").filter((p) => p.trim() !== "").map(Number);
  if (pids.length === 0) throw new Error(`no process listens with --rpc-port ${port}`);
  return pids;
}

/// Send signal `name` (SIGSTOP, SIGCONT, SIGKILL…) to every pid in `pids`.
function signal(pids, name) {
  for (const pid of pids) process.kill(pid, name);
}

/// Pass `call` through the council, as its members do in Polkadot.js Apps (Governance → Council
/// → Motions): the first member proposes it with three quarters of the seats as threshold, that
/// many members vote aye, and the proposer closes the motion, which dispatches `call` with the
/// council's origin. On a council of one (the dev chain) the motion runs when proposed. Resolves
/// to the events of the block that ran it; rejects with the call's own error (`.module`) when it
/// failed: the motion succeeds either way and only `council.Executed` tells. `until` is how far
/// the transaction that runs the call must get ("inBlock" or "finalized").
async function councilPasses(api, call, until = "inBlock") {
  const { Keyring } = require("@polkadot/keyring");
  const keyring = new Keyring({ type: "sr25519" });
  const members = (await api.query.council.members()).map(String);
  const voters = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"]
    .map((name) => keyring.addFromUri(`//${name}`))
    .filter((key) => members.includes(key.address));
  const threshold = Math.ceil((members.length * 3) / 4);
  if (voters.length < threshold) throw new Error(`${voters.length} council keys known, ${threshold} needed`);
  const length = call.method.encodedLength;
  // On a council of one the proposal runs the call: it waits as long as the close would.
  const proposeUntil = threshold < 2 ? until : "inBlock";
  const proposed = await submit(api, api.tx.council.propose(threshold, call, length), voters[0], proposeUntil);
  const executedIn = ({ events }) => events.find(({ event }) => api.events.council.Executed.is(event));
  let executed = executedIn(proposed);
  let ran = proposed;
  if (!executed) {
    const motion = proposed.events.find(({ event }) => api.events.council.Proposed.is(event));
    if (!motion) throw new Error("council.propose: neither Proposed nor Executed");
    const { proposalIndex, proposalHash } = motion.event.data;
    for (const voter of voters.slice(0, threshold)) {
      await submit(api, api.tx.council.vote(proposalHash, proposalIndex, true), voter);
    }
    // The weight the members accept for the call: what it declares as a transaction.
    const { weight } = await call.paymentInfo(voters[0]);
    ran = await submit(api, api.tx.council.close(proposalHash, proposalIndex, weight, length), voters[0], until);
    executed = executedIn(ran);
  }
  if (!executed) throw new Error("the council motion did not execute");
  console.log(`council: ${call.method.section}.${call.method.method} passed with ${threshold} of ${members.length} seats`);
  const { result } = executed.event.data;
  if (result.isErr) throw runtimeError(api, result.asErr);
  return ran;
}

/// Dispatch `call` as Root through the council: one motion whitelists the call's hash and
/// dispatches it (`utility.batchAll` keeps the council's origin for both). FRAME's Root-only
/// calls, such as `system.authorizeUpgrade`, go this way. Rejects with the call's own error.
async function councilDispatchesAsRoot(api, call, until = "inBlock") {
  const batch = api.tx.utility.batchAll([
    api.tx.whitelist.whitelistCall(call.method.hash),
    api.tx.whitelist.dispatchWhitelistedCallWithPreimage(call),
  ]);
  const ran = await councilPasses(api, batch, until);
  const dispatched = ran.events.find(({ event }) => api.events.whitelist.WhitelistedCallDispatched.is(event));
  if (!dispatched) throw new Error("the whitelisted call was not dispatched");
  const { result } = dispatched.event.data;
  if (result.isErr) throw runtimeError(api, result.asErr.error);
  return ran;
}

module.exports = {
  rawStorage,
  councilDispatchesAsRoot,
  councilPasses,
  bestNumber,
  connect,
  connectWithObserver,
  finalisedNumber,
  nodePids,
  signal,
  submit,
  waitUntil,
};
