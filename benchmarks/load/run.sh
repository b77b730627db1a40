#!/usr/bin/env bash
# Side-by-side HTTP load benchmark, loopback only. Starts a near-zero-cost fake OpenAI vendor, a bare ASP.NET Core +
# HttpClient forwarder, a bare YARP hop and ModelRouter (one router, app key required), then drives all of them with
# wrk in one run, interleaved, at 32 and 256 connections, non-streaming and streaming. Prints req/s, p50/p99,
# latency added over calling the fake vendor directly, CPU per request, peak RSS, and the router/baseline ratios.
#
#   benchmarks/load/run.sh                      # 10 s per point, one round
#   DURATION=30 ROUNDS=3 benchmarks/load/run.sh # longer, three interleaved rounds averaged
#   SOAK=300 benchmarks/load/run.sh             # also: 5 minutes of streaming at 256 connections, RSS every 30 s
#   PIN=1 benchmarks/load/run.sh                # hops on CPU 1, fake vendor and wrk on CPU 0 (see below)
#   GAP_MS=1 MODES=stream benchmarks/load/run.sh # the fake vendor waits 1 ms between stream events, like a model
#
# PIN=1 gives each hop a core of its own, so its throughput is bounded by its own CPU per request instead of by how the
# scheduler shares two cores between wrk, the vendor and the hop; same-run ratios then move far less between rounds.
#
# Every process it starts is killed on exit. Results also go to $OUT (default: benchmarks/load/results/<date>.tsv).
set -euo pipefail
cd "$(dirname "$0")"
LOAD_DIR=$(pwd)
. "$LOAD_DIR/common.sh"

DURATION=${DURATION:-10}        # seconds measured per point
WARMUP=${WARMUP:-2}             # seconds of unmeasured load before each point
WARMUP_START=${WARMUP_START:-30} # seconds of unmeasured load per target and mode before the sweep (JIT tiering settles)
ROUNDS=${ROUNDS:-1}             # interleaved rounds; figures are averaged over rounds
CONNECTIONS=${CONNECTIONS:-"32 256"}
MODES=${MODES:-"plain stream"}    # plain: non-streaming; stream: "stream": true
PIN=${PIN:-0}                   # 1: hops on CPU 1, vendor + wrk + curl on CPU 0
THREADS=${THREADS:-$([ "$PIN" = 1 ] && echo 1 || echo 2)}
TTFB_REQUESTS=${TTFB_REQUESTS:-400}
SOAK=${SOAK:-0}                 # seconds of streaming soak at 256 connections after the sweep (0: none)
GAP_MS=${GAP_MS:-0}             # ms the fake vendor waits between stream events (0: back to back)
PORT_VENDOR=${PORT_VENDOR:-18101}
PORT_FORWARDER=${PORT_FORWARDER:-18102}
PORT_YARP=${PORT_YARP:-18103}
PORT_ROUTER=${PORT_ROUTER:-18104}
HOST=127.0.0.1
APP_KEY=bench-app-key
mkdir -p results
OUT=${OUT:-results/$(date -u +%Y%m%dT%H%M%SZ).tsv}
CLK_TCK=$(getconf CLK_TCK)

