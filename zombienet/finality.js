// Zombienet js-script step: finality survives one validator down. The local testnet has four
// GRANDPA voters, so a block is final once three of them vote for it (GRANDPA needs more than
// two thirds of the voters: it tolerates ⌊(n−1)/3⌋ faulty ones, one of four and none of three).
//
// The step freezes Dave's node (SIGSTOP: it stops voting and authoring, as a crashed or cut-off
// validator would), requires the finalised height seen by `nodeName` to advance by
// FINALISED_WHILE_DOWN blocks without him, then lets him go on (SIGCONT) and requires his node to
// catch up with the finalised head. Returns 1 on success; throws on any error.

const { connect, finalisedNumber, nodePids, signal, waitUntil } = require("./chain.js");

const STOPPED = "dave";
const FINALISED_WHILE_DOWN = 4;

async function run(nodeName, networkInfo) {
  const api = await connect(networkInfo.nodesByName[nodeName].wsUri);
  const stoppedUri = networkInfo.nodesByName[STOPPED].wsUri;
  let pids = [];
  try {
    const voters = await api.call.grandpaApi.grandpaAuthorities();
    if (voters.length !== 4) throw new Error(`${voters.length} GRANDPA voters, expected 4`);

    pids = nodePids(stoppedUri);
    signal(pids, "SIGSTOP");
    const atStop = await finalisedNumber(api);
    console.log(`${STOPPED} stopped (pids ${pids.join(",")}) at finalised #${atStop}`);
    const reached = await waitUntil(
      `finalised height ${atStop + FINALISED_WHILE_DOWN} without ${STOPPED}`,
      async () => {
        const now = await finalisedNumber(api);
        return now >= atStop + FINALISED_WHILE_DOWN ? now : null;
      },
    );
    console.log(`finalised #${reached} with ${STOPPED} down: three of four voters suffice`);

    signal(pids, "SIGCONT");
    pids = [];
    const stopped = await connect(stoppedUri);
    try {
      const caughtUp = await waitUntil(`${STOPPED} catches up with #${reached}`, async () => {
        const now = await finalisedNumber(stopped);
        return now >= reached ? now : null;
      });
      console.log(`${STOPPED} resumed and finalised #${caughtUp}`);
    } finally {
      await stopped.disconnect();
    }
    return 1;
  } finally {
    // Never leave a validator frozen, whatever failed.
    if (pids.length > 0) signal(pids, "SIGCONT");
    await api.disconnect();
  }
}

module.exports = { run };
