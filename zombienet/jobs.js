// Zombienet js-script step: a training job from end to end through the Jobs pallet, signed with
// @polkadot/api as clients and workers would from Polkadot.js. Root (Sudo) enters the job's
// dataset as approved, with Dave as its contributor. Eve posts a job and cancels it
// (full refund), posts another on layer0.expert1; Ferdie (trainer) accepts and submits a
// candidate with its claim sealed; the chain draws three evaluators (the validators' stash
// accounts), which commit (the commitments hashed here in JS must match the chain's); Ferdie
// reveals its claim, the evaluators reveal their attestations; the candidate is adopted:
// ExpertDag.Current points at it on another validator, Ferdie is paid the reward less the data
// contributors' share, and Dave that share, to the unit.
// Returns 1 on success; throws on any error.

const { Keyring } = require("@polkadot/keyring");
const { cryptoWaitReady, blake2AsU8a } = require("@polkadot/util-crypto");
const { u8aToHex } = require("@polkadot/util");
const { connectWithObserver, councilPasses, submit } = require("./chain.js");

const UNIT = 1_000_000_000_000n;
const BOND = 100n * UNIT; // MIN_WORKER_BOND
const EVALUATOR_FEE = UNIT;
const BUDGET = 50n * UNIT;
const SLOT = { Expert: { layer: 0, expert: 1 } };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function register(api, who, roles, vramGib) {
  await submit(api, api.tx.stake.bond(BOND), who);
  const capabilities = {
    gpuModel: vramGib > 0 ? "NVIDIA H100" : "",
    spec: { vramGib, gpuCount: vramGib > 0 ? 1 : 0, cpuCores: 2 },
  };
  await submit(api, api.tx.workers.registerWorker(capabilities, roles, "http://127.0.0.1:9000"), who);
}

// A raw-leaf CIDv1 (sha2-256) of `seed` repeated. Variable-length bytes go in as hex: a
// Uint8Array would be read as already SCALE-encoded.
function payload(seed) {
  const digest = new Uint8Array(32).fill(seed);
  return { cid: u8aToHex(Uint8Array.from([0x01, 0x55, 0x12, 32, ...digest])), hash: digest, size: 4096 };
}

async function freeOf(api, who, at) {
  const query = at ? await api.at(at) : api;
  return (await query.query.system.account(who)).data.free.toBigInt();
}

/// A job on model 0's expert SLOT (whose current block is `base`), trained on approved dataset
/// `dataset` (content `cid`) by one trainer and judged by three evaluators.
function jobSpec(base, dataset, cid) {
  return {
    model: 0,
    slots: [{ kind: SLOT, base }],
    datasets: [{ id: dataset, cid, parts: 1 }],
    allowExperimental: false,
    hyper: { hash: new Uint8Array(32).fill(1), learningRateMicros: 3000, batchSize: 16, seed: 42,
      checkpointEvery: 50 },
    steps: 300,
    trainers: 1,
    evaluators: 3,
    minVramGib: 16,
    windows: { accept: 100, submit: 100, commit: 20, reveal: 20 },
  };
}