# --- summary ---------------------------------------------------------------------------------------------------
summarize() { # tsv -> averages per point, router/baseline ratios, per-round ratios and their median
  echo
  echo "== averages over $(awk -F'\t' 'NR > 1 && $1 ~ /^[0-9]+$/ && $1 > r { r = $1 } END { print r + 0 }' "$1") round(s); added = target minus direct; ratios = router / baseline (same run) =="
  awk -F'\t' -v groups="$(for c in $CONNECTIONS; do for m in $MODES; do printf '%s:%s ' "$m" "$c"; done; done)" 'NR > 1 && $1 ~ /^[0-9]+$/ {
      k = $2 "\t" $3 "\t" $4; n[k]++; prps[$1 "\t" k] = $5; if ($1 > rounds) rounds = $1; rps[k] += $5; p50[k] += $6; p99[k] += $7; cpu[k] += $8; if ($9 > rss[k]) rss[k] = $9; err[k] += $10
    }
    END {
      split("direct forwarder yarp router", t, " ")
      m = split(groups, order, " ")
      for (j = 1; j <= m; j++) {
        split(order[j], gc, ":"); g = gc[1] "\t" gc[2]
        printf "\n%s, %s connections\n", (gc[1] == "stream" ? "streaming" : "non-streaming"), gc[2]
        printf "  %-10s %10s %8s %8s %10s %10s %10s %8s %6s\n", "target", "req/s", "p50 ms", "p99 ms", "+p50 ms", "+p99 ms", "cpu us/req", "RSS MB", "errors"
        d = g "\tdirect"
        for (i = 1; i <= 4; i++) {
          k = g "\t" t[i]; c = n[k]
          printf "  %-10s %10.0f %8.2f %8.2f %10.2f %10.2f %10.1f %8d %6d\n", t[i], rps[k] / c, p50[k] / c, p99[k] / c,
            (p50[k] - p50[d] * c / n[d]) / c, (p99[k] - p99[d] * c / n[d]) / c, cpu[k] / c, rss[k], err[k]
        }
        r = g "\trouter"; f = g "\tforwarder"; y = g "\tyarp"
        printf "  router/forwarder: throughput %.2fx, cpu/req %.2fx, added p99 %+.2f ms vs forwarder\n", (rps[r] / n[r]) / (rps[f] / n[f]), (cpu[r] / n[r]) / (cpu[f] / n[f]), p99[r] / n[r] - p99[f] / n[f]
        printf "  router/yarp:      throughput %.2fx, cpu/req %.2fx\n", (rps[r] / n[r]) / (rps[y] / n[y]), (cpu[r] / n[r]) / (cpu[y] / n[y])
        if (rounds > 1) {
          # Per round, and the median: one noisy round on a shared machine moves an average, not a median.
          line = ""; c = 0
          for (i = 1; i <= rounds; i++) {
            kr = i "\t" g "\trouter"; kf = i "\t" g "\tforwarder"
            if (prps[kf] > 0) { c++; v[c] = prps[kr] / prps[kf]; line = line sprintf(" %.2f", v[c]) }
          }
          for (a = 1; a <= c; a++) for (b = a + 1; b <= c; b++) if (v[b] < v[a]) { x = v[a]; v[a] = v[b]; v[b] = x }
          med = (c % 2) ? v[(c + 1) / 2] : (v[c / 2] + v[c / 2 + 1]) / 2
          printf "  router/forwarder throughput per round:%s; median %.2fx\n", line, med
        }
      }
    }' "$1"
}

if [ -n "${REPORT:-}" ]; then # REPORT=results/<date>.tsv: print the summary of an earlier run, run nothing
  summarize "$REPORT"
  awk -F'\t' '$1 == "ttfb" { printf "  streaming time to first byte, %-10s p50 %s ms\n", $4, $6 }' "$REPORT"
  exit 0
fi


# --- tools -----------------------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
  echo "load: installing wrk and curl from Debian's packages" >&2
  apt-get update -qq && apt-get install -y -qq wrk curl >/dev/null
fi

# --- build -----------------------------------------------------------------------------------------------------
BIN="$LOAD_DIR/bin"
for app in FakeVendor BareForwarder YarpHop RouterHost; do
  dotnet build -c Release -nologo -v q "$app" -o "$BIN/$app" >/dev/null
done

# --- start -----------------------------------------------------------------------------------------------------
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

for port in $PORT_VENDOR $PORT_FORWARDER $PORT_YARP $PORT_ROUTER; do
  if (exec 3<>/dev/tcp/$HOST/$port) 2>/dev/null; then echo "load: port $port is in use; set PORT_* to free ones" >&2; exit 1; fi
done

HOP_PIN=(); LOAD_PIN=()
if [ "$PIN" = 1 ]; then
  taskset -c 0,1 true 2>/dev/null || { echo "load: PIN=1 needs CPUs 0 and 1 (see taskset -pc \$\$)" >&2; exit 1; }
  HOP_PIN=(taskset -c 1); LOAD_PIN=(taskset -c 0)
