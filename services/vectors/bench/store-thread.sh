#!/bin/bash
# services/vectors/bench/store-thread.sh SECONDS THREADS — `cytoclip serve` (from the sources) on DATA_DIR (default: the
# bench:fixture cache) with CYTOCLIP_SEARCH_THREADS=THREADS, 8 clients of apps/cli/bench/load.ts pinned to core 1 for
# SECONDS; prints requests/s and the server's main-thread and whole-process CPU ms per request, from /proc (ticks of
# 10 ms) around the run. Interleave THREADS 0 and 1 to compare: `for t in 0 1 0 1; do bench/store-thread.sh 8 $t; done`.
cd "$(dirname "$0")/../../.."
S=$1; T=$2; PORT=8798
LOG=${TMPDIR:-/tmp}/store-thread-serve-$$.log
env CYTOCLIP_SEARCH_THREADS=$T DATA_DIR=${DATA_DIR:-$HOME/.cache/cytoclip-bench/data} PORT=$PORT HOST=127.0.0.1 node --conditions=source --import tsx apps/cli/src/run.ts serve > $LOG 2>&1 &
SRV=$!
for i in $(seq 1 120); do grep -q "Atlas Search on" $LOG && break; sleep 1; done
TEXTS='["layered cortex with dense granular cells","a thin band of large pyramidal cells","loosely packed progenitor cells","cell-sparse marginal zone","dense ventricular zone","radially aligned migrating neurons"]'
taskset -c 1 node --import tsx apps/cli/bench/load.ts http://127.0.0.1:$PORT 3 4 "$TEXTS" >/dev/null
ticks() { awk '{print $14+$15}' $1; }
m0=$(ticks /proc/$SRV/task/$SRV/stat); p0=$(ticks /proc/$SRV/stat)
out=$(taskset -c 1 node --import tsx apps/cli/bench/load.ts http://127.0.0.1:$PORT $S 8 "$TEXTS")
m1=$(ticks /proc/$SRV/task/$SRV/stat); p1=$(ticks /proc/$SRV/stat)
req=$(echo "$out" | python3 -c "import json,sys; print(json.load(sys.stdin)['requests'])")
rps=$(echo "$out" | python3 -c "import json,sys; print(json.load(sys.stdin)['requestsPerSecond'])")
echo "threads=$T requests=$req rps=$rps mainCpuMsPerReq=$(python3 -c "print(round(($m1-$m0)*10/$req,2))") processCpuMsPerReq=$(python3 -c "print(round(($p1-$p0)*10/$req,2))") load=$(cut -d' ' -f1 /proc/loadavg)"
kill $SRV; wait $SRV 2>/dev/null; rm -f $LOG
