#!/usr/bin/env bash
# Train the shipped weights (weights/) from the real-data sets (`npm run data:fetch` first).
# Each run can be stopped and continued with `medrecon train --resume DIR IMAGES`; the exact
# commands here are what produced the committed weights (see each model card for wall times).
# Usage: bash scripts/train-weights.sh [mri-denoiser|ct-denoiser|mri-cunet|all]
set -euo pipefail
cd "$(dirname "$0")/.."
SETS=.cache/meddata/sets
RUNS=.cache/runs
M="node bin/medrecon.js"
[ -f "$SETS/mri_train.npy" ] || { echo "run 'npm run data:fetch' first" >&2; exit 1; }
npx tsc -p tsconfig.json
what=${1:-all}
if [[ $what == all || $what == mri-denoiser ]]; then
  $M train --model drunet --name mri-drunet --config '{"widths":[16,32,64,128],"blocksPerLevel":2,"residual":true}' \
    --sigma 0,0.2 --loss-weighting inverse-variance --weighting-eps 0.05 --crop 64 --batch 8 --steps 3000 --lr 1e-3 --min-lr 1e-5 --warmup 100 --clip 1 --ema 0.999 \
    --rotate 10 --intensity 0.5,1.1 --zoom 1,4 --seed 1 --out $RUNS/mri-denoiser $SETS/mri_train.npy --time-budget 1800
fi
if [[ $what == all || $what == ct-denoiser ]]; then
  $M train --model drunet --name ct-drunet --config '{"widths":[16,32,64,128],"blocksPerLevel":2,"residual":true}' \
    --data-range=-1024,1024,HU --sigma 0,409.6 --loss-weighting inverse-variance --weighting-eps 0.05 --crop 64 --batch 8 --steps 3000 --lr 1e-3 --min-lr 1e-5 --warmup 100 --clip 1 \
    --ema 0.999 --rotate 10 --seed 2 --out $RUNS/ct-denoiser $SETS/ct_train.npy --time-budget 1500
fi
if [[ $what == all || $what == mri-cunet ]]; then
  $M train --model cunet --name mri-cunet-prior \
    --config '{"nf":16,"levels":3,"attention":["mid"],"solver":"euler","headGain":0.1}' \
    --schedule linear --prediction eps --crop 64 --batch 8 --steps 3000 --lr 5e-4 --min-lr 1e-5 --warmup 200 --clip 1 \
    --ema 0.999 --rotate 10 --intensity 0.5,1.1 --zoom 1,4 --seed 3 --out $RUNS/mri-cunet $SETS/mri_train.npy --time-budget 1500
fi
