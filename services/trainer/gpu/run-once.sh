#!/usr/bin/env bash
# One prepared GPU check (run from the repository root on the device machine):
#   1. a short mini training run on CUDA (AMP) on the hand-made dataset at 224 px, with its throughput lines;
#   2. ViT-B/16 image-encoder throughput in PyTorch (fp32 and bf16, batch 64 and 256).
# Everything goes to $OUT (default ./gpu-out): train.log, throughput.json, nvidia-smi.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
PY=${CYTOCLIP_PYTHON:-python3}
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || true
"$PY" -c 'import torch, sys; print("torch", torch.__version__, "cuda", torch.cuda.is_available()); sys.exit(0 if torch.cuda.is_available() else 3)' \
  | tee "$OUT/torch.txt" || { echo "no CUDA PyTorch here"; exit 3; }
work=$(mktemp -d)
"$PY" -c "from cytoclip_trainer.fixtures import make_tiny_dataset; make_tiny_dataset('$work/ds', size=224, per_region=40)"
time "$PY" -m cytoclip_trainer train --variant tile --dataset "$work/ds" --config mini --out "$work/run" \
  --device cuda --steps 300 --batch-size 128 --log-every 25 --ckpt-every 300 --workers 8 --no-export 2>&1 | tee "$OUT/train.log"
"$PY" gpu/throughput.py | tee "$OUT/throughput.json"
