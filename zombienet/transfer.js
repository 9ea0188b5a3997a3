// Zombienet js-script step: Alice signs a balance transfer to a fresh account with
// @polkadot/api, waits until GRANDPA finalises the block that includes it, and checks the new
// balance through another validator's RPC. Returns 1 on success; throws (failing the test) on
// any error.

const { Keyring } = require("@polkadot/keyring");
const { cryptoWaitReady, mnemonicGenerate } = require("@polkadot/util-crypto");
const { connect, submit } = require("./chain.js");

const AMOUNT = 1_234_000_000_000n; // 1.234 AIB (12 decimals)

async function run(nodeName, networkInfo) {
  await cryptoWaitReady();
  const names = Object.keys(networkInfo.nodesByName);
  const sender = await connect(networkInfo.nodesByName[nodeName].wsUri);
  const observerName = names.find((n) => n !== nodeName) || nodeName;
  const observer = await connect(networkInfo.nodesByName[observerName].wsUri);
  try {
    const props = sender.registry.getChainProperties();
    if (props.tokenSymbol.unwrap()[0].toString() !== "AIB")
      throw new Error(`unexpected token symbol ${props.tokenSymbol.toString()}`);

    const keyring = new Keyring({ type: "sr25519", ss58Format: 42 });
    const alice = keyring.addFromUri("//Alice");
    const recipient = keyring.addFromMnemonic(mnemonicGenerate());

    const transfer = sender.tx.balances.transferKeepAlive(recipient.address, AMOUNT);
    const { blockHash: finalizedIn } = await submit(sender, transfer, alice, "finalized");
    console.log(`transfer of ${AMOUNT} planck to ${recipient.address} finalised in ${finalizedIn}`);

    const { data } = await observer.query.system.account.at(finalizedIn, recipient.address);
    if (data.free.toBigInt() !== AMOUNT)
      throw new Error(`${observerName} sees ${data.free.toString()} planck, expected ${AMOUNT}`);
    return 1;
  } finally {
    await sender.disconnect();
    await observer.disconnect();
  }
}

module.exports = { run };
