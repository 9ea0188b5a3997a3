// Zombienet js-script step: a worker's life through the Stake and Workers pallets, signed with
// @polkadot/api as a worker operator would do it from Polkadot.js. Dave bonds the minimum worker
// bond, registers as trainer and evaluator, is refused a second registration with the pallet's
// typed error, sends a heartbeat, and another validator sees him on the trainer list; then he
// deregisters and starts unbonding. Returns 1 on success; throws on any error.

const { Keyring } = require("@polkadot/keyring");
const { cryptoWaitReady } = require("@polkadot/util-crypto");
const { connectWithObserver, submit } = require("./chain.js");

const UNIT = 1_000_000_000_000n;
const BOND = 100n * UNIT; // MIN_WORKER_BOND in the runtime

async function run(nodeName, networkInfo) {
  await cryptoWaitReady();
  const { api, observer, observerName } = await connectWithObserver(nodeName, networkInfo);
  try {
    const dave = new Keyring({ type: "sr25519", ss58Format: 42 }).addFromUri("//Dave");
    const capabilities = {
      gpuModel: "NVIDIA H100 80GB HBM3",
      spec: { vramGib: 80, gpuCount: 1, cpuCores: 16 },
    };
    const roles = { trainer: true, evaluator: true, auditor: false };
    const register = () =>
      api.tx.workers.registerWorker(capabilities, roles, "/ip4/127.0.0.1/tcp/4001");

    await submit(api, api.tx.stake.bond(BOND), dave);
    const ledger = (await api.query.stake.ledgers(dave.address)).unwrap();
    if (ledger.active.toBigInt() !== BOND) throw new Error(`active stake ${ledger.active}`);

    const { events } = await submit(api, register(), dave);
    if (!events.some(({ event }) => api.events.workers.WorkerRegistered.is(event)))
      throw new Error("no WorkerRegistered event");

    let refused = null;
    try {
      await submit(api, register(), dave);
    } catch (e) {
      refused = e.module;
    }
    if (refused !== "workers.AlreadyRegistered")
      throw new Error(`second registration: expected workers.AlreadyRegistered, got ${refused}`);

    const { blockHash } = await submit(api, api.tx.workers.heartbeat(), dave, "finalized");
    const info = (await observer.query.workers.workers.at(blockHash, dave.address)).unwrap();
    if (!info.online.isTrue || info.capabilities.spec.vramGib.toNumber() !== 80)
      throw new Error(`${observerName} sees ${info.toString()}`);
    const trainers = await observer.query.workers.onlineByRole.at(blockHash, "Trainer");
    if (!trainers.some((entry) => entry.who.toString() === dave.address))
      throw new Error(`${observerName} does not list Dave as a trainer`);
    console.log(`Dave registered, heartbeat finalised in ${blockHash}`);

    await submit(api, api.tx.workers.deregisterWorker(), dave);
    const { events: unbonded } = await submit(api, api.tx.stake.unbond(BOND), dave, "finalized");
    if (!unbonded.some(({ event }) => api.events.stake.Unbonded.is(event)))
      throw new Error("no Unbonded event");
    return 1;
  } finally {
    await api.disconnect();
    await observer.disconnect();
  }
}

module.exports = { run };
