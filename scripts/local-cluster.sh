#!/usr/bin/env bash
# The docker-compose topology as local processes: a redis-server on 127.0.0.1, N silos and the
# gateway, all clustered through that Redis.
#
#   scripts/local-cluster.sh up     build once, start everything, wait until /healthz is healthy with all N silos
#   scripts/local-cluster.sh down   stop exactly the processes `up` started (PIDs in the state dir)
#
# Environment (defaults in brackets):
#   SILOS [3]                      number of silos
#   GATEWAY_URL [http://127.0.0.1:5000]
#   REDIS_PORT [6390]              port of the cluster's own redis-server
#   SILO_PORT_BASE [11111]         silo i (0-based) listens on SILO_PORT_BASE+i ...
#   SILO_GATEWAY_PORT_BASE [30000] ... accepts clients on SILO_GATEWAY_PORT_BASE+i ...
#   SILO_METRICS_PORT_BASE [9464]  ... and serves its engine metrics at http://127.0.0.1:(SILO_METRICS_PORT_BASE+i)/metrics
#   MODEL_DIR                      model directory for the silos (empty: the default model)
#   STATE_DIR [<repo>/.local-cluster]  PIDs, logs, Redis data
#   CONFIGURATION [Release]
#   HEALTH_TIMEOUT [180]           seconds to wait for a healthy gateway
#   NO_BUILD [0]                   1: use the binaries already built
#   PROBE_TIMEOUT [00:00:02]       Osprey:ProbeTimeout: membership probe period and timeout ...
#   MISSED_PROBES [2]              ... Osprey:MissedProbesLimit: a silo killed outright is voted dead after ~3-6 s
#   RESPONSE_TIMEOUT [00:00:30]    Osprey:ResponseTimeout: the last resort for a call that gets no answer (a dead silo's turns end through membership)
#   SHUTDOWN_TIMEOUT [00:00:30]    Osprey:ShutdownTimeout: how long SIGTERM lets running turns and streams finish
#   REDIS_APPENDONLY [no]          yes: Redis keeps an append-only file in STATE_DIR/redis, so it can be restarted
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SILOS="${SILOS:-3}"
GATEWAY_URL="${GATEWAY_URL:-http://127.0.0.1:5000}"
REDIS_PORT="${REDIS_PORT:-6390}"
SILO_PORT_BASE="${SILO_PORT_BASE:-11111}"
SILO_GATEWAY_PORT_BASE="${SILO_GATEWAY_PORT_BASE:-30000}"
SILO_METRICS_PORT_BASE="${SILO_METRICS_PORT_BASE:-9464}"
MODEL_DIR="${MODEL_DIR:-}"
STATE_DIR="${STATE_DIR:-$repo/.local-cluster}"
CONFIGURATION="${CONFIGURATION:-Release}"
HEALTH_TIMEOUT="${HEALTH_TIMEOUT:-180}"
NO_BUILD="${NO_BUILD:-0}"
CLUSTER_ID="${CLUSTER_ID:-osprey-local}"
PROBE_TIMEOUT="${PROBE_TIMEOUT:-00:00:02}"
MISSED_PROBES="${MISSED_PROBES:-2}"
RESPONSE_TIMEOUT="${RESPONSE_TIMEOUT:-00:00:30}"
SHUTDOWN_TIMEOUT="${SHUTDOWN_TIMEOUT:-00:00:30}"
REDIS_APPENDONLY="${REDIS_APPENDONLY:-no}"

pids_dir="$STATE_DIR/pids"
logs_dir="$STATE_DIR/logs"

log() { echo "local-cluster: $*" >&2; }
fail() { log "error: $*"; exit 1; }

