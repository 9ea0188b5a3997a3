// Zombienet js-script step: the failures a validator network must survive, with their figures.
// Runs last: it leaves Charlie's and Dave's nodes restarted outside zombienet's control and stops
// them at the end.
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
// 5. A network partition: Charlie's and Dave's nodes restarted with `--reserved-only` and each
//    other as their only peer. Each half authors in its own slots, so the chain forks; neither
//    half has more than two thirds of the voters, so finality stalls on both sides. Healed (both
//    restarted with their own command lines), the nodes settle on one fork, the other half's
//    blocks are reverted, and all four finalise the same blocks past the partition; the time to
//    heal and the depth of the reverted fork are measured.
// 6. A new node with nothing but the chain spec syncs from genesis to the finalised tip; its
//    blocks per second are measured.
// 7. Another new node warp syncs (`--sync warp`): GRANDPA's finality proofs across the
//    authority-set changes of the earlier steps (a fifth validator in and out, a runtime
//    upgrade, the healed fork), then the state at the finalised head, then new blocks; it reaches the finalised
//    tip and its log says the warp sync completed.
// Returns 1 on success; throws on any error.

const os = require("os");
const path = require("path");
const { bestNumber, connect, finalisedNumber, nodePids, signal, waitUntil } = require("./chain.js");
const { bootnodeOf, commandLine, flagValue, runNode, startFreshNode } = require("./nodes.js");

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

/// Kill the node whose RPC is `wsUri` (zombienet's, or `handle`, one started here) and return
/// what starts it again: its own command line, RPC port and folder for logs.
async function killNode(wsUri, handle = null) {
  const pids = nodePids(wsUri);
  // zombienet may run the node under a shell: restart the node's own command line.
  const pid = pids.find((p) => path.basename(commandLine(p)[0] || "") === "aiblock-node");
  if (!pid) throw new Error(`no aiblock-node among the processes ${pids.join(",")} of ${wsUri}`);
  const argv = commandLine(pid);
  if (handle) await handle.stop();
  else signal(pids, "SIGKILL");
  await waitUntil(`the node of ${wsUri} is gone`, async () => {
    try { process.kill(pid, 0); return false; } catch (_) { return true; }
  }, 30_000);
  const logDir = flagValue(argv, "--base-path") || flagValue(argv, "-d") || os.tmpdir();
  return { argv, rpcPort: Number(flagValue(argv, "--rpc-port")), logDir };
}

/// Start a node killed by `killNode` again, with `extra` arguments; its log is `logName`.
function startAgain(killed, logName, extra = []) {
  return runNode([...killed.argv, ...extra], killed.rpcPort, path.join(killed.logDir, logName));
}

/// The hash of block `number` on the chain `api`'s node follows.
async function hashAt(api, number) {
  return (await api.rpc.chain.getBlockHash(number)).toHex();
}

async function run(nodeName, networkInfo) {
  const api = await connect(networkInfo.nodesByName[nodeName].wsUri);
  const uri = (name) => networkInfo.nodesByName[name].wsUri;
  const frozen = [];
  let dave = null;
  let charlie = null;
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
    const daveKilled = await killNode(uri("dave"));
    await sleep(6000); // the network moves on without him
    const restartedAt = Date.now();
    dave = await startAgain(daveKilled, "dave-restarted.log");
    const tip = await bestNumber(api);
    const caughtUp = await waitUntil(`the restarted dave reaches #${tip}`, async () => {
      const now = await bestNumber(dave.api);
      return now >= tip ? now : null;
    });
    console.log(`dave restarted with his database: at #${caughtUp} (tip was #${tip}) ${seconds(restartedAt)} s after his start`);
    const finalBefore = await finalisedNumber(dave.api);
    await waitUntil("the restarted dave sees 4 more blocks finalised", async () =>
      (await finalisedNumber(dave.api)) >= finalBefore + 4);

    // 5. A partition: {Alice, Bob} | {Charlie, Dave}.
    const charlieApi = await connect(uri("charlie"));
    const addressOf = { charlie: await bootnodeOf(charlieApi), dave: await bootnodeOf(dave.api) };
    const peerId = (address) => address.split("/p2p/")[1];
    await charlieApi.disconnect();
    const charlieKilled = await killNode(uri("charlie"));
    const daveRestarted = await killNode(uri("dave"), dave);
    dave = null;
    await sleep(3000); // votes already in flight land
    const [splitFinal, splitBest] = [await finalisedNumber(api), await bestNumber(api)];
    const alone = (other) => ["--reserved-only", "--reserved-nodes", addressOf[other]];
    charlie = await startAgain(charlieKilled, "charlie-partitioned.log", alone("dave"));
    dave = await startAgain(daveRestarted, "dave-partitioned.log", alone("charlie"));
    await sleep(24_000);
    const sides = {
      "alice and bob": { api, best: await bestNumber(api), final: await finalisedNumber(api) },
      "charlie and dave": { api: charlie.api, best: await bestNumber(charlie.api), final: await finalisedNumber(charlie.api) },
    };
    const ab = sides["alice and bob"];
    const cd = sides["charlie and dave"];
    const alicePeers = (await api.rpc.system.peers()).map((peer) => peer.peerId.toString());
    const charliePeers = (await charlie.api.rpc.system.peers()).map((peer) => peer.peerId.toString());
    if (alicePeers.some((id) => id === peerId(addressOf.charlie) || id === peerId(addressOf.dave)) ||
        charliePeers.length !== 1 || charliePeers[0] !== peerId(addressOf.dave))
      throw new Error(`not partitioned: alice's peers ${alicePeers.join(",")}, charlie's ${charliePeers.join(",")}`);
    for (const [name, side] of Object.entries(sides)) {
      if (side.best < splitBest + 2) throw new Error(`${name} authored no fork: best #${side.best}, split at #${splitBest}`);
      if (side.final > splitFinal + 1) throw new Error(`${name} finalised #${side.final} with two of four voters (split at #${splitFinal})`);
    }
    // Both forks hold blocks at the height both reached: different ones, above their last
    // common block.
    const both = Math.min(ab.best, cd.best);
    const forkHashes = { ab: await hashAt(api, both), cd: await hashAt(charlie.api, both) };
    if (forkHashes.ab === forkHashes.cd) throw new Error(`no fork: both halves hold ${forkHashes.ab} at #${both}`);
    let common = both - 1;
    while (common > splitFinal && (await hashAt(api, common)) !== (await hashAt(charlie.api, common))) common--;
    console.log(`partitioned: alice and bob at #${ab.best}, charlie and dave at #${cd.best}, forked after #${common}; finalised stays #${ab.final} / #${cd.final} (was #${splitFinal})`);

    // Healed: their own command lines again.
    const healedAt = Date.now();
    // (killNode returns the partitioned command lines: restart the ones from before.)
    await killNode(uri("charlie"), charlie);
    charlie = null;
    await killNode(uri("dave"), dave);
    dave = null;
    charlie = await startAgain(charlieKilled, "charlie-healed.log");
    dave = await startAgain(daveRestarted, "dave-healed.log");
    const settle = Math.max(ab.best, cd.best) + 2;
    const apis = { alice: api, charlie: charlie.api, dave: dave.api };
    const healed = await waitUntil(`all nodes finalise #${settle}, the same block`, async () => {
      const hashes = [];
      for (const each of Object.values(apis)) {
        if ((await finalisedNumber(each)) < settle) return null;
        hashes.push(await hashAt(each, settle));
      }
      return new Set(hashes).size === 1 ? hashes[0] : null;
    }, 180_000);
    const bobApi = await connect(uri("bob"));
    const bobHash = await hashAt(bobApi, settle).finally(() => bobApi.disconnect());
    if (bobHash !== healed) throw new Error(`bob finalised ${bobHash} at #${settle}, the others ${healed}`);
    const canonical = await hashAt(api, both);
    const kept = Object.keys(forkHashes).find((side) => forkHashes[side] === canonical);
    if (!kept) throw new Error(`#${both} is on neither fork after the heal`);
    const [keptName, reverted] = kept === "ab" ? ["alice and bob", cd.best - common] : ["charlie and dave", ab.best - common];
    console.log(`healed in ${seconds(healedAt)} s (restarts included): all four finalised #${settle} (${healed.slice(0, 12)}…); ${keptName}'s fork kept, the other's ${reverted} blocks reverted`);

    // 6. A fresh node syncs from genesis.
    const syncTarget = await finalisedNumber(api);
    const started = Date.now();
    fresh = await startFreshNode("ferdie-sync", api);
    await waitUntil(`the fresh node syncs to #${syncTarget}`, async () =>
      (await finalisedNumber(fresh.api)) >= syncTarget, 180_000);
    const took = (Date.now() - started) / 1000;
    console.log(`a fresh node synced ${syncTarget} blocks from genesis in ${took.toFixed(1)} s (${(syncTarget / took).toFixed(0)} blocks/s, node start included)`);
    await fresh.stop();
    fresh = null;

    // 7. A fresh node warp syncs.
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
    if (charlie) await charlie.stop();
    await api.disconnect();
  }
}

module.exports = { run };
