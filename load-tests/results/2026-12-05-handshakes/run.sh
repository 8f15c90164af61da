#!/bin/bash
# One handshake run: a fresh in-memory stack from <checkout>/backend on ports 3411/8411 (away from a running
# `npm start`), the load test from this checkout (1,000 connections at 200/s into one room), then the stack's CPU
# (all threads, /proc) from its banner + 2 s to the end of the load test.
#   load-tests/results/2026-12-05-handshakes/run.sh <label> <checkout>     (from the repository root)
set -u
label=$1
checkout=$(cd "$2" && pwd)
root=$(pwd)
out=${OUT:-/tmp/handshake-runs}
mkdir -p "$out"
(cd "$checkout/backend" && LOCAL_WS_PORT=3411 LOCAL_DYNAMODB_PORT=8411 \
  exec node --import tsx src/local/main.ts --in-memory) > "$out/$label.stack.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do grep -q "WebSocket API" "$out/$label.stack.log" && break; sleep 0.5; done
sleep 2
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
before=$(ticks)
npm run load-test -- --url ws://127.0.0.1:3411 -c 1000 -r 1 -m 1 --rate 1 --ramp 200 --no-baseline -q \
  > "$out/$label.load-test.log" 2>&1
after=$(ticks)
kill -INT "$pid"
wait "$pid" 2> /dev/null
echo "$label stack CPU $(((after - before) * 1000 / $(getconf CLK_TCK))) ms, load average $(cut -d' ' -f1 /proc/loadavg)"
grep -E '^(connect |connections|errors)' "$out/$label.load-test.log"
