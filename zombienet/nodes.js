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

/// A free local TCP port.
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
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

/// Run `argv` (an aiblock-node command line) with its output in `logFile`; resolves once its RPC
/// on `rpcPort` answers, to `{ child, api, provider, stop }`.
async function runNode(argv, rpcPort, logFile) {
  const log = fs.openSync(logFile, "a");
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", log, log] });
  console.log(`started ${path.basename(argv[0])} (pid ${child.pid}, log ${logFile})`);
  let provider = null;
  let api = null;
  const stop = async () => {
    if (api) await api.disconnect().catch(() => {});
    if (child.exitCode === null) child.kill("SIGKILL");
  };
  try {
    await waitUntil(`the node on RPC port ${rpcPort} listens`, () => portOpen(rpcPort), 60_000);
    provider = new WsProvider(`ws://127.0.0.1:${rpcPort}`);
    api = await ApiPromise.create({ provider, noInitWarn: true });
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, api, provider, stop };
}

/// A new node from $AIBLOCK_CHAIN_SPEC with a fresh base path (no database), bootnode `bootApi`'s
/// node; `extra` adds arguments (e.g. `--validator`).
async function startFreshNode(name, bootApi, extra = []) {
  const node = process.env.AIBLOCK_NODE;
  const spec = process.env.AIBLOCK_CHAIN_SPEC;
  if (!node || !spec) throw new Error("AIBLOCK_NODE and AIBLOCK_CHAIN_SPEC must be set");
  const base = fs.mkdtempSync(path.join(os.tmpdir(), `aiblock-${name}-`));
  const [p2p, rpc] = [await freePort(), await freePort()];
  const argv = [
    node, "--chain", spec, "--base-path", base, "--name", name,
    "--port", String(p2p), "--rpc-port", String(rpc), "--no-prometheus",
    "--unsafe-force-node-key-generation", "--bootnodes", await bootnodeOf(bootApi), ...extra,
  ];
  return runNode(argv, rpc, path.join(base, `${name}.log`));
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

module.exports = { commandLine, flagValue, runNode, startFreshNode };
