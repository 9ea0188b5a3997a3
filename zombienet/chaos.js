// Zombienet js-script step: the failures a validator network must survive, with their figures.
// Runs last: it leaves Dave's node restarted outside zombienet's control and stops it at the end.
//
// 1. Finality lag while healthy: best − finalised on Alice, sampled every second for 30 s.
// 2. Two of four validators down (Charlie's and Dave's nodes frozen with SIGSTOP): blocks are
//    still authored by Alice and Bob, but finality stalls (two of four voters are not more than
//    two thirds): the finalised height moves by at most one block (a round whose votes were
//    already cast) in 20 s while the best block moves on.
// 3. Dave returns (SIGCONT): three voters, so finality resumes and catches up with the best
//    block; the time it takes is measured. Charlie returns too.
// 4. A validator restarted with its database: Dave's node is killed (SIGKILL) and started again
//    with the same command line; it catches up with the tip, and the network finalises 4 more
//    blocks with it; the time to catch up is measured.
// 5. A new node with nothing but the chain spec syncs from genesis to the finalised tip; its
//    blocks per second are measured.
// 6. Another new node warp syncs (`--sync warp`): GRANDPA's finality proofs across the
//    authority-set changes of the earlier steps (a fifth validator in and out, a runtime
//    upgrade), then the state at the finalised head, then new blocks; it reaches the finalised
//    tip and its log says the warp sync completed.
// Returns 1 on success; throws on any error.

const path = require("path");
const { bestNumber, connect, finalisedNumber, nodePids, signal, waitUntil } = require("./chain.js");
const { commandLine, flagValue, runNode, startFreshNode } = require("./nodes.js");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (since) => ((Date.now() - since) / 1000).toFixed(1);

async function finalityLag(api, samples) {
  const lags = [];
  for (let i = 0; i < samples; i++) {
    lags.push((await bestNumber(api)) - (await finalisedNumber(api)));
    await sleep(1000);
  }
  const mean = lags.reduce((a, b) => a + b, 0) / lags.length;
  return { mean, max: Math.max(...lags) };
}

