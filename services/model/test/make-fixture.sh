#!/usr/bin/env bash
# Regenerates test/fixture-model with the trainer's exporter (random weights, the 'tiny' configuration, seeded),
# so the runtime is tested on exactly what services/trainer exports. Needs /usr/bin/python3 with Debian's torch.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../trainer"
"${CYTOCLIP_PYTHON:-/usr/bin/python3}" -m cytoclip_trainer.export --random --config tiny --seed 0 --out "$here/fixture-model" --no-verify
# The int8 image graph beside it (needs python3-onnx), so the runtime's int8 path is tested on a real quantized graph.
"${CYTOCLIP_PYTHON:-/usr/bin/python3}" -m cytoclip_trainer.export --quantize int8 --package "$here/fixture-model" --no-verify
