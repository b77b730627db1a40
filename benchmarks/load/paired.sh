#!/usr/bin/env bash
# Paired before/after load run: the RouterHost of an earlier commit, the RouterHost of the working tree and the bare
# forwarder, each on CPU 1 in turn (fake vendor and wrk on CPU 0), in many short interleaved rounds. Prints the
# per-round throughput and CPU-per-request ratios and their medians. Loopback only; every process is killed on exit.
#
#   benchmarks/load/paired.sh c65e2c8                  # plain, 32 connections, 8 rounds of 5 s
#   MODE=stream ROUNDS=10 benchmarks/load/paired.sh HEAD~3
#   MODE=stream GAP_MS=1 benchmarks/load/paired.sh HEAD~1  # fake vendor waits 1 ms between stream events
#   PIN=0 MODE=stream benchmarks/load/paired.sh HEAD~1      # nothing pinned, as run.sh by default
#   LAUNCHES=3 ROUNDS=6 MODE=stream benchmarks/load/paired.sh HEAD~1  # three fresh sets of processes (see below)
#   AFTER_ENV=MODELROUTER_LISTEN=1 benchmarks/load/paired.sh HEAD     # the same build, the "after" hop with a listener
#
# Why: on a shared 2-core machine a 10 s round moves by +-15 %; two builds measured side by side, many times, with
# medians, is the only before/after this machine can resolve. And one launch is not enough: the same build measured
# 0.83x and 1.03x of the forwarder in two launches (2026-11-30), each launch's rounds agreeing among themselves.
set -euo pipefail
cd "$(dirname "$0")"
LOAD_DIR=$(pwd)
. "$LOAD_DIR/common.sh"
BEFORE_REV=${1:?usage: paired.sh <git revision to compare the working tree with>}
MODE=${MODE:-plain}; ROUNDS=${ROUNDS:-8}; DURATION=${DURATION:-5}; WARM=${WARM:-30}; CONNECTIONS=${CONNECTIONS:-32}
LAUNCHES=${LAUNCHES:-1}   # fresh hop processes, each warmed and measured for ROUNDS rounds
GAP_MS=${GAP_MS:-0}
PORT_BASE=${PORT_BASE:-18400}
HOST=127.0.0.1
PIN=${PIN:-1}   # 1: hops on CPU 1, vendor and wrk on CPU 0; 0: nothing pinned, wrk with 2 threads (run.sh's default setup)
if [ "$PIN" = 1 ]; then
  taskset -c 0,1 true 2>/dev/null || { echo "paired: needs CPUs 0 and 1 (see taskset -pc \$\$); or PIN=0" >&2; exit 1; }
  HOP_PIN=(taskset -c 1); LOAD_PIN=(taskset -c 0); WRK_THREADS=1
else
  HOP_PIN=(); LOAD_PIN=(); WRK_THREADS=2
fi
command -v wrk >/dev/null 2>&1 || { echo "paired: wrk is required (apt-get install wrk, or run run.sh once)" >&2; exit 1; }

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  git -C "$LOAD_DIR" worktree remove --force "$WORK/src" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

git -C "$LOAD_DIR" worktree add --detach -f "$WORK/src" "$BEFORE_REV" >/dev/null 2>&1
dotnet build -c Release -nologo -v q "$WORK/src/benchmarks/load/RouterHost" -o "$WORK/before" >/dev/null
for app in FakeVendor BareForwarder RouterHost; do
  dotnet build -c Release -nologo -v q "$app" -o "$WORK/$app" >/dev/null
done

export DOTNET_gcServer=1
"${LOAD_PIN[@]}" dotnet "$WORK/FakeVendor/FakeVendor.dll" --urls "http://$HOST:$((PORT_BASE + 1))" --EventGapMs "$GAP_MS" >/dev/null 2>&1 & PIDS+=($!)

declare -A URL PID
URL[forwarder]="http://$HOST:$((PORT_BASE + 4))/v1/chat/completions"
URL[before]="http://$HOST:$((PORT_BASE + 2))/router/bench/v1/chat/completions"
URL[after]="http://$HOST:$((PORT_BASE + 3))/router/bench/v1/chat/completions"
TARGETS=(forwarder before after)
BODY=$WORK/body.json
write_body "$BODY" "$MODE"

