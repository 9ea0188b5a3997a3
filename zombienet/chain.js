// Helpers shared by the zombienet js-script steps: connecting with @polkadot/api and submitting
// a signed extrinsic until it is in a block or finalised, failing with the runtime's own error
// name (e.g. `workers.AlreadyRegistered`) when it is refused.

const { ApiPromise, WsProvider } = require("@polkadot/api");

async function connect(wsUri) {
  const api = await ApiPromise.create({ provider: new WsProvider(wsUri), noInitWarn: true });
  await api.isReady;
  return api;
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
        let error;
        if (dispatchError.isModule) {
          const meta = api.registry.findMetaError(dispatchError.asModule);
          error = new Error(`${meta.section}.${meta.name}: ${meta.docs.join(" ")}`);
          error.module = `${meta.section}.${meta.name}`;
        } else {
          error = new Error(dispatchError.toString());
        }
        finish(reject, error);
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

module.exports = {
  bestNumber,
  connect,
  connectWithObserver,
  finalisedNumber,
  nodePids,
  signal,
  submit,
  waitUntil,
};
