"""Validation loss of a nanoGPT shakespeare-char checkpoint over the WHOLE validation split, cut
into consecutive windows exactly as `aiblock-compute lm-train` evaluates (each window of
`block_size` characters predicts the character after each of its positions), so both figures
cover the same 111,488 predictions. nanoGPT's own "val loss" averages 20 random batches.

Usage: nanogpt_eval.py NANOGPT_DIR CHECKPOINT_DIR   (threads from TORCH_THREADS, default 2)
"""
import os
import sys

import numpy as np
import torch

nanogpt, out_dir = sys.argv[1], sys.argv[2]
sys.path.insert(0, nanogpt)
from model import GPT, GPTConfig  # noqa: E402  (nanoGPT's model.py)

torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "2")))
ckpt = torch.load(os.path.join(out_dir, "ckpt.pt"), map_location="cpu")
model = GPT(GPTConfig(**ckpt["model_args"]))
state = {k.removeprefix("_orig_mod."): v for k, v in ckpt["state_dict" if "state_dict" in ckpt else "model"].items()}
model.load_state_dict(state)
model.eval()
block = ckpt["model_args"]["block_size"]
val = np.memmap(os.path.join(nanogpt, "data", "shakespeare_char", "val.bin"), dtype=np.uint16, mode="r")
val = torch.from_numpy(val.astype(np.int64))
windows = (len(val) - 1) // block
total, count = 0.0, 0
with torch.no_grad():
    for first in range(0, windows, 16):
        n = min(16, windows - first)
        x = val[first * block:(first + n) * block].view(n, block)
        y = val[first * block + 1:(first + n) * block + 1].view(n, block)
        logits, _ = model(x, y)
        loss = torch.nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), y.reshape(-1), reduction="sum")
        total += loss.item()
        count += y.numel()
print(f"nanoGPT (iter {ckpt['iter_num']}): validation loss {total / count:.4f} nats/char over the whole split "
      f"({count} predictions, windows of {block})")