# Fresh hop processes: one process keeps its luck (thread pool, tiered PGO, memory layout) for its whole life, so a
# launch's rounds agree with each other more than two launches do; LAUNCHES > 1 measures that spread too.
start_hops() {
  (cd "$WORK/before" && exec "${HOP_PIN[@]}" dotnet RouterHost.dll --urls "http://$HOST:$((PORT_BASE + 2))" \
    --ModelRouter:llms:0:baseUrl "http://$HOST:$((PORT_BASE + 1))/v1" >/dev/null 2>&1) & PID[before]=$!
  (cd "$WORK/RouterHost" && exec env ${AFTER_ENV:-} "${HOP_PIN[@]}" dotnet RouterHost.dll --urls "http://$HOST:$((PORT_BASE + 3))" \
    --ModelRouter:llms:0:baseUrl "http://$HOST:$((PORT_BASE + 1))/v1" >/dev/null 2>&1) & PID[after]=$!
  "${HOP_PIN[@]}" dotnet "$WORK/BareForwarder/BareForwarder.dll" --urls "http://$HOST:$((PORT_BASE + 4))" \
    --Upstream "http://$HOST:$((PORT_BASE + 1))/v1/chat/completions" >/dev/null 2>&1 & PID[forwarder]=$!
  PIDS+=("${PID[before]}" "${PID[after]}" "${PID[forwarder]}")
  for t in "${TARGETS[@]}"; do wait_until_ok "$t" "${URL[$t]}" "$BODY" bench-app-key; done
}
stop_hops() {
  for t in "${TARGETS[@]}"; do kill "${PID[$t]}" 2>/dev/null || true; wait "${PID[$t]}" 2>/dev/null || true; done
}

run_wrk() { BODY_FILE=$BODY APP_KEY=bench-app-key "${LOAD_PIN[@]}" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$2s" -s "$LOAD_DIR/post.lua" "${URL[$1]}"; }
echo "paired: $BEFORE_REV vs working tree vs bare forwarder, $MODE (event gap ${GAP_MS} ms), $CONNECTIONS connections, pinned: $([ "$PIN" = 1 ] && echo yes || echo no), $LAUNCHES launch(es), each: warm-up ${WARM}s x 2 per hop, $ROUNDS rounds of ${DURATION}s" >&2

ROWS=$WORK/rows.tsv
round=0
for launch in $(seq 1 "$LAUNCHES"); do
  start_hops
  for pass in 1 2; do for t in "${TARGETS[@]}"; do run_wrk "$t" "$WARM" >/dev/null; done; done
  for i in $(seq 1 "$ROUNDS"); do
    round=$((round + 1))
    for k in 0 1 2; do # the order rotates every round
      t=${TARGETS[$(((k + round) % 3))]}
      c0=$(awk '{ print $14 + $15 }' "/proc/${PID[$t]}/stat")
      out=$(run_wrk "$t" "$DURATION")
      c1=$(awk '{ print $14 + $15 }' "/proc/${PID[$t]}/stat")
      n=$(awk '/requests in/ { print $1 }' <<<"$out")
      rps=$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")
      cpu=$(awk -v d=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN { printf "%.1f", (n > 0 ? d * 1e6 / hz / n : 0) }')
      printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$t" "$rps" "$cpu" "$launch" | tee -a "$ROWS"
    done
  done
  stop_hops
done

awk -F'\t' '{ rps[$1, $2] = $3; cpu[$1, $2] = $4; launch[$1] = $5; if ($1 > r) r = $1; if ($5 > l) l = $5 }
  function median(a, n,   i, j, x) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  END {
    split("before/forwarder after/forwarder after/before", pairs, " ")
    for (p = 1; p <= 3; p++) {
      split(pairs[p], ab, "/"); line = ""; delete t; delete c
      for (i = 1; i <= r; i++) { t[i] = rps[i, ab[1]] / rps[i, ab[2]]; c[i] = cpu[i, ab[1]] / cpu[i, ab[2]]; line = line sprintf(" %.2f", t[i]) }
      per = ""
      if (l > 1) {
        for (k = 1; k <= l; k++) { delete u; m = 0; for (i = 1; i <= r; i++) if (launch[i] == k) u[++m] = rps[i, ab[1]] / rps[i, ab[2]]; per = per sprintf(" %.2f", median(u, m)) }
        per = "; per launch:" per
      }
      printf "%-17s throughput per round:%s; median %.2fx; cpu/req median %.2fx%s\n", pairs[p], line, median(t, r), median(c, r), per
    }
  }' "$ROWS"
