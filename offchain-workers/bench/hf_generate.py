"""PyTorch generation speed of a model exported with `aiblock-compute export-hf`, through
Hugging Face transformers' MixtralForCausalLM (eager attention, KV cache, sampling), the same
weights and sizes `aiblock-compute generate --batch B` runs.

Usage: hf_generate.py CHECKPOINT_DIR PROMPT NEW_TOKENS BATCH [BATCH...]
(threads from TORCH_THREADS, default 2)
"""
import os
import sys
import time

import torch
from transformers import MixtralForCausalLM

folder, prompt, new_tokens = sys.argv[1], sys.argv[2], int(sys.argv[3])
torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "2")))
model = MixtralForCausalLM.from_pretrained(folder, attn_implementation="eager", torch_dtype=torch.float32).eval()
ids = list(prompt.encode())
for batch in map(int, sys.argv[4:]):
    x = torch.tensor([ids] * batch)
    torch.manual_seed(0)
    with torch.no_grad():
        model.generate(x, max_new_tokens=4, do_sample=True, temperature=0.8, pad_token_id=0)  # warm-up
        start = time.perf_counter()
        out = model.generate(x, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=True,
                             temperature=0.8, top_k=0, pad_token_id=0)
        seconds = time.perf_counter() - start
    made = (out.shape[1] - len(ids)) * batch
    print(f"transformers {batch} sequences × {new_tokens} new tokens in {seconds:.2f} s: {made / seconds:.1f} new tokens/s")
