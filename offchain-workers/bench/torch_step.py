"""PyTorch CPU time of the training step `aiblock-compute bench` times: one expert of a one-layer
MoE (top-2 of 4 experts, context 2, d_ff = 4·d_model) trained with AdamW, the others frozen.

Usage: torch_step.py D_MODELS TOKENS SECONDS   (threads from TORCH_THREADS, default 2)
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

from timing import fastest


def step_seconds(d, tokens, budget, ctx=2, experts=4, top_k=2, vocab=256):
    f = 4 * d
    g = torch.Generator().manual_seed(0)
    u = lambda *shape, bound: (torch.rand(*shape, generator=g) * 2 - 1) * bound
    embed = u(ctx, vocab, d, bound=1 / math.sqrt(ctx))
    router = u(d, experts, bound=1 / math.sqrt(d))
    w1 = [u(d, f, bound=1 / math.sqrt(d)) for _ in range(experts)]
    b1 = [torch.zeros(f) for _ in range(experts)]
    w2 = [u(f, d, bound=1 / math.sqrt(f * 2)) for _ in range(experts)]
    b2 = [torch.zeros(d) for _ in range(experts)]
    head_w, head_b = u(d, vocab, bound=1 / math.sqrt(d)), torch.zeros(vocab)
    trained = [w1[0], b1[0], w2[0], b2[0]]
    for p in trained:
        p.requires_grad_(True)
    opt = torch.optim.AdamW(trained, lr=3e-3, weight_decay=0.01)
    data = torch.randint(0, vocab, (1 << 16,), generator=g)

    def step():
        pos = torch.randint(ctx, data.numel(), (tokens,), generator=g)
        contexts = torch.stack([data[pos - ctx + i] for i in range(ctx)], dim=1)
        x = embed[torch.arange(ctx), contexts].sum(1)
        top_v, top_i = (x @ router).topk(top_k, dim=1)
        gates = torch.softmax(top_v, dim=1)
        out = x.clone()
        for e in range(experts):
            tok, slot = (top_i == e).nonzero(as_tuple=True)
            y = F.silu(x[tok] @ w1[e] + b1[e]) @ w2[e] + b2[e]
            out = out.index_add(0, tok, gates[tok, slot].unsqueeze(1) * y)
        loss = F.cross_entropy(out @ head_w + head_b, data[pos])
        opt.zero_grad()
        loss.backward()
        opt.step()

    step()  # warm-up
    return fastest(step, budget)


def main():
    d_models = [int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else "128,512").split(",")]
    tokens = int(sys.argv[2]) if len(sys.argv) > 2 else 4096
    budget = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
    threads = int(os.environ.get("TORCH_THREADS", "2"))
    torch.set_num_threads(threads)
    for d in d_models:
        secs = step_seconds(d, tokens, budget)
        print(f"pytorch {torch.__version__} step  d_model {d:>5}  d_ff {4 * d:>5}  tokens {tokens}  threads {threads}  {secs * 1e3:8.1f} ms/step")


if __name__ == "__main__":
    main()
