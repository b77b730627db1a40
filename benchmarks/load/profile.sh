#!/usr/bin/env bash
# Where the CPU goes: samples the bare forwarder and ModelRouter with Linux perf (JIT symbols through
# DOTNET_PerfMapEnabled) while wrk drives each in turn, then prints, for both, CPU per request, syscalls and context
# switches per request, the share of samples per module (kernel, runtime, each managed assembly), and the router's own
# hottest frames. Loopback only; every process it starts is killed on exit.
#
#   benchmarks/load/profile.sh                 # non-streaming, 32 connections
#   MODE=stream benchmarks/load/profile.sh     # streaming
#
# Needs perf (Debian: linux-perf) and permission to use it (root, or kernel.perf_event_paranoid <= 1).
set -euo pipefail
cd "$(dirname "$0")"
LOAD_DIR=$(pwd)
. "$LOAD_DIR/common.sh"

MODE=${MODE:-plain}
CONNECTIONS=${CONNECTIONS:-32}
WARM=${WARM:-15}        # seconds of load before sampling: tiered JIT must have settled
SECONDS_SAMPLED=${SECONDS_SAMPLED:-8}
PORT_VENDOR=${PORT_VENDOR:-19101}
PORT_FORWARDER=${PORT_FORWARDER:-19102}
PORT_ROUTER=${PORT_ROUTER:-19104}
HOST=127.0.0.1
OUT=${OUT:-results/profile-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"

for tool in wrk perf python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "profile: $tool is required (apt-get install wrk linux-perf python3)" >&2; exit 1; }
done

BIN="$LOAD_DIR/bin"
for app in FakeVendor BareForwarder RouterHost; do
  dotnet build -c Release -nologo -v q "$app" -o "$BIN/$app" >/dev/null
done

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
export DOTNET_gcServer=1 DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
dotnet "$BIN/FakeVendor/FakeVendor.dll" --urls "http://$HOST:$PORT_VENDOR" >/dev/null 2>&1 & PIDS+=($!)
dotnet "$BIN/BareForwarder/BareForwarder.dll" --urls "http://$HOST:$PORT_FORWARDER" \
  --Upstream "http://$HOST:$PORT_VENDOR/v1/chat/completions" >/dev/null 2>&1 & PIDS+=($!); FORWARDER=$!
(cd "$BIN/RouterHost" && exec dotnet RouterHost.dll --urls "http://$HOST:$PORT_ROUTER" \
  --ModelRouter:llms:0:baseUrl "http://$HOST:$PORT_VENDOR/v1" >/dev/null 2>&1) & PIDS+=($!); ROUTER=$!
sleep 3

BODY=$(mktemp)
write_body "$BODY" "$MODE"
wait_until_ok forwarder "http://$HOST:$PORT_FORWARDER/v1/chat/completions" "$BODY" bench-app-key
wait_until_ok router "http://$HOST:$PORT_ROUTER/router/bench/v1/chat/completions" "$BODY" bench-app-key

for target in forwarder router; do
  if [ "$target" = forwarder ]; then pid=$FORWARDER; url="http://$HOST:$PORT_FORWARDER/v1/chat/completions"
  else pid=$ROUTER; url="http://$HOST:$PORT_ROUTER/router/bench/v1/chat/completions"; fi
  BODY_FILE=$BODY APP_KEY=bench-app-key wrk -t2 -c"$CONNECTIONS" -d"${WARM}s" -s post.lua "$url" >/dev/null
  BODY_FILE=$BODY APP_KEY=bench-app-key wrk -t2 -c"$CONNECTIONS" -d"$((SECONDS_SAMPLED + 2))s" -s post.lua "$url" >"$OUT/wrk-$target.txt" &
  wrk=$!
  sleep 1
  cpu0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  # Flat samples (no call graphs: -g costs the process a third of its throughput), plus syscall and switch counts.
  perf stat -e raw_syscalls:sys_enter,context-switches -p "$pid" -o "$OUT/stat-$target.txt" -- sleep "$SECONDS_SAMPLED" >/dev/null 2>&1 &
  stat=$!
  perf record -F 1999 -p "$pid" -o "$OUT/perf-$target.data" -- sleep "$SECONDS_SAMPLED" >/dev/null 2>&1
  wait "$stat" || true
  cpu1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  wait "$wrk"
  rps=$(awk '/^Requests\/sec/ { print $2 }' "$OUT/wrk-$target.txt")
  perf report -i "$OUT/perf-$target.data" --no-children --stdio --sort dso,sym 2>/dev/null | grep -v '^#' | grep -v '^$' >"$OUT/report-$target.txt"
  printf '%s: %.0f req/s, %.1f us CPU per request (perf sampling on)\n' "$target" "$rps" \
    "$(awk -v c=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v n="$rps" -v s="$SECONDS_SAMPLED" 'BEGIN { print c * 1e6 / hz / (n * s) }')"
  awk -v n="$rps" -v s="$SECONDS_SAMPLED" '/raw_syscalls|context-switches/ { gsub(/,/, "", $1); printf "  %s per request: %.2f\n", $2, $1 / (n * s) }' "$OUT/stat-$target.txt"
done

# Share of samples per module: JIT-compiled frames are grouped by the assembly in their perf-map name.
python3 - "$OUT" <<'PY'
import collections, re, sys
out = sys.argv[1]
line_re = re.compile(r'\s*([\d.]+)%\s+(\S.*?)\s{2,}\[.\]\s+(.*)')
def modules(target):
    shares, own = collections.Counter(), []
    for line in open(f'{out}/report-{target}.txt'):
        m = line_re.match(line)
        if not m:
            continue
        pct, dso, sym = float(m.group(1)), m.group(2), m.group(3)
        if dso.startswith('[JIT]'):
            asm = re.search(r'\[([A-Za-z0-9_.]+)\]', sym)
            dso = asm.group(1) if asm else 'runtime stubs'
            if dso.startswith('ModelRouter') or dso.startswith('Polly'):
                own.append((pct, sym))
        shares[dso] += pct
    return shares, own
f, _ = modules('forwarder')
r, own = modules('router')
print('\nshare of samples by module (%), forwarder vs router:')
for name in sorted(set(f) | set(r), key=lambda k: -(f[k] + r[k]))[:18]:
    print(f'  {name:<58} {f[name]:6.2f} {r[name]:6.2f}')
mine = [k for k in r if k.startswith('ModelRouter') or k.startswith('Polly')]
print(f'  {"ModelRouter.* + Polly.Core together":<58} {"":>6} {sum(r[k] for k in mine):6.2f}')
print('\nthe router\'s own hottest frames (% of all samples):')
for pct, sym in own[:12]:
    print(f'  {pct:5.2f}  {sym[:150]}')
PY
echo
echo "raw: $LOAD_DIR/$OUT"
