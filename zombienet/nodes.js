// Extra nodes beside zombienet's: started from the network's chain spec by a js-script step (a
// validator that joins, a node that syncs from scratch, a validator restarted with its
// database), each with its own log, RPC connection and clean stop.

const { spawn } = require("child_process");
const fs = require("fs");
const net = require("net");
const os = require("os");
const path = require("path");
const { ApiPromise, WsProvider } = require("@polkadot/api");
const { waitUntil } = require("./chain.js");

/// `count` distinct free local TCP ports (all held open until every one is known, so that two
/// calls cannot return the same port).
async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      await new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", resolve);
      });
      servers.push(server);
    }
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/// Whether `child` has not exited (a process killed by a signal keeps a null exit code).
function isRunning(child) {
  return child.exitCode === null && child.signalCode === null;
}

/// Every node started here, killed if the step (or zombienet) exits before stopping it.
const running = new Set();
process.on("exit", () => {
  for (const child of running) if (isRunning(child)) child.kill("SIGKILL");
});

/// Resolves to `promise`'s value, or rejects after `ms` with `what` in the message.
function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/// Whether something accepts TCP connections on local `port`.
function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("error", () => resolve(false));
  });
}

/// The loopback address other nodes reach the node behind `api` at.
async function bootnodeOf(api) {
  const listen = (await api.rpc.system.localListenAddresses()).map(String);
  const boot = listen.find((a) => a.startsWith("/ip4/127.0.0.1/tcp/"));
  if (!boot) throw new Error(`no loopback listen address: ${listen.join(", ")}`);
  return boot;
}

/// Run `argv` with its output in `logFile`; resolves once something listens on local `port`, to
/// `{ child, stop, logFile }`; `stop` kills it and removes `removeOnStop` (a folder) if given.
/// `onStop` runs first (e.g. disconnecting a client).
async function runProcess(argv, port, logFile, removeOnStop = null, onStop = async () => {}) {
  const log = fs.openSync(logFile, "a");
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", log, log] });
  running.add(child);
  console.log(`started ${path.basename(argv[0])} (pid ${child.pid}, log ${logFile})`);
  const stop = async () => {
    await onStop().catch(() => {});
    if (isRunning(child)) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }
    running.delete(child);
    if (removeOnStop) fs.rmSync(removeOnStop, { recursive: true, force: true });
  };
  try {
    await waitUntil(`${path.basename(argv[0])} listens on port ${port}`,
      () => isRunning(child) ? portOpen(port) : Promise.reject(
        new Error(`${path.basename(argv[0])} exited (${child.exitCode ?? child.signalCode}); see ${logFile}`)),
      60_000);
    return { child, stop, logFile };
  } catch (error) {
    await stop();
    throw error;
  }
}

/// Run `argv` (an aiblock-node command line) as `runProcess` does; resolves once its RPC on
/// `rpcPort` answers, to `{ child, api, provider, stop, logFile }`.
async function runNode(argv, rpcPort, logFile, removeOnStop = null) {
  let api = null;
  const node = await runProcess(argv, rpcPort, logFile, removeOnStop,
    async () => { if (api) await api.disconnect(); });
  try {
    const provider = new WsProvider(`ws://127.0.0.1:${rpcPort}`);
    api = await withTimeout(ApiPromise.create({ provider, noInitWarn: true }), 60_000,
      `connecting to the node on RPC port ${rpcPort}`);
    return { ...node, api, provider };
  } catch (error) {
    await node.stop();
    throw error;
  }
}

/// A new node from $AIBLOCK_CHAIN_SPEC with a fresh base path (no database), bootnode `bootApi`'s
/// node; `extra` adds arguments (e.g. `--validator`).
async function startFreshNode(name, bootApi, extra = []) {
  const node = process.env.AIBLOCK_NODE;
  const spec = process.env.AIBLOCK_CHAIN_SPEC;
  if (!node || !spec) throw new Error("AIBLOCK_NODE and AIBLOCK_CHAIN_SPEC must be set");
  const base = fs.mkdtempSync(path.join(os.tmpdir(), `aiblock-${name}-`));
  const [p2p, rpc] = await freePorts(2);
  const argv = [
    node, "--chain", spec, "--base-path", base, "--name", name,
    "--port", String(p2p), "--rpc-port", String(rpc), "--no-prometheus",
    "--unsafe-force-node-key-generation", "--bootnodes", await bootnodeOf(bootApi), ...extra,
  ];
  // Its base path goes with it (the log is kept only when the step fails and leaves it).
  return runNode(argv, rpc, path.join(base, `${name}.log`), base);
}

/// The command line of process `pid` (Linux).
function commandLine(pid) {
  return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "");
}

/// The value of `--flag` in `argv`.
function flagValue(argv, flag) {
  const at = argv.indexOf(flag);
  if (at >= 0 && at + 1 < argv.length) return argv[at + 1];
  const joined = argv.find((a) => a.startsWith(`${flag}=`));
  return joined ? joined.slice(flag.length + 1) : null;
}

module.exports = { bootnodeOf, commandLine, flagValue, freePorts, runNode, runProcess, startFreshNode };