async function run(nodeName, networkInfo) {
  await cryptoWaitReady();
  const { api, observer, observerName } = await connectWithObserver(nodeName, networkInfo);
  try {
    for (const call of ["postJob", "cancelJob", "acceptJob", "submitResult", "submitCandidate",
      "commitAttestation", "revealAttestation", "revealClaim"]) {
      if (!api.tx.jobs[call]) throw new Error(`api.tx.jobs.${call} is missing`);
    }
    const keyring = new Keyring({ type: "sr25519", ss58Format: 42 });
    const [eve, ferdie] = [keyring.addFromUri("//Eve"), keyring.addFromUri("//Ferdie")];
    const evaluators = ["//Alice//stash", "//Bob//stash", "//Charlie//stash"].map((u) =>
      keyring.addFromUri(u));
    await register(api, ferdie, { trainer: true, evaluator: false, auditor: false }, 80);
    await Promise.all(evaluators.map((e) =>
      register(api, e, { trainer: false, evaluator: true, auditor: false }, 0)));

    // The data: an approved dataset (the council enters it; `datasets.js` runs the whole
    // pipeline).
    const dave = keyring.addFromUri("//Dave");
    const data = payload(0xd0);
    const meta = { name: "jobs-corpus", version: { major: 1, minor: 0, patch: 0 }, license: "CC0-1.0",
      cid: data.cid, size: 1 << 20, merkleRoot: new Uint8Array(32).fill(0xd0), sampleHashes: [],
      derivedFrom: [] };
    const { events: entered } = await councilPasses(api,
      api.tx.datasets.registerApproved(meta, dave.address, "Gold"));
    const registered = entered.find(({ event }) => api.events.datasets.DatasetRegistered.is(event));
    if (!registered) throw new Error("no DatasetRegistered event");
    const dataset = registered.event.data.id.toNumber();

    const base = (await api.query.expertDag.current(0, SLOT)).unwrap();
    const baseScore = (await api.query.expertDag.blocks(base)).unwrap().score.unwrap().toNumber();
    const spec = jobSpec(base, dataset, data.cid);
    const posted = (events) => {
      const e = events.find(({ event }) => api.events.jobs.JobPosted.is(event));
      if (!e) throw new Error("no JobPosted event");
      return e.event.data;
    };

    // Posted and cancelled: everything held comes back; the posting fee does not.
    const postingFee = api.consts.jobs.postingFee.toBigInt();
    const deposit = api.consts.jobs.timeoutDeposit.toBigInt();
    const eveBefore = await freeOf(api, eve.address);
    const first = posted((await submit(api, api.tx.jobs.postJob(spec, BUDGET), eve)).events);
    const held = first.held.toBigInt();
    if (held !== BUDGET + BUDGET / 20n + deposit)
      throw new Error(`held ${held}, want budget + 5 % + the timeout deposit`);
    const { blockHash: cancelled } = await submit(api, api.tx.jobs.cancelJob(first.job), eve);
    const lost = eveBefore - await freeOf(api, eve.address, cancelled) - postingFee;
    if (lost < 0n || lost > UNIT / 10n) // only transaction fees besides the posting fee
      throw new Error(`cancel left Eve ${lost} short besides the posting fee`);

    // The real job.
    const job = posted((await submit(api, api.tx.jobs.postJob(spec, BUDGET), eve)).events).job;
    await submit(api, api.tx.jobs.acceptJob(job), ferdie);
    const measured = baseScore - 20_000;
    // The model revision the candidate was trained against: it is judged in exactly that state.
    const revision = (await api.query.expertDag.states(0)).revision.toNumber();
    // The claim is sealed: blake2-256 of SCALE(("aiblock/claim", trainer, manifest hash, score,
    // salt)), revealed once the evaluators have committed.
    const claimSalt = new Uint8Array(32).fill(4);
    const manifest = payload(0xa1);
    const sealed = blake2AsU8a(api.createType("([u8; 13], AccountId32, H256, u32, [u8; 32])",
      [new TextEncoder().encode("aiblock/claim"), ferdie.address, manifest.hash, measured, claimSalt]).toU8a(), 256);
    const { events: submitted } = await submit(
      api,
      api.tx.jobs.submitResult(job, [payload(0xc1)], sealed, manifest, new Uint8Array(32).fill(2), [], revision),
      ferdie,
    );
    const result = submitted.find(({ event }) => api.events.jobs.ResultSubmitted.is(event));
    const candidate = result.event.data.submission.candidates[0].toHex();

    let panel = [];
    for (let i = 0; i < 60 && panel.length < 3; i++) {
      const record = (await api.query.jobs.jobs(job)).unwrap();
      if (record.stage.isEvaluating) panel = record.stage.asEvaluating.panel.map((s) => s.evaluator.toString());
      if (panel.length < 3) await sleep(2000);
    }
    if (panel.length !== 3) throw new Error(`panel not drawn: ${panel}`);
    const signers = panel.map((who) => evaluators.find((e) => e.address === who));
    if (signers.some((s) => !s)) throw new Error(`unexpected evaluator in ${panel}`);

    const salt = new Uint8Array(32).fill(9);
    await Promise.all(signers.map((s) => {
      const preimage = api.createType("(u64, AccountId32, (u32, bool), [u8; 32])",
        [job, s.address, [measured, true], salt]).toU8a();
      return submit(api, api.tx.jobs.commitAttestation(job, blake2AsU8a(preimage, 256)), s);
    }));
    // A wrong seal would make this fail with jobs.CommitmentMismatch.
    const { events: revealed } = await submit(api, api.tx.jobs.revealClaim(job, measured, claimSalt), ferdie);
    if (!revealed.some(({ event }) => api.events.jobs.ClaimRevealed.is(event)))
      throw new Error("no ClaimRevealed event");
    const ferdieBefore = await freeOf(api, ferdie.address);
    const daveBefore = await freeOf(api, dave.address);
    const reveals = await Promise.all(signers.map((s) =>
      submit(api, api.tx.jobs.revealAttestation(job, measured, true, salt), s, "finalized")));
    // Codec structs keep their fields behind getters: pair records with blocks, do not spread.
    const finalized = reveals
      .flatMap((r) => r.events.map((record) => ({ event: record.event, blockHash: r.blockHash })))
      .find(({ event }) => api.events.jobs.JobFinalized.is(event));
    if (!finalized) throw new Error("no JobFinalized event");
    if (!finalized.event.data.adopted.isTrue) throw new Error(`not adopted: ${finalized.event.data}`);

    const current = (await observer.query.expertDag.current.at(finalized.blockHash, 0, SLOT)).unwrap();
    if (current.toHex() !== candidate)
      throw new Error(`${observerName}: Current is ${current.toHex()}, want ${candidate}`);
    // The network mints a learning reward for the adoption, on top of the poster's reward: sum
    // what each account was paid (the reveal that finalised the job carries the events).
    const learning = {};
    for (const r of reveals)
      for (const { event } of r.events)
        if (api.events.learningRewards.LearningRewardPaid.is(event)) {
          const who = event.data.who.toString();
          learning[who] = (learning[who] ?? 0n) + event.data.amount.toBigInt();
        }
    const learned = (address) => learning[address] ?? 0n;
    if (learned(ferdie.address) === 0n) throw new Error(`no learning reward for the trainer: ${JSON.stringify(learning, (_, v) => typeof v === "bigint" ? v.toString() : v)}`);
    const reward = BUDGET - 3n * EVALUATOR_FEE;
    // The data's contributor takes DataShare (parts per billion) of the reward, rounded down.
    const share = (reward * api.consts.jobs.dataShare.toBigInt()) / 1_000_000_000n;
    const ferdieAfter = await freeOf(observer, ferdie.address, finalized.blockHash);
    if (ferdieAfter - ferdieBefore !== reward - share + learned(ferdie.address))
      throw new Error(`Ferdie got ${ferdieAfter - ferdieBefore}, want ${reward - share + learned(ferdie.address)}`);
    const daveAfter = await freeOf(observer, dave.address, finalized.blockHash);
    if (daveAfter - daveBefore !== share + learned(dave.address))
      throw new Error(`Dave (the data's contributor) got ${daveAfter - daveBefore}, want ${share + learned(dave.address)}`);
    const credits = (await observer.query.polCredits.accounts.at(finalized.blockHash, ferdie.address)).free.toBigInt();
    if (credits < 100n) throw new Error(`Ferdie has ${credits} PoL credits, want the adoption's 100 or more`);
    console.log(`job ${job}: candidate ${candidate} adopted in ${finalized.blockHash}, Ferdie paid ` +
      `${reward - share} and a learning reward of ${learned(ferdie.address)}, the data's ` +
      `contributor ${share} and ${learned(dave.address)}; Ferdie holds ${credits} PoL credits`);
    return 1;
  } finally {
    await api.disconnect();
    await observer.disconnect();
  }
}

module.exports = { BUDGET, SLOT, jobSpec, payload, run };
