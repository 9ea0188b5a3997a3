// Contracts over the Ethereum JSON-RPC, as a MetaMask or Hardhat user meets them: a one-validator
// dev chain (2 s blocks) with the eth-rpc adapter in front of it, driven with ethers.js only.
//
//   node zombienet/contracts.js        (AIBLOCK_NODE, AIBLOCK_ETH_RPC: the two binaries)
//
// 1. The endpoint: eth_chainId is the runtime's 0x414942; an Ethereum key funded from Alice's
//    sr25519 account (to the key's mapped account) shows the AIB as wei (x 10^6).
// 2. contracts/examples/TrainingFund.sol, compiled here with solc (npm, pinned) against
//    contracts/IAIBlock.sol, is deployed with eth_sendRawTransaction, paid into (its event read
//    from the receipt and with eth_getLogs), and reads the model through the AI-Block
//    precompile: the block it names is ExpertDag.Current's.
// 3. It posts a training job from its own balance through the precompile: the job is in Jobs
//    with the contract's account as poster, its escrow held from the contract, JobPosted logged
//    by the precompile; jobStatus says open; the steward withdraws it, the escrow comes back.
// 4. Bad input reverts with a readable reason and moves nothing: an unknown slot (UnknownSlot),
//    a budget above the fund's balance (InsufficientBalance, also as a mined transaction that
//    fails), a caller who is not the steward (the contract's own NotSteward error).
// Exits 0 on success; prints what failed otherwise.

const fs = require("fs");
const os = require("os");
const path = require("path");
const { execFileSync } = require("child_process");
const { ethers } = require("ethers");
const solc = require("solc");
const { Keyring } = require("@polkadot/keyring");
const { cryptoWaitReady } = require("@polkadot/util-crypto");
const { hexToU8a, u8aConcat, u8aToHex } = require("@polkadot/util");
const { councilPasses, submit } = require("./chain.js");
const { freePorts, runNode, runProcess } = require("./nodes.js");
const { SLOT, jobSpec, payload } = require("./jobs.js");

const UNIT = 10n ** 12n; // planck per AIB
const WEI_PER_PLANCK = 10n ** 6n;
const CHAIN_ID = 0x414942n;
const PRECOMPILE = "0x000000000000000000000000000000000A1B0000";
const root = path.join(__dirname, "..");

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
  console.log(`ok: ${what}`);
}