# A PID file holds "<pid> <marker>"; the marker must still appear in the process's command line,
# so a PID the system has reused for something else is never signalled.
is_ours() {
  local pid="$1" marker="$2"
  [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"
}

record() { echo "$2 $3" >"$pids_dir/$1.pid"; }

# Right after `start` the background child may not have exec'd its program yet, so its command line
# still lacks the marker: a live process that is not a zombie counts as starting.
ours_or_starting() {
  local pid="$1" marker="$2"
  is_ours "$pid" "$marker" && return 0
  [[ -r "/proc/$pid/stat" ]] && ! grep -qE '^[0-9]+ \(.*\) Z' "/proc/$pid/stat" 2>/dev/null
}

target_path() {
  dotnet msbuild "$repo/$1" -nologo -getProperty:TargetPath -p:Configuration="$CONFIGURATION"
}

start() {
  local name="$1"; shift
  local marker="$1"; shift
  # setsid: the process outlives this script and never receives the caller's terminal signals.
  setsid "$@" >"$logs_dir/$name.log" 2>&1 < /dev/null &
  record "$name" "$!" "$marker"
  log "started $name (pid $!), log $logs_dir/$name.log"
}

wait_healthy() {
  local deadline=$(( $(date +%s) + HEALTH_TIMEOUT )) body=""
  while (( $(date +%s) < deadline )); do
    for f in "$pids_dir"/*.pid; do
      read -r pid marker <"$f"
      ours_or_starting "$pid" "$marker" || { log "$(basename "$f" .pid) exited during startup; its log:"; tail -n 40 "$logs_dir/$(basename "$f" .pid).log" >&2 || true; return 1; }
    done
    body="$(curl -fsS --max-time 5 "$GATEWAY_URL/healthz" 2>/dev/null || true)"
    # Healthy with every silo joined, so the first requests can already spread over all of them.
    if [[ "$body" == *'"healthy"'* && "$body" == *"\"silos\":$SILOS"[,}]* ]]; then
      log "gateway healthy at $GATEWAY_URL: $body"
      return 0
    fi
    sleep 1
  done
  log "gateway at $GATEWAY_URL not healthy after ${HEALTH_TIMEOUT}s (last answer: ${body:-none}); gateway log:"
  tail -n 40 "$logs_dir/gateway.log" >&2 || true
  return 1
}

up() {
  command -v redis-server >/dev/null || fail "redis-server is not installed (apt-get install redis-server)"
  command -v curl >/dev/null || fail "curl is required"
  [[ "$SILOS" =~ ^[1-9][0-9]*$ ]] || fail "SILOS must be a positive integer (got '$SILOS')"
  if compgen -G "$pids_dir/*.pid" >/dev/null; then
    fail "a cluster from $STATE_DIR is still recorded as running; run '$0 down' first"
  fi
  mkdir -p "$pids_dir" "$logs_dir" "$STATE_DIR/redis"

  if [[ "$NO_BUILD" != 1 ]]; then
    log "building ($CONFIGURATION)"
    dotnet build "$repo/src/Silo" -c "$CONFIGURATION" -nologo -v q >"$logs_dir/build.log" 2>&1 \
      && dotnet build "$repo/src/Gateway" -c "$CONFIGURATION" -nologo -v q >>"$logs_dir/build.log" 2>&1 \
      || { tail -n 30 "$logs_dir/build.log" >&2; fail "build failed (log: $logs_dir/build.log)"; }
  fi
  local silo_dll gateway_dll
  silo_dll="$(target_path src/Silo)"
  gateway_dll="$(target_path src/Gateway)"
  [[ -f "$silo_dll" && -f "$gateway_dll" ]] || fail "built binaries not found ($silo_dll, $gateway_dll)"

  # From here on, any failure stops what was already started.
  trap 'log "startup failed; stopping what was started"; down; exit 1' ERR
  abort() { log "error: $*"; down; exit 1; }

  # set-proc-title no: keep the command line (and so the PID file's marker) as started.
  start redis "--port $REDIS_PORT" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$STATE_DIR/redis" \
    --save "" --appendonly "$REDIS_APPENDONLY" --daemonize no --set-proc-title no
  local tries=0
  until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do
    if (( ++tries > 50 )); then tail -n 20 "$logs_dir/redis.log" >&2; abort "redis-server did not answer on 127.0.0.1:$REDIS_PORT"; fi
    sleep 0.2
  done
  # A previous run's membership table would make the new silos wait on dead ones.
  redis-cli -p "$REDIS_PORT" flushall >/dev/null

  # The hosts connect with abortConnect=false themselves (OspreyRedisConnection): one that starts while Redis
  # is down waits for it, and one that loses it reconnects.
  local redis="127.0.0.1:$REDIS_PORT" cluster=("--Orleans:ClusterId=$CLUSTER_ID" "--Orleans:ServiceId=osprey"
    "--Osprey:ProbeTimeout=$PROBE_TIMEOUT" "--Osprey:MissedProbesLimit=$MISSED_PROBES"
    "--Osprey:ResponseTimeout=$RESPONSE_TIMEOUT" "--Osprey:ShutdownTimeout=$SHUTDOWN_TIMEOUT")
  local model=()
  [[ -n "$MODEL_DIR" ]] && model=("--Osprey:ModelDirectory=$MODEL_DIR")

  # As the Dockerfiles and launch settings: the engine's threads allocate from glibc's main arena
  # (Osprey.Engine/Devices/NativeHeap).
  export MALLOC_ARENA_MAX=1
  for (( i = 0; i < SILOS; i++ )); do
    local silo_port=$(( SILO_PORT_BASE + i )) gateway_port=$(( SILO_GATEWAY_PORT_BASE + i )) metrics_port=$(( SILO_METRICS_PORT_BASE + i ))
    start "silo$i" "--Orleans:SiloPort=$silo_port" dotnet "$silo_dll" "${cluster[@]}" "${model[@]}" \
      "--Osprey:Redis=$redis" "--Orleans:AdvertisedIP=127.0.0.1" \
      "--Orleans:SiloPort=$silo_port" "--Orleans:GatewayPort=$gateway_port" \
      "--Osprey:MetricsHost=127.0.0.1" "--Osprey:MetricsPort=$metrics_port"
  done

  start gateway "--urls=$GATEWAY_URL" dotnet "$gateway_dll" "${cluster[@]}" "--Osprey:Redis=$redis" "--urls=$GATEWAY_URL"

  wait_healthy || abort "the cluster did not become healthy"
  trap - ERR
  log "up: redis 127.0.0.1:$REDIS_PORT, $SILOS silos, gateway $GATEWAY_URL (state: $STATE_DIR)"
}

down() {
  [[ -d "$pids_dir" ]] || { log "nothing recorded in $STATE_DIR"; return 0; }
  local name pid marker f
  # Gateway first, then silos, Redis last: clients leave before the membership store goes away.
  for f in "$pids_dir"/gateway.pid "$pids_dir"/silo*.pid "$pids_dir"/redis.pid; do
    [[ -f "$f" ]] || continue
    name="$(basename "$f" .pid)"
    read -r pid marker <"$f"
    if is_ours "$pid" "$marker"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do is_ours "$pid" "$marker" || break; sleep 0.1; done
      if is_ours "$pid" "$marker"; then
        log "$name (pid $pid) ignored SIGTERM for 10s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
      log "stopped $name (pid $pid)"
    else
      log "$name (pid $pid) was not running"
    fi
    rm -f "$f"
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