fi
start() { # name dll args...
  local name=$1 dll=$2; shift 2
  local pin=("${HOP_PIN[@]}"); [ "$name" = FakeVendor ] && pin=("${LOAD_PIN[@]}")
  DOTNET_gcServer=1 "${pin[@]}" dotnet "$BIN/$name/$dll" "$@" >"results/$name.log" 2>&1 &
  PIDS+=($!)
  eval "PID_$name=$!"
}
start FakeVendor FakeVendor.dll --urls "http://$HOST:$PORT_VENDOR" --EventGapMs "$GAP_MS"
start BareForwarder BareForwarder.dll --urls "http://$HOST:$PORT_FORWARDER" --Upstream "http://$HOST:$PORT_VENDOR/v1/chat/completions"
start YarpHop YarpHop.dll --urls "http://$HOST:$PORT_YARP" --Upstream "http://$HOST:$PORT_VENDOR/"
(cd "$BIN/RouterHost" && export DOTNET_gcServer=1 && exec "${HOP_PIN[@]}" dotnet RouterHost.dll --urls "http://$HOST:$PORT_ROUTER" \
  --ModelRouter:llms:0:baseUrl "http://$HOST:$PORT_VENDOR/v1" >"$LOAD_DIR/results/RouterHost.log" 2>&1) &
PIDS+=($!)
# The subshell execs the router (through taskset with PIN=1, which execs too), so its pid is the router's.
PID_RouterHost=${PIDS[-1]}

declare -A URL PID
URL[direct]="http://$HOST:$PORT_VENDOR/v1/chat/completions";    PID[direct]=$PID_FakeVendor
URL[forwarder]="http://$HOST:$PORT_FORWARDER/v1/chat/completions"; PID[forwarder]=$PID_BareForwarder
URL[yarp]="http://$HOST:$PORT_YARP/v1/chat/completions";       PID[yarp]=$PID_YarpHop
URL[router]="http://$HOST:$PORT_ROUTER/router/bench/v1/chat/completions"; PID[router]=$PID_RouterHost
TARGETS=(direct forwarder yarp router)

BODY_PLAIN=$(mktemp); BODY_STREAM=$(mktemp)
write_body "$BODY_PLAIN"; write_body "$BODY_STREAM" stream
for t in "${TARGETS[@]}"; do wait_until_ok "$t" "${URL[$t]}" "$BODY_PLAIN" "$APP_KEY"; done

