#!/usr/bin/env bash
# The language-model figures side by side on tinyshakespeare, same machine, same threads:
#   nanoGPT's CPU recipe for shakespeare-char (PyTorch; 4 layers, 4 heads, d 128, 2000 steps of
#   12×64 characters) and `aiblock-compute lm-train` with the same token budget and schedule
#   (our Mixtral layout: 4 layers, 4 heads, d 128, 4 SwiGLU experts top-2 of d_ff 176, about
#   the same active parameters per token), then both evaluated on the whole validation split.
#
#   NANOGPT_DIR=/path/to/nanoGPT run.sh-style: shakespeare.sh [STEPS]
#
# Then generation speed with the same trained weights: ours (`generate --batch 1` and `16`)
# against Hugging Face transformers' MixtralForCausalLM (eager attention, KV cache, sampling)
# loading our model through `export-hf`; transformers 4.57.1 is installed into the venv.
#
# nanoGPT is not vendored: point NANOGPT_DIR at a checkout (github.com/karpathy/nanoGPT). The
# text comes from the repository's data/tinyshakespeare.txt (or TEXT=...). torch and numpy are installed
# into $HOME/.cache/aiblock-bench-venv as run.sh does. Takes about 15 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")"
STEPS="${1:-2000}"
THREADS="${THREADS:-2}"
source ./nanogpt-setup.sh

echo "[shakespeare] nanoGPT, $STEPS steps, $THREADS threads (log: $OUT/nanogpt.log)"
(cd "$NANOGPT_DIR" && OMP_NUM_THREADS=$THREADS "$VENV/bin/python" train.py config/train_shakespeare_char.py --device=cpu \
		--compile=False --eval_iters=20 --log_interval=100 --block_size=64 --batch_size=12 \
		--n_layer=4 --n_head=4 --n_embd=128 --max_iters="$STEPS" --lr_decay_iters="$STEPS" \
		--dropout=0.0 --always_save_checkpoint=True --out_dir="$OUT/nanogpt") > "$OUT/nanogpt.log" 2>&1
grep -E "^iter" "$OUT/nanogpt.log" | awk '{gsub("ms,", "", $6); print $6}' | sort -n |
	awk '{a[NR] = $1} END {printf "nanoGPT: median %.1f ms/step\n", a[int((NR + 1) / 2)]}'
TORCH_THREADS=$THREADS "$VENV/bin/python" nanogpt_eval.py "$NANOGPT_DIR" "$OUT/nanogpt"

echo "[shakespeare] aiblock-compute lm-train, $STEPS steps, $THREADS threads (log: $OUT/aiblock.log)"
"$B" lm-train --text "$TEXT" --out "$OUT/aiblock-model" --steps "$STEPS" --threads "$THREADS" \
	--backend cpu --eval-every 0 > "$OUT/aiblock.log"
grep -E "ms/step" "$OUT/aiblock.log" | awk '{print $9}' | sort -n |
	awk '{a[NR] = $1} END {printf "aiblock: median %.1f ms/step\n", a[int((NR + 1) / 2)]}'
grep -E "^done" "$OUT/aiblock.log"
echo "[shakespeare] a sample: $B generate --model $OUT/aiblock-model --prompt 'ROMEO:' --seed 1"
"$B" generate --model "$OUT/aiblock-model" --prompt "ROMEO:" --max-tokens 300 --seed 1 --backend cpu

echo "[shakespeare] generation, 58 new tokens after 'ROMEO:', batch 1 and 16"
for batch in 1 16; do
	"$B" generate --model "$OUT/aiblock-model" --prompt "ROMEO:" --max-tokens 58 --batch $batch \
		--seed 1 --threads "$THREADS" --backend cpu 2>&1 >/dev/null | tail -1
done
"$B" export-hf --model "$OUT/aiblock-model" --out "$OUT/aiblock-hf" > /dev/null
TORCH_THREADS=$THREADS "$VENV/bin/python" hf_generate.py "$OUT/aiblock-hf" "ROMEO:" 58 1 16 2>/dev/null
