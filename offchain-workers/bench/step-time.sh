#!/usr/bin/env bash
# Training step time side by side, interleaved: ROUNDS rounds, each running STEPS steps of
# nanoGPT's shakespeare-char CPU recipe (PyTorch) and then of `aiblock-compute lm-train` (the
# same batch, schedule and threads), so that a busy neighbour on a shared machine slows both
# alike. Per run: the median per-step time after the first 10 steps (nanoGPT logs every
# iteration, lm-train every step). Prints every round, then the medians over rounds and the
# speed ratio (nanoGPT's time / ours: above 1 means ours is faster).
#
#   NANOGPT_DIR=/path/to/nanoGPT [ROUNDS=6] [STEPS=60] [THREADS=2] step-time.sh
#
# Set up as shakespeare.sh is (nanogpt-setup.sh: the same venv, text and binary). The run to 2,000 steps with the
# validation losses is shakespeare.sh; this is only the speed, in about 2 minutes.
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS="${ROUNDS:-6}"
STEPS="${STEPS:-60}"
THREADS="${THREADS:-2}"
source ./nanogpt-setup.sh

# The median of the numbers on stdin after the first 10.
median_after_warmup() {
	tail -n +11 | sort -n | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]; else print "nan"}'
}

echo "[step-time] $ROUNDS rounds of $STEPS steps each, $THREADS threads; ms/step (median after 10 steps)"
for round in $(seq "$ROUNDS"); do
	theirs=$(cd "$NANOGPT_DIR" && OMP_NUM_THREADS=$THREADS "$VENV/bin/python" train.py \
		config/train_shakespeare_char.py --device=cpu --compile=False --eval_iters=1 \
		--eval_interval=1000000 --log_interval=1 --block_size=64 --batch_size=12 --n_layer=4 \
		--n_head=4 --n_embd=128 --max_iters="$STEPS" --lr_decay_iters=2000 --dropout=0.0 \
		--out_dir="$OUT/nanogpt" 2>&1 | grep -E "^iter" | sed -E 's/.*time ([0-9.]+)ms.*/\1/' |
		median_after_warmup)
	ours=$("$B" lm-train --text "$TEXT" --out "$OUT/aiblock" --steps "$STEPS" --threads "$THREADS" \
		--backend cpu --eval-every 0 --eval-windows 1 --log-every 1 |
		grep -E "ms/step" | awk '{print $9}' | median_after_warmup)
	echo "round $round: nanoGPT $theirs  aiblock $ours"
done | tee "$OUT/rounds.txt"
awk '{t[NR] = $4; o[NR] = $6}
	function median(v, n,   i, j, x) {
		for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	END {
		n = NR; mt = median(t, n); mo = median(o, n)
		printf "[step-time] medians over %d rounds: nanoGPT %.1f ms, aiblock %.1f ms: ours at %.2fx nanoGPT'"'"'s speed\n", n, mt, mo, mt / mo
	}' "$OUT/rounds.txt"
