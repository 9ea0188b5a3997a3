// Zombienet js-script step: the genesis models as a Polkadot.js user sees them. The ParamIndex
// (`ExpertDag.Current`) holds every slot of model 0 (the byte model) and model 1 (the
// Shakespeare transformer) with the CIDs of `chain-specs/genesis-models.json`; the
// `ExpertDagApi` runtime API returns the same set; a signed account cannot register a model
// version (only governance), and the council (three of the four operators) registers a PATCH
// version of the latest, which another validator then sees. Returns 1 on success; throws on any error.

const fs = require("fs");
const path = require("path");
const { Keyring } = require("@polkadot/keyring");
const { cryptoWaitReady } = require("@polkadot/util-crypto");
const { u8aToHex } = require("@polkadot/util");
const { connectWithObserver, councilPasses, submit } = require("./chain.js");

async function run(nodeName, networkInfo) {
  await cryptoWaitReady();
  const models = JSON.parse(
    fs.readFileSync(path.join(__dirname, "../chain-specs/genesis-models.json"), "utf8"),
  );
  const { api, observer, observerName } = await connectWithObserver(nodeName, networkInfo);
  try {
    for (const [index, genesis] of models.entries()) {
      const entries = await api.query.expertDag.current.entries(index);
      if (entries.length !== genesis.blocks.length)
        throw new Error(`Current has ${entries.length} slots of model ${index}, want ${genesis.blocks.length}`);
      const expectedCids = new Set(genesis.blocks.map((b) => u8aToHex(Uint8Array.from(b.payload.cid))));
      for (const [, slot] of entries) {
        const id = slot.unwrap();
        const record = (await api.query.expertDag.blocks(id)).unwrap();
        if (!record.status.isAccepted) throw new Error(`${id} is ${record.status}`);
        const cid = record.header.payload.cid.toHex();
        if (!expectedCids.has(cid)) throw new Error(`block ${id} has unexpected CID ${cid}`);
      }
    }
    const genesis = models[0];

    const viaApi = await api.call.expertDagApi.currentBlocks(0);
    if (viaApi.length !== genesis.blocks.length)
      throw new Error(`ExpertDagApi.current_blocks returned ${viaApi.length} blocks`);
    const [kind] = viaApi[2];
    if (!kind.isExpert || kind.asExpert.layer.toNumber() !== 0)
      throw new Error(`third slot is ${kind.toString()}, want layer 0 expert 0`);

    const transformer = await api.call.expertDagApi.currentBlocks(1);
    if (transformer.length !== models[1].blocks.length || !transformer[1][0].isAttention)
      throw new Error(`model 1's second slot is ${transformer[1] && transformer[1][0]}, want layer 0 attention`);

    const model = (await api.query.expertDag.models(1)).unwrap();
    const patch = { ...model.spec.toJSON(), version: { major: 2, minor: 0, patch: 1 } };
    const keyring = new Keyring({ type: "sr25519", ss58Format: 42 });
    const eve = keyring.addFromUri("//Eve");

    let refused = null;
    try {
      await submit(api, api.tx.expertDag.registerModel(patch, null), eve);
    } catch (e) {
      refused = e.message;
    }
    if (!refused || !refused.includes("BadOrigin"))
      throw new Error(`a signed registerModel: expected BadOrigin, got ${refused}`);

    const { blockHash, events } = await councilPasses(api, api.tx.expertDag.registerModel(patch, null), "finalized");
    if (!events.some(({ event }) => api.events.expertDag.ModelRegistered.is(event)))
      throw new Error("no ModelRegistered event");
    const count = await observer.query.expertDag.modelCount.at(blockHash);
    if (count.toNumber() !== 3) throw new Error(`${observerName} sees ${count} model versions`);
    console.log(
      `model 2.0.1 registered in ${blockHash}; genesis models have ${models[0].blocks.length} and ${models[1].blocks.length} blocks`,
    );
    return 1;
  } finally {
    await api.disconnect();
    await observer.disconnect();
  }
}

module.exports = { run };
