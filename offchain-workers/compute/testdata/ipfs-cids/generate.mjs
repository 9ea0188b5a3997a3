// Prints the CIDs `ipfs add --cid-version 1 --raw-leaves --chunker size-262144` (balanced layout,
// 174 links per node) gives the test contents of store.rs, as computed by the js-ipfs importer.
// Usage: npm ci && node generate.mjs > ../ipfs-cids.json
import { importer } from "ipfs-unixfs-importer";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import { MemoryBlockstore } from "blockstore-core/memory";

const CHUNK = 262144;
const sizes = [0, 1, 1000, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 17, 174 * CHUNK, 174 * CHUNK + 1, 177 * CHUNK + 5];

// Must match `test_content` in store.rs.
function content(size) {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + Math.floor(i / 256) * 7) & 0xff;
  return bytes;
}

const out = {};
for (const size of sizes) {
  const blockstore = new MemoryBlockstore();
  let root;
  for await (const entry of importer([{ content: content(size) }], blockstore, {
    cidVersion: 1,
    rawLeaves: true,
    chunker: fixedSize({ chunkSize: CHUNK }),
    layout: balanced({ maxChildrenPerNode: 174 }),
    reduceSingleLeafToSelf: true,
  })) {
    root = entry.cid.toString();
  }
  out[size] = root;
}
console.log(JSON.stringify(out, null, 2));
