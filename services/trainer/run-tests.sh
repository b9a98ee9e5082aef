#!/usr/bin/env bash
# Runs the trainer's tests with Debian's PyTorch (/usr/bin/python3). pytest exits 5 when it collects nothing.
set -euo pipefail
cd "$(dirname "$0")"
PY=${CYTOCLIP_PYTHON:-/usr/bin/python3}
set +e
"$PY" -m pytest -q -p no:cacheprovider tests
rc=$?
set -e
exit $rc
