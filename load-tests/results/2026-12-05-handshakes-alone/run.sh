#!/bin/bash
# One run of `npm run handshakes` against a fresh in-memory local stack (backend only) on ports 3411/8411, away from
# a running `npm start`; the stack's CPU per handshake from /proc (--server-pid).
#   load-tests/results/2026-12-05-handshakes-alone/run.sh <label> <connections> <rate>   (from the repository root)
set -u
label=$1
out=${OUT:-/tmp/handshakes-alone}
mkdir -p "$out"
(cd backend && LOCAL_WS_PORT=3411 LOCAL_DYNAMODB_PORT=8411 exec node --import tsx src/local/main.ts --in-memory) \
  > "$out/$label.stack.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do grep -q "WebSocket API" "$out/$label.stack.log" && break; sleep 0.5; done
sleep 2
npm run -s handshakes -w load-tests -- --url ws://127.0.0.1:3411 -c "$2" --rate "$3" --server-pid "$pid" \
  --json "$out/$label.json"
echo "exit $?, load average $(cut -d' ' -f1 /proc/loadavg)"
kill -INT "$pid"
wait "$pid" 2> /dev/null
