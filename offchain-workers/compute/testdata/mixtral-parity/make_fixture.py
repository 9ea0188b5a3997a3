"""Regenerate the Hugging Face parity fixture of `aiblock_compute::transformer`.

Creates a small random MixtralForCausalLM with the `transformers` library (byte vocabulary,
grouped-query attention, 4 experts, top-2), saves it as `checkpoint/model.safetensors` + `checkpoint/config.json`,
and records what the library computes for fixed prompts: the logits of every prompt position
(`expected.safetensors`, one `logits.{i}` tensor per prompt) and 64 greedy tokens after each
prompt (`expected.json`). The Rust test `transformer::tests::hugging_face_parity` loads the
checkpoint with our importer and compares; CI needs no PyTorch.

Run from this folder with the benchmark virtual environment (offchain-workers/bench/run.sh
installs torch there):
    ~/.cache/aiblock-bench-venv/bin/pip install transformers==4.57.1 safetensors
    ~/.cache/aiblock-bench-venv/bin/python make_fixture.py
"""

import json
import math
import os

import torch
from safetensors.torch import save_file
from transformers import MixtralConfig, MixtralForCausalLM

PROMPTS = [
    "First Citizen:\nBefore we proceed any further, hear me speak.",
    "ROMEO:\n",
    "To be, or not to be",
]
NEW_TOKENS = 64

torch.manual_seed(2026)
config = MixtralConfig(
    vocab_size=256,
    hidden_size=32,
    intermediate_size=64,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=8,
    max_position_embeddings=160,
    rope_theta=10000.0,
    rms_norm_eps=1e-5,
    num_local_experts=4,
    num_experts_per_tok=2,
    tie_word_embeddings=False,
    sliding_window=None,
    bos_token_id=None,
    eos_token_id=None,
    pad_token_id=0,
    attn_implementation="eager",
    torch_dtype="float32",
)
model = MixtralForCausalLM(config).eval()

# The library's default initialisation (std 0.02) makes every logit nearly equal; weights of
# scale 1/sqrt(fan_in) and norms away from 1 give confident, prompt-dependent predictions.
with torch.no_grad():
    for name, p in model.named_parameters():
        if name.endswith("norm.weight"):
            p.copy_(1.0 + 0.2 * torch.randn_like(p))
        elif "embed_tokens" in name:
            p.copy_(torch.randn_like(p))
        else:
            p.copy_(torch.randn_like(p) / math.sqrt(p.shape[1]))

state = {k: v.contiguous() for k, v in model.state_dict().items()}
os.makedirs("checkpoint", exist_ok=True)
save_file(state, "checkpoint/model.safetensors", metadata={"format": "pt"})
config.to_json_file("checkpoint/config.json")

logits, greedy = {}, []
with torch.no_grad():
    for i, prompt in enumerate(PROMPTS):
        ids = torch.tensor([list(prompt.encode())])
        logits[f"logits.{i}"] = model(ids).logits[0].contiguous()
        out = model.generate(ids, max_new_tokens=NEW_TOKENS, do_sample=False)
        greedy.append(out[0, ids.shape[1]:].tolist())
save_file(logits, "expected.safetensors")
with open("expected.json", "w") as f:
    json.dump({"prompts": PROMPTS, "greedy": greedy, "transformers": __import__("transformers").__version__,
               "torch": torch.__version__}, f, indent=1)
print("fixture written:", {k: tuple(v.shape) for k, v in logits.items()})
