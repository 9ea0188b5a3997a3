// Zombienet js-script step: a dataset through the whole Datasets pipeline from @polkadot/api, as
// Polkadot.js users would drive it. Root (Sudo) shortens the local testnet's windows (days) to a
// few blocks; Alice, Bob and Charlie register as auditors; Eve commits to a proposal (a salted
// hash computed here; a proposal without one is refused), then
// proposes the dataset with the proof of work solved here in JS (the hashes must be the chain's);
// the drawn panel commits to its
// reports (commitments hashed here) and reveals them; anyone moves the dataset on; the auditors
// vote it to Gold, Eve's own vote refused; the `datasets_*` RPC of another validator shows it
// approved; the council quarantines it and restores the windows.
// Returns 1 on success; throws on any error.

const { Keyring } = require("@polkadot/keyring");
const { cryptoWaitReady, blake2AsU8a, randomAsU8a } = require("@polkadot/util-crypto");
const { u8aConcat, u8aToHex, stringToU8a, bnToU8a } = require("@polkadot/util");
const { connectWithObserver, councilPasses, submit } = require("./chain.js");

const UNIT = 1_000_000_000_000n;
const BOND = 100n * UNIT; // MIN_WORKER_BOND
const SHORT = { auditCommitWindow: 6, auditRevealWindow: 6, votingWindow: 6, voteQuorum: 2 };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function bestNumber(api) {
  return (await api.rpc.chain.getHeader()).number.toNumber();
}

/// Wait until the best block is past `n`.
async function after(api, n) {
  for (let i = 0; i < 120 && (await bestNumber(api)) <= n; i++) await sleep(1000);
  if ((await bestNumber(api)) <= n) throw new Error(`block ${n} never passed`);
}

async function stageOf(api, id) {
  return (await api.query.datasets.datasets(id)).unwrap().stage;
}

/// The first nonce whose proof-of-work hash, blake2-256 of SCALE(("aiblock/dataset-pow/v1",
/// proposer, meta, nonce)), has `bits` leading zero bits.
function solvePow(proposer, metaU8a, bits) {
  const prefix = u8aConcat(stringToU8a("aiblock/dataset-pow/v1"), proposer, metaU8a);
  const full = Math.floor(bits / 8);
  const mask = 0xff << (8 - (bits % 8)) & 0xff;
  for (let nonce = 0; ; nonce++) {
    const hash = blake2AsU8a(u8aConcat(prefix, bnToU8a(nonce, { bitLength: 64, isLe: true })), 256);
    let ok = true;
    for (let i = 0; i < full && ok; i++) ok = hash[i] === 0;
    if (ok && mask) ok = (hash[full] & mask) === 0;
    if (ok) return nonce;
  }
}

/// What a proposer commits to before proposing: blake2-256 of SCALE(("aiblock/dataset-proposal/v1",
/// proposer, meta, salt)).
function proposalCommitment(proposer, metaU8a, salt) {
  return blake2AsU8a(u8aConcat(stringToU8a("aiblock/dataset-proposal/v1"), proposer, metaU8a, salt), 256);
}

/// Submits `tx` and checks that the chain refuses it with `module` (e.g. "datasets.X").
async function refused(api, tx, signer, module) {
  try {
    await submit(api, tx, signer);
  } catch (e) {
    if (e.module === module) return;
    throw e;
  }
  throw new Error(`accepted; expected ${module}`);
}

async function run(nodeName, networkInfo) {
  await cryptoWaitReady();
  const { api, observer, observerName } = await connectWithObserver(nodeName, networkInfo);
  try {
    for (const call of ["commitProposal", "proposeDataset", "commitAudit", "revealAudit", "vote", "advance",
      "quarantine", "registerApproved", "setParams"]) {
      if (!api.tx.datasets[call]) throw new Error(`api.tx.datasets.${call} is missing`);
    }
    const keyring = new Keyring({ type: "sr25519", ss58Format: 42 });
    const [alice, bob, charlie, eve] = ["//Alice", "//Bob", "//Charlie", "//Eve"].map((u) =>
      keyring.addFromUri(u));
    const auditors = [alice, bob, charlie];
    const defaults = (await api.query.datasets.params()).unwrap();
    await councilPasses(api, api.tx.datasets.setParams(SHORT));

    const roles = { trainer: false, evaluator: false, auditor: true };
    for (const who of auditors) {
      await submit(api, api.tx.stake.bond(BOND), who);
      await submit(api, api.tx.workers.registerWorker(
        { gpuModel: "", spec: { vramGib: 0, gpuCount: 0, cpuCores: 2 } }, roles,
        "http://127.0.0.1:9000"), who);
    }
    // Panels are drawn from auditors listed before the proposal's block.
    await after(api, await bestNumber(api));

    // The proposal, with its proof of work.
    const digest = new Uint8Array(32).fill(0xe0);
    const meta = { name: "zombienet-corpus", version: { major: 1, minor: 0, patch: 0 },
      license: "CC0-1.0", cid: u8aToHex(Uint8Array.from([0x01, 0x55, 0x12, 32, ...digest])),
      size: 1 << 20, merkleRoot: digest, sampleHashes: [], derivedFrom: [] };
    const salt = randomAsU8a(32);
    const metaU8a = api.tx.datasets.proposeDataset(meta, 0, salt).method.args[0].toU8a();
    const bits = api.consts.datasets.powDifficulty.toNumber();
    const started = Date.now();
    const nonce = solvePow(eve.publicKey, metaU8a, bits);
    console.log(`proof of work of ${bits} bits: nonce ${nonce} in ${(Date.now() - started) / 1000} s`);
    // Without a commitment from an earlier block, refused (a copier of a proposal seen in the
    // pool is in that position; the same-block refusal is tested in the runtime).
    await refused(api, api.tx.datasets.proposeDataset(meta, nonce, salt), eve,
      "datasets.ProposalNotCommitted");
    const commitment = proposalCommitment(eve.publicKey, metaU8a, salt);
    await submit(api, api.tx.datasets.commitProposal(commitment), eve, "finalized");
    try {
      await submit(api, api.tx.datasets.proposeDataset(meta, nonce + 1, salt), eve);
      // The next nonce may solve it too (1 in 2^bits): only a refusal is checked.
    } catch (e) {
      if (e.module !== "datasets.ProofOfWorkTooWeak") throw e;
    }
    const { events: proposedEvents } = await submit(api, api.tx.datasets.proposeDataset(meta, nonce, salt), eve);
    const proposed = proposedEvents.find(({ event }) => api.events.datasets.DatasetProposed.is(event));
    if (!proposed) throw new Error("no DatasetProposed event");
    const id = proposed.event.data.id.toNumber();

    // The panel, drawn the next block.
    let stage = await stageOf(api, id);
    for (let i = 0; i < 30 && !stage.isAuditing; i++) { await sleep(1000); stage = await stageOf(api, id); }
    if (!stage.isAuditing) throw new Error(`dataset ${id} not audited: ${stage}`);
    const { panel, commitUntil, revealUntil } = stage.asAuditing;
    const signers = panel.map((who) => auditors.find((a) => a.address === who.toString()));
    if (signers.length !== 3 || signers.some((s) => !s)) throw new Error(`unexpected panel ${panel}`);
    const report = { contentMatches: true, chunksChecked: 4, duplicatePpm: 0, piiPpm: 0, toxicityPpm: 0,
      license: "Allowed", learningValue: 1234 };
    const reportU8a = api.tx.datasets.revealAudit(id, report, new Uint8Array(32)).method.args[1].toU8a();
    const auditSalt = new Uint8Array(32).fill(3);
    // blake2-256 of SCALE(("aiblock/audit/v1", id, auditor, report, salt)).
    await Promise.all(signers.map((s) => {
      const preimage = u8aConcat(stringToU8a("aiblock/audit/v1"),
        bnToU8a(id, { bitLength: 32, isLe: true }), s.publicKey, reportU8a, auditSalt);
      return submit(api, api.tx.datasets.commitAudit(id, blake2AsU8a(preimage, 256)), s);
    }));
    await after(api, commitUntil.toNumber());
    // A wrong commitment would make this fail with datasets.CommitmentMismatch.
    await Promise.all(signers.map((s) => submit(api, api.tx.datasets.revealAudit(id, report, auditSalt), s)));
    await after(api, revealUntil.toNumber());
    await submit(api, api.tx.datasets.advance(id), eve);
    stage = await stageOf(api, id);
    if (!stage.isVoting) throw new Error(`dataset ${id} not open for votes: ${stage}`);

    // One worker, one vote; the proposer does not vote.
    try {
      await submit(api, api.tx.datasets.vote(id, true), eve);
      throw new Error("Eve voted on her own dataset");
    } catch (e) {
      if (e.module !== "datasets.OwnDataset") throw e;
    }
    await Promise.all(auditors.map((a) => submit(api, api.tx.datasets.vote(id, true), a)));
    await after(api, stage.asVoting.until.toNumber());
    const { blockHash } = await submit(api, api.tx.datasets.advance(id), eve, "finalized");

    // Another validator's RPC reports it approved, Gold, with the panel's median report.
    const view = await observer._rpcCore.provider.send("datasets_dataset", [id, blockHash]);
    if (view.stage !== "approved" || view.tier !== "gold" || view.audit.learningValue !== 1234)
      throw new Error(`${observerName}: datasets_dataset gives ${JSON.stringify(view)}`);

    // Governance takes it out.
    await councilPasses(api, api.tx.datasets.quarantine(id));
    stage = await stageOf(api, id);
    if (!stage.isQuarantined) throw new Error(`dataset ${id} not quarantined: ${stage}`);
    await councilPasses(api, api.tx.datasets.setParams(defaults));
    console.log(`dataset ${id}: proposed, audited, voted Gold (${view.ayes ?? 3} ayes), quarantined`);
    return 1;
  } finally {
    await api.disconnect();
    await observer.disconnect();
  }
}

module.exports = { run };