# --- helpers ---------------------------------------------------------------------------------------------------
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
to_ms() { # wrk's "812.00us" / "1.23ms" / "1.01s" -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n *= 1; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

run_wrk() { # target connections body seconds -> writes wrk output to stdout
  BODY_FILE=$3 APP_KEY=$APP_KEY "${LOAD_PIN[@]}" wrk -t"$THREADS" -c"$2" -d"$4s" --timeout 10s --latency -s "$LOAD_DIR/post.lua" "${URL[$1]}"
}

printf 'round\tmode\tconnections\ttarget\treq_s\tp50_ms\tp99_ms\tcpu_us_per_req\tpeak_rss_mb\terrors\n' >"$OUT"

measure() { # round mode connections target
  local round=$1 mode=$2 conns=$3 target=$4 body pid out before after requests rps p50 p99 errors cpu hwm
  body=$BODY_PLAIN; [ "$mode" = stream ] && body=$BODY_STREAM
  pid=${PID[$target]}
  run_wrk "$target" "$conns" "$body" "$WARMUP" >/dev/null
  echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true   # restart the peak-RSS mark for this point
  before=$(cpu_ticks "$pid")
  out=$(run_wrk "$target" "$conns" "$body" "$DURATION")
  after=$(cpu_ticks "$pid")
  hwm=$(hwm_kb "$pid")
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  errors=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"$out")
  cpu=$(awk -v d=$((after - before)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.1f", (n > 0 ? d * 1e6 / hz / n : 0) }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$conns" "$target" "$rps" "$p50" "$p99" "$cpu" \
    "$(awk -v k="$hwm" 'BEGIN { printf "%.0f", k / 1024 }')" "$errors" | tee -a "$OUT"
}

ttfb() { # target -> p50 time to first byte (ms) of streaming requests, one connection, unloaded
  local target=$1
  "${LOAD_PIN[@]}" curl -s -o /dev/null -w '%{time_starttransfer}\n' -H "Authorization: Bearer $APP_KEY" -H 'Content-Type: application/json' \
    --data-binary @"$BODY_STREAM" "${URL[$target]}?i=[1-$TTFB_REQUESTS]" |
    sort -n | awk '{ a[NR] = $1 } END { printf "%.3f", a[int((NR + 1) / 2)] * 1000 }'
}

# --- sweep -----------------------------------------------------------------------------------------------------
echo "load: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), ${DURATION}s per point, $ROUNDS round(s), pinned: $([ "$PIN" = 1 ] && echo 'hops on CPU 1, vendor and wrk on CPU 0' || echo no), event gap ${GAP_MS} ms" >&2
# Tiered compilation keeps re-compiling hot methods for several seconds under load, and a process with more code (the
# router) needs longer: without this, the first points measure the JIT as much as the hop.
if [ "$WARMUP_START" -gt 0 ]; then
  echo "load: warming every target up, ${WARMUP_START}s per target and mode (unmeasured)" >&2
  for mode in $MODES; do
    body=$BODY_PLAIN; [ "$mode" = stream ] && body=$BODY_STREAM
    for t in "${TARGETS[@]}"; do run_wrk "$t" 32 "$body" "$WARMUP_START" >/dev/null; done
  done
fi
for round in $(seq 1 "$ROUNDS"); do
  for conns in $CONNECTIONS; do
    for mode in $MODES; do
      # Rotate the order each round so no target always runs first (or right after the hungriest one).
      for i in 0 1 2 3; do
        measure "$round" "$mode" "$conns" "${TARGETS[$(( (i + round - 1) % 4 ))]}"
      done
    done
  done
done

declare -A TTFB
for round in $(seq 1 "$ROUNDS"); do
  for target in "${TARGETS[@]}"; do
    TTFB[$target]="${TTFB[$target]:-} $(ttfb "$target")"
  done
done

summarize "$OUT"

echo
echo "streaming time to first byte, p50 of $TTFB_REQUESTS sequential requests on one connection (per round):"
for target in "${TARGETS[@]}"; do
  avg=$(awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%.3f", s / NF }' <<<"${TTFB[$target]}")
  added=$(awk -v a="$avg" -v d="$(awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; print s / NF }' <<<"${TTFB[direct]}")" 'BEGIN { printf "%+.3f", a - d }')
  printf '  %-10s p50 %s ms (added %s ms)   rounds:%s\n' "$target" "$avg" "$added" "${TTFB[$target]}"
  printf 'ttfb\tstream\t1\t%s\t\t%s\t\t\t\t\n' "$target" "$avg" >>"$OUT"
done

if [ "$SOAK" -gt 0 ]; then
  echo
  echo "soak: streaming, 256 connections, ${SOAK}s through the router; RSS (MB) every 30 s:"
  BODY_FILE=$BODY_STREAM APP_KEY=$APP_KEY "${LOAD_PIN[@]}" wrk -t"$THREADS" -c256 -d"${SOAK}s" --timeout 10s -s "$LOAD_DIR/post.lua" "${URL[router]}" >results/soak-wrk.txt &
  soak=$!
  for _ in $(seq 1 $((SOAK / 30))); do
    sleep 30
    printf '  %s' "$(( $(rss_kb "$PID_RouterHost") / 1024 ))"
  done
  wait "$soak" || true
  echo
  grep -E 'Requests/sec|requests in' results/soak-wrk.txt | sed 's/^/  /'
  printf '  peak RSS over the soak: %s MB\n' "$(( $(hwm_kb "$PID_RouterHost") / 1024 ))"
fi

echo
echo "raw rows: $LOAD_DIR/$OUT"
