// Zombienet js-script step: a fifth validator joins the running network from the chain spec
// alone, rotates its keys, and leaves, as the README's "Joining, rotating keys, leaving" says.
//
// 1. Eve's node starts from the network's chain spec ($AIBLOCK_CHAIN_SPEC, sessions of 10 blocks)
//    with its own base path, bootnode Alice, and syncs.
// 2. Her node makes session keys and their proof of ownership (`author_rotateKeysWithOwner`);
//    Eve signs `session.setKeys`; the council adds her (`validatorSet.addValidator`: Alice
//    proposes, three of the four operators vote aye, the motion is closed).
// 3. Within three sessions she is in `session.validators`, GRANDPA has five voters, her node
//    authors a block, and finality goes on.
// 4. She rotates her keys (again `author_rotateKeysWithOwner` + `session.setKeys`): Aura's
//    authorities then hold the new key, and blocks are still finalised.
// 5. The council removes her: four voters again, finality goes on. Her node is stopped.
// Returns 1 on success; throws on any error.

const { Keyring } = require("@polkadot/keyring");
const { u8aToHex } = require("@polkadot/util");
const { connect, councilPasses, finalisedNumber, submit, waitUntil } = require("./chain.js");
const { startFreshNode } = require("./nodes.js");


/// Finality advances by `blocks` blocks from now.
async function finalityGoesOn(api, blocks, why) {
  const from = await finalisedNumber(api);
  const to = await waitUntil(`finalised #${from + blocks} (${why})`, async () => {
    const now = await finalisedNumber(api);
    return now >= from + blocks ? now : null;
  });
  console.log(`finalised #${from} → #${to} (${why})`);
}

/// The finalised head's number and author: the validator whose turn its Aura slot was, among
/// the validators of its parent's state (as Aura counts them).
async function finalisedAuthor(api) {
  const hash = await api.rpc.chain.getFinalizedHead();
  const header = await api.rpc.chain.getHeader(hash);
  const validators = (await (await api.at(header.parentHash)).query.session.validators()).map(String);
  const pre = header.digest.logs.find((log) => log.isPreRuntime && log.asPreRuntime[0].toString() === "aura");
  if (!pre || validators.length === 0) return { number: header.number.toNumber(), author: null };
  const slot = api.createType("u64", pre.asPreRuntime[1]).toBigInt();
  return { number: header.number.toNumber(), author: validators[Number(slot % BigInt(validators.length))] };
}

/// Session keys and their ownership proof, made in the keystore of the node behind `api`.
async function rotateKeys(provider, owner) {
  const generated = await provider.send("author_rotateKeysWithOwner", [u8aToHex(owner)]);
  if (!generated || !generated.keys || !generated.proof) {
    throw new Error(`author_rotateKeysWithOwner returned ${JSON.stringify(generated)}`);
  }
  return generated;
}

async function setKeys(api, eve, generated) {
  // The runtime's SessionKeys type, by the name the metadata gives `session.setKeys`' argument.
  const keys = api.createType(api.tx.session.setKeys.meta.args[0].type.toString(), generated.keys);
  await submit(api, api.tx.session.setKeys(keys, generated.proof), eve);
  return keys;
}

async function run(nodeName, networkInfo) {
  const api = await connect(networkInfo.nodesByName[nodeName].wsUri);
  const keyring = new Keyring({ type: "sr25519" });
  const eve = keyring.addFromUri("//Eve");
  let eveNode = null;
  try {
    // 1. Eve's node, from the chain spec, with its own network key and keystore.
    eveNode = await startFreshNode("eve", api, ["--validator"]);
    const eveApi = eveNode.api;
    const tip = await finalisedNumber(api);
    await waitUntil(`eve's node syncs to #${tip}`, async () => (await finalisedNumber(eveApi)) >= tip);

    // 2. Keys with a proof, registered by Eve; the council adds her.
    const first = await setKeys(api, eve, await rotateKeys(eveNode.provider, eve.publicKey));
    await councilPasses(api, api.tx.validatorSet.addValidator(eve.address));
    const session = (await api.query.session.currentIndex()).toNumber();
    console.log(`eve added in session ${session}; sessions last ${(await api.query.validatorSet.sessionLength()).toString()} blocks`);

    // 3. She validates from the session after next.
    await waitUntil("eve in session.validators", async () =>
      (await api.query.session.validators()).map(String).includes(eve.address));
    const voters = await waitUntil("five GRANDPA voters", async () => {
      const list = await api.call.grandpaApi.grandpaAuthorities();
      return list.length === 5 ? list : null;
    });
    if (!voters.some(([id]) => id.eq(first.grandpa))) throw new Error("eve's GRANDPA key is not a voter");
    const authored = await waitUntil("a finalised block authored by eve", async () => {
      const { number, author } = await finalisedAuthor(api);
      return author === eve.address ? number : null;
    });
    console.log(`eve authored #${authored} with five voters`);
    await finalityGoesOn(api, 4, "with eve validating");

    // 4. Key rotation, no governance involved.
    const second = await setKeys(api, eve, await rotateKeys(eveNode.provider, eve.publicKey));
    if (second.aura.eq(first.aura)) throw new Error("rotation returned the same key");
    await waitUntil("eve's new Aura key in use", async () =>
      (await api.query.aura.authorities()).some((key) => key.eq(second.aura)));
    // Only her node holds the new key: a block in her slot shows it signs with it.
    const afterRotation = await finalisedNumber(api);
    const authoredAgain = await waitUntil("a finalised block authored by eve with her new key", async () => {
      const { number, author } = await finalisedAuthor(api);
      return author === eve.address && number > afterRotation ? number : null;
    });
    console.log(`eve's rotated keys are in use: she authored #${authoredAgain}`);
    await finalityGoesOn(api, 4, "after eve's key rotation");

    // 5. Removed by governance.
    await councilPasses(api, api.tx.validatorSet.removeValidator(eve.address));
    await waitUntil("four GRANDPA voters", async () =>
      (await api.call.grandpaApi.grandpaAuthorities()).length === 4);
    await finalityGoesOn(api, 4, "after eve left");
    return 1;
  } finally {
    if (eveNode) await eveNode.stop();
    await api.disconnect();
  }
}

module.exports = { run };