/// TrainingFund and the interface it imports, compiled with the pinned solc.
function compile() {
  const read = (p) => fs.readFileSync(path.join(root, "contracts", p), "utf8");
  const input = {
    language: "Solidity",
    sources: {
      "examples/TrainingFund.sol": { content: read("examples/TrainingFund.sol") },
      "IAIBlock.sol": { content: read("IAIBlock.sol") },
    },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors || []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const fund = output.contracts["examples/TrainingFund.sol"].TrainingFund;
  const iface = output.contracts["IAIBlock.sol"].IAIBlock;
  console.log(`compiled TrainingFund with solc ${solc.version()}: ${fund.evm.bytecode.object.length / 2} bytes`);
  return { fund, precompileAbi: iface.abi };
}

/// The 32-byte account of an Ethereum address: the address, then twelve 0xEE bytes.
function mappedAccount(address) {
  return u8aConcat(hexToU8a(address), new Uint8Array(12).fill(0xee));
}

/// A rejected promise's revert reason: Error(string)'s text or a custom error's name.
async function revertOf(promise) {
  try {
    await promise;
  } catch (error) {
    if (error.revert) return error.revert.name === "Error" ? error.revert.args[0] : error.revert.name;
    if (error.reason) return error.reason;
    throw error;
  }
  throw new Error("expected a revert, the call succeeded");
}

async function startChain(work) {
  const node = process.env.AIBLOCK_NODE;
  const adapter = process.env.AIBLOCK_ETH_RPC;
  if (!node || !adapter) throw new Error("set AIBLOCK_NODE and AIBLOCK_ETH_RPC");
  const spec = path.join(work, "dev-2s-raw.json");
  execFileSync(path.join(root, "chain-specs", "with-block-time.sh"), ["dev", "2000", spec],
    { env: { ...process.env, AIBLOCK_NODE: node }, stdio: "inherit" });
  const [p2p, rpc, eth] = await freePorts(3);
  const chain = await runNode([node, "--chain", spec, "--alice", "--validator", "--force-authoring",
    "--base-path", path.join(work, "node"), "--unsafe-force-node-key-generation",
    "--port", String(p2p), "--rpc-port", String(rpc), "--no-prometheus"],
  rpc, path.join(work, "node.log"));
  // In memory, the last 256 blocks: the node keeps 256 blocks of state by default.
  const rpcAdapter = await runProcess([adapter, "--node-rpc-url", `ws://127.0.0.1:${rpc}`,
    "--rpc-port", String(eth), "--eth-pruning", "256", "--no-prometheus",
    "--base-path", path.join(work, "eth-rpc")],
  eth, path.join(work, "eth-rpc.log"));
  return { chain, rpcAdapter, ethUrl: `http://127.0.0.1:${eth}` };
}

async function run(api, ethUrl) {
  const provider = new ethers.JsonRpcProvider(ethUrl, undefined, { pollingInterval: 500 });
  const keyring = new Keyring({ type: "sr25519" });
  const alice = keyring.addFromUri("//Alice");

  // 1. The endpoint and an Ethereum account funded from Substrate.
  check((await provider.getNetwork()).chainId === CHAIN_ID, "eth_chainId is 0x414942 (\"AIB\")");
  const wallet = ethers.Wallet.createRandom().connect(provider);
  const stranger = ethers.Wallet.createRandom().connect(provider);
  for (const key of [wallet, stranger]) {
    await submit(api, api.tx.balances.transferKeepAlive(mappedAccount(key.address), 1000n * UNIT), alice);
  }
  // A wallet sees what it can spend: the balance less the existential deposit, in wei.
  const ed = api.consts.balances.existentialDeposit.toBigInt();
  check(await provider.getBalance(wallet.address) === (1000n * UNIT - ed) * WEI_PER_PLANCK,
    "1,000 AIB sent to the key's mapped account show in wei (x 10^6), less the existential deposit");
  const { gasPrice } = await provider.getFeeData();
  const transferGas = await provider.estimateGas({ from: wallet.address, to: stranger.address, value: 1n });
  console.log(`gas price ${gasPrice / 10n ** 9n} gwei; a plain transfer estimates ${transferGas} gas`);

  // 2. Deploy, pay in, read the model.
  const { fund: compiled, precompileAbi } = compile();
  const factory = new ethers.ContractFactory(compiled.abi, compiled.evm.bytecode.object, wallet);
  const fund = await factory.deploy();
  const deployment = await fund.deploymentTransaction().wait();
  check(deployment.status === 1 && (await provider.getCode(await fund.getAddress())).length > 2,
    `TrainingFund deployed at ${await fund.getAddress()} in block ${deployment.blockNumber} (${deployment.gasUsed} gas)`);
  check((await fund.steward()) === wallet.address, "its steward is the deployer");
  const fundAddress = await fund.getAddress();
  const paid = await (await wallet.sendTransaction({ to: fundAddress, value: 200n * UNIT * WEI_PER_PLANCK })).wait();
  const contributed = paid.logs.map((l) => fund.interface.parseLog(l)).find((l) => l?.name === "Contributed");
  check(contributed && contributed.args.amount === 200n * UNIT * WEI_PER_PLANCK,
    "paying 200 AIB in emits Contributed (from the receipt)");
  const logs = await provider.getLogs({ address: fundAddress, fromBlock: deployment.blockNumber, toBlock: paid.blockNumber,
    topics: [fund.interface.getEvent("Contributed").topicHash] });
  check(logs.length === 1 && logs[0].transactionHash === paid.hash, "eth_getLogs finds the Contributed log");

  const base = (await api.query.expertDag.current(0, SLOT)).unwrap();
  const named = await fund.expertBlock(0, SLOT.Expert.layer, SLOT.Expert.expert);
  check(named === base.toHex(), "the precompile names ExpertDag.Current's block for layer0.expert1");

  // 3. A job paid by the contract.
  const data = payload(0xc0);
  const meta = { name: "contracts-corpus", version: { major: 1, minor: 0, patch: 0 }, license: "CC0-1.0",
    cid: data.cid, size: 1 << 20, merkleRoot: new Uint8Array(32).fill(0xc0), sampleHashes: [], derivedFrom: [] };
  const { events } = await councilPasses(api, api.tx.datasets.registerApproved(meta, alice.address, "Gold"));
  const dataset = events.find(({ event }) => api.events.datasets.DatasetRegistered.is(event)).event.data.id.toNumber();
  const spec = { ...jobSpec(base, dataset, data.cid), minVramGib: 0 };
  // The SCALE encoding of the JobSpec, as the precompile takes it.
  const encoded = api.tx.jobs.postJob(spec, 0).method.args[0].toU8a();
  const budget = 50n * UNIT * WEI_PER_PLANCK;

  const nextJob = (await api.query.jobs.nextJobId()).toBigInt();
  const fundBefore = await provider.getBalance(fundAddress);
  const sponsored = await (await fund.sponsor(encoded, budget)).wait();
  console.log(`sponsor (a job posted through the precompile): ${sponsored.gasUsed} gas`);
  const job = await api.query.jobs.jobs(nextJob);
  const contractAccount = u8aToHex(mappedAccount(fundAddress));
  check(job.isSome && job.unwrap().poster.toHex() === contractAccount,
    `job ${nextJob} is in Jobs, posted by the contract's account`);
  const at = await api.rpc.chain.getBlockHash(sponsored.blockNumber);
  const jobPosted = (await api.query.system.events.at(at))
    .find(({ event }) => api.events.jobs.JobPosted.is(event) && event.data.job.toBigInt() === nextJob);
  const held = (await api.query.balances.holds(contractAccount))
    .reduce((sum, h) => sum + (h.id.toString().includes("Escrow") ? h.amount.toBigInt() : 0n), 0n);
  check(jobPosted && held === jobPosted.event.data.held.toBigInt() && held > 50n * UNIT,
    `its escrow (${held / UNIT} AIB) is held from the contract, as Jobs.JobPosted says`);
  check(await provider.getBalance(fundAddress) < fundBefore - budget, "the contract's spendable balance fell by more than the budget");
  const precompile = new ethers.Interface(precompileAbi);
  const posted = sponsored.logs.filter((l) => l.address.toLowerCase() === PRECOMPILE.toLowerCase())
    .map((l) => precompile.parseLog(l));
  check(posted.length === 1 && posted[0].name === "JobPosted" && posted[0].args.job === nextJob
    && posted[0].args.poster === fundAddress && posted[0].args.budget === budget,
  "the precompile logged JobPosted(job, the contract, budget)");
  const sponsoredEvent = sponsored.logs.map((l) => fund.interface.parseLog(l)).find((l) => l?.name === "Sponsored");
  check(sponsoredEvent && sponsoredEvent.args.job === nextJob, "the contract logged Sponsored(job)");
  const [stage, outcome] = await fund.status(nextJob);
  check(stage === 1n && outcome === 0n, "jobStatus: open");

  // 4. Refusals: a reason, and nothing moves.
  const count = await fund.jobCount();
  const unknownSlot = api.tx.jobs.postJob({ ...spec, slots: [{ kind: { Expert: { layer: 0, expert: 999 } }, base }] }, 0)
    .method.args[0].toU8a();
  check(await revertOf(fund.sponsor.staticCall(unknownSlot, budget)) === "UnknownSlot", "an unknown slot reverts UnknownSlot");
  check(await revertOf(fund.sponsor.staticCall(encoded, 10_000n * UNIT * WEI_PER_PLANCK)) === "InsufficientBalance",
    "a budget above the fund's balance reverts InsufficientBalance");
  check(await revertOf(fund.connect(stranger).sponsor.staticCall(encoded, budget)) === "NotSteward",
    "a stranger is refused by the contract's own NotSteward");
  const balanceBefore = await provider.getBalance(fundAddress);
  const failing = await fund.sponsor(encoded, 10_000n * UNIT * WEI_PER_PLANCK, { gasLimit: 5_000_000n });
  const failed = await failing.wait().then(() => null, (error) => error.receipt);
  check(failed && failed.status === 0, "the same call sent as a transaction is mined and fails (status 0)");
  check(await provider.getBalance(fundAddress) === balanceBefore
    && (await api.query.jobs.nextJobId()).toBigInt() === nextJob + 1n && (await fund.jobCount()) === count,
  "the failed transaction moved nothing: same balance, no job, no record");

  // The steward takes the job back: the escrow returns to the contract.
  const withdrawn = await (await fund.withdraw(nextJob)).wait();
  const refund = withdrawn.logs.map((l) => fund.interface.parseLog(l)).find((l) => l?.name === "Withdrawn");
  check(refund && refund.args.refunded === held * WEI_PER_PLANCK, "withdraw returns the whole escrow");
  const [stageAfter, outcomeAfter] = await fund.status(nextJob);
  check(stageAfter === 4n && outcomeAfter === 5n, "jobStatus: ended, cancelled");
}

async function main() {
  await cryptoWaitReady();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "aiblock-contracts-"));
  let chain = null, rpcAdapter = null, ok = false;
  const started = Date.now();
  try {
    const network = await startChain(work);
    ({ chain, rpcAdapter } = network);
    await run(chain.api, network.ethUrl);
    ok = true;
    console.log(`contracts: all checks passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    if (rpcAdapter) await rpcAdapter.stop();
    if (chain) await chain.stop();
    if (ok) fs.rmSync(work, { recursive: true, force: true });
    else console.log(`logs kept in ${work}`);
  }
}

main().then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });
