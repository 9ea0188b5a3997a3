// Zombienet js-script step: the worker's privileged calls on a network without a sudo key. Bob,
// a council member, runs `aiblock-worker dataset register`: the worker proposes the registration
// as a council motion (three of four seats) with his aye and prints it; Charlie and Dave vote
// aye from @polkadot/api, as they would in Polkadot.js Apps; Alice closes the motion and the
// dataset is registered. Eve, who holds no seat, is refused before anything is sent.
// Returns 1 on success; throws on any error.

const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { Keyring } = require("@polkadot/keyring");
const { cryptoWaitReady } = require("@polkadot/util-crypto");
const { connect, submit } = require("./chain.js");

/// Runs the worker binary with `args`; resolves to `{ status, stdout, stderr }`.
function worker(args) {
  const binary = process.env.AIBLOCK_WORKER;
  if (!binary || !fs.existsSync(binary)) throw new Error(`AIBLOCK_WORKER: no worker at ${binary}`);
  try {
    const stdout = execFileSync(binary, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
    return { status: 0, stdout, stderr: "" };
  } catch (e) {
    return { status: e.status, stdout: e.stdout || "", stderr: e.stderr || "" };
  }
}

async function run(nodeName, networkInfo) {
  await cryptoWaitReady();
  const wsUri = networkInfo.nodesByName[nodeName].wsUri;
  const api = await connect(wsUri);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aiblock-council-"));
  try {
    const keyring = new Keyring({ type: "sr25519" });
    const [alice, charlie, dave] = ["//Alice", "//Charlie", "//Dave"].map((u) => keyring.addFromUri(u));
    const file = path.join(dir, "council-corpus.txt");
    fs.writeFileSync(file, "Entered as approved by a council motion the worker proposed.\n".repeat(64));
    const register = (suri) => worker(["dataset", "register", file, "--name", "council-corpus",
      "--license", "CC0-1.0", "--node", wsUri, "--suri", suri, "--dev", "--data-dir", dir]);

    const refused = register("//Eve");
    if (refused.status === 0 || !refused.stderr.includes("neither the sudo key nor a council member"))
      throw new Error(`Eve's register: exit ${refused.status}: ${refused.stderr}${refused.stdout}`);

    const proposed = register("//Bob");
    if (proposed.status !== 0) throw new Error(`Bob's register: exit ${proposed.status}: ${proposed.stderr}`);
    const printed = proposed.stdout.match(/council motion #(\d+) \((0x[0-9a-f]{64})\)/);
    if (!printed) throw new Error(`the worker did not print a motion: ${proposed.stdout}`);
    const [index, hash] = [Number(printed[1]), printed[2]];
    const votes = (await api.query.council.voting(hash)).unwrap();
    if (!votes.ayes.map(String).includes(keyring.addFromUri("//Bob").address))
      throw new Error(`Bob's aye is not on motion #${index}: ${votes.toString()}`);
    console.log(`the worker proposed motion #${index} with Bob's aye`);

    for (const member of [charlie, dave]) await submit(api, api.tx.council.vote(hash, index, true), member);
    const call = (await api.query.council.proposalOf(hash)).unwrap();
    const { weight } = await api.tx(call).paymentInfo(alice);
    const closed = await submit(api, api.tx.council.close(hash, index, weight, call.encodedLength), alice);
    const registered = closed.events.find(({ event }) => api.events.datasets.DatasetRegistered.is(event));
    if (!registered) throw new Error("closing the motion registered no dataset");
    console.log(`motion #${index} closed with three ayes: dataset ${registered.event.data.id} registered`);
    return 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await api.disconnect();
  }
}

module.exports = { run };