async function run(nodeName, networkInfo) {
  const api = await connect(networkInfo.nodesByName[nodeName].wsUri);
  const uri = (name) => networkInfo.nodesByName[name].wsUri;
  const frozen = [];
  let dave = null;
  let fresh = null;
  let warp = null;
  try {
    // 1. Healthy.
    const healthy = await finalityLag(api, 30);
    console.log(`healthy: finality lag ${healthy.mean.toFixed(2)} blocks on average, ${healthy.max} at most (30 samples, 2 s blocks)`);
    // GRANDPA finalises within a few blocks when all four vote; ten would mean it limps.
    if (healthy.mean > 10) throw new Error(`finality lags ${healthy.mean.toFixed(1)} blocks on a healthy network`);

    // 2. Two of four down.
    for (const name of ["charlie", "dave"]) {
      const pids = nodePids(uri(name));
      signal(pids, "SIGSTOP");
      frozen.push({ name, pids });
    }
    await sleep(4000); // votes already in flight land
    const [finalAtStop, bestAtStop] = [await finalisedNumber(api), await bestNumber(api)];
    await sleep(20_000);
    const [finalLater, bestLater] = [await finalisedNumber(api), await bestNumber(api)];
    console.log(`charlie and dave down: best #${bestAtStop} → #${bestLater}, finalised #${finalAtStop} → #${finalLater} in 20 s`);
    if (bestLater < bestAtStop + 3) throw new Error("block production stopped with two validators up");
    if (finalLater > finalAtStop + 1) throw new Error("finality went on with two of four voters");

    // 3. One returns: finality resumes.
    const back = Date.now();
    const daveFrozen = frozen.find((f) => f.name === "dave");
    signal(daveFrozen.pids, "SIGCONT");
    frozen.splice(frozen.indexOf(daveFrozen), 1);
    const target = bestLater;
    const resumed = await waitUntil(`finality resumes up to #${target}`, async () => {
      const now = await finalisedNumber(api);
      return now >= target ? now : null;
    });
    console.log(`dave back: finalised #${finalLater} → #${resumed} (the stalled blocks) in ${seconds(back)} s`);
    for (const { pids } of frozen) signal(pids, "SIGCONT");
    frozen.length = 0;

    // 4. Dave restarted with his database.
    // zombienet may run the node under a shell: restart the node's own command line.
    const davePids = nodePids(uri("dave"));
    const davePid = davePids.find((pid) => path.basename(commandLine(pid)[0] || "") === "aiblock-node");
    if (!davePid) throw new Error(`no aiblock-node among dave's processes ${davePids.join(",")}`);
    const argv = commandLine(davePid);
    const rpcPort = Number(flagValue(argv, "--rpc-port"));
    const basePath = flagValue(argv, "--base-path") || flagValue(argv, "-d");
    signal(davePids, "SIGKILL");
    await waitUntil("dave's node is gone", async () => {
      try { process.kill(davePid, 0); return false; } catch (_) { return true; }
    }, 30_000);
    await sleep(6000); // the network moves on without him
    const restartedAt = Date.now();
    const logDir = basePath || require("os").tmpdir();
    dave = await runNode(argv, rpcPort, path.join(logDir, "dave-restarted.log"));
    const tip = await bestNumber(api);
    const caughtUp = await waitUntil(`the restarted dave reaches #${tip}`, async () => {
      const now = await bestNumber(dave.api);
      return now >= tip ? now : null;
    });
    console.log(`dave restarted with his database: at #${caughtUp} (tip was #${tip}) ${seconds(restartedAt)} s after his start`);
    const finalBefore = await finalisedNumber(dave.api);
    await waitUntil("the restarted dave sees 4 more blocks finalised", async () =>
      (await finalisedNumber(dave.api)) >= finalBefore + 4);

    // 5. A fresh node syncs from genesis.
    const syncTarget = await finalisedNumber(api);
    const started = Date.now();
    fresh = await startFreshNode("ferdie-sync", api);
    await waitUntil(`the fresh node syncs to #${syncTarget}`, async () =>
      (await finalisedNumber(fresh.api)) >= syncTarget, 180_000);
    const took = (Date.now() - started) / 1000;
    console.log(`a fresh node synced ${syncTarget} blocks from genesis in ${took.toFixed(1)} s (${(syncTarget / took).toFixed(0)} blocks/s, node start included)`);
    await fresh.stop();
    fresh = null;

    // 6. A fresh node warp syncs.
    const warpTarget = await finalisedNumber(api);
    const warpStarted = Date.now();
    warp = await startFreshNode("warp-sync", api, ["--sync", "warp"]);
    // While it warp syncs, the node may name a finalised head whose header it has not stored
    // yet ("unknown Block"): such answers count as not there yet.
    await waitUntil(`the warp-syncing node reaches #${warpTarget}`, async () => {
      try {
        return (await finalisedNumber(warp.api)) >= warpTarget;
      } catch (e) {
        if (!String(e.message).includes("unknown Block")) throw e;
        return false;
      }
    }, 180_000);
    const warpTook = seconds(warpStarted);
    const log = require("fs").readFileSync(warp.logFile, "utf8");
    if (!log.includes("Warp sync is complete"))
      throw new Error(`the node reached the tip without a completed warp sync (see ${warp.logFile})`);
    console.log(`a fresh node warp synced to finalised #${warpTarget} in ${warpTook} s (node start included)`);
    return 1;
  } finally {
    for (const { pids } of frozen) signal(pids, "SIGCONT");
    if (fresh) await fresh.stop();
    if (warp) await warp.stop();
    if (dave) await dave.stop();
    await api.disconnect();
  }
}

module.exports = { run };
