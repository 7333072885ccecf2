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
  # EDM-preconditioned DRUNet (identity at σ → 0), σ log-uniform over [0.003, 0.3], one ORT thread so that
  # the two denoisers can train side by side on a 2-core machine.
  $M train --model drunet --name mri-drunet --config '{"widths":[16,32,64,128],"blocksPerLevel":2,"preconditioning":"edm","sigmaData":0.25}' \
    --sigma 0.003,0.3 --sigma-sampling log-uniform --crop 64 --batch 8 --steps 11000 --lr 1e-3 --min-lr 1e-5 --warmup 200 --clip 1 --ema 0.999 \
    --rotate 10 --intensity 0.5,1.1 --zoom 1,4 --seed 1 --threads 1 --out $RUNS/mri-denoiser-edm $SETS/mri_train.npy --time-budget 4500
  # Stage 2: fine-tune from stage 1 with more weight on σ ≥ 0.01 (fresh optimiser, lower learning rate, new data stream).
  $M train --init $RUNS/mri-denoiser-edm/model.json --name mri-drunet \
    --sigma 0.01,0.3 --sigma-sampling log-uniform --crop 64 --batch 8 --steps 6000 --lr 3e-4 --min-lr 1e-5 --warmup 100 --clip 1 --ema 0.999 \
    --rotate 10 --intensity 0.5,1.1 --zoom 1,4 --seed 11 --out $RUNS/mri-denoiser-ft $SETS/mri_train.npy --time-budget 2400
fi
if [[ $what == all || $what == ct-denoiser ]]; then
  $M train --model drunet --name ct-drunet --config '{"widths":[16,32,64,128],"blocksPerLevel":2,"preconditioning":"edm","sigmaData":0.25}' \
    --data-range=-1024,1024,HU --sigma 6,600 --sigma-sampling log-uniform --crop 64 --batch 8 --steps 9000 --lr 1e-3 --min-lr 1e-5 --warmup 200 --clip 1 \
    --ema 0.999 --rotate 10 --seed 2 --threads 1 --out $RUNS/ct-denoiser-edm $SETS/ct_train.npy --time-budget 4500
fi
if [[ $what == all || $what == mri-cunet ]]; then
  $M train --model cunet --name mri-cunet-prior \
    --config '{"nf":16,"levels":3,"attention":["mid"],"solver":"euler","headGain":0.1}' \
    --schedule linear --prediction eps --crop 64 --batch 8 --steps 3000 --lr 5e-4 --min-lr 1e-5 --warmup 200 --clip 1 \
    --ema 0.999 --rotate 10 --intensity 0.5,1.1 --zoom 1,4 --seed 3 --out $RUNS/mri-cunet $SETS/mri_train.npy --time-budget 1500
fi
