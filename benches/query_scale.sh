#!/usr/bin/env bash
# Ingests one set of generated feeds into a SQLite store and a FalkorDB graph,
# timing each `ciss ingest` and `ciss resolve` with GNU time, then runs the
# query bench (benches/queries.rs) against both stores.
#
#   benches/query_scale.sh [PEOPLE] [WORK_DIR]      (defaults: 100000, $HOME/.cache/ciss-bench/q$PEOPLE)
#
# Needs a FalkorDB server: run `eval "$(bash scripts/falkordb.sh)"` first so
# CISS_TEST_FALKOR_URI names it; the graph used is `bench`, emptied first.
# Prints one line per step (wall seconds, peak RSS in KiB) and the totals as
# records/s; the bench output goes to WORK_DIR/bench-STORE.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

people="${1:-100000}"
work="${2:-$HOME/.cache/ciss-bench/q$people}"
: "${CISS_TEST_FALKOR_URI:?start a server with: eval \"\$(bash scripts/falkordb.sh)\"}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ciss-target-bench}"
cargo build --release --quiet
ciss="$CARGO_TARGET_DIR/release/ciss"
sources=(rms judicial correction dmv cssd parole sor)
falkor="$CISS_TEST_FALKOR_URI/bench"
sqlite="sqlite:$work/ciss.db"

rm -rf "$work"
mkdir -p "$work"

# Runs a command under GNU time and appends "label wall_s max_rss_kib" to results.txt.
measure() {
    local label="$1"
    shift
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >"$work/$label.out" 2>"$work/$label.err" || {
        local status=$?
        # ingest exits 2 when records were quarantined; anything else is a failure.
        if [ "$status" -ne 2 ]; then
            cat "$work/$label.err" >&2
            exit "$status"
        fi
    }
    read -r wall rss <"$work/time.txt"
    printf '%-28s %9.2f s %9d KiB\n' "$label" "$wall" "$rss"
    echo "$label $wall $rss" >>"$work/results.txt"
}

feed_of() {
    ls "$work/feeds/$1".* | head -n 1
}

"$ciss" generate --people "$people" --seed 7 --as-of 2026-12-01 --out "$work/feeds" >/dev/null
records=0
for source in "${sources[@]}"; do
    rows=$(($(wc -l <"$(feed_of "$source")")))
    case "$(feed_of "$source")" in *.csv) rows=$((rows - 1)) ;; esac
    records=$((records + rows))
done
echo "source records: $records"

# Empty the graph left by an earlier run, so every record is a first insert.
python_redis="$HOME/.cache/ciss-falkordb/venv/bin/python"
hostport="${CISS_TEST_FALKOR_URI#falkor://}"
"$python_redis" - "$hostport" <<'EOF'
import socket, sys
host, port = sys.argv[1].split(":")
with socket.create_connection((host, int(port)), timeout=5) as s:
    s.sendall(b"*2\r\n$3\r\nDEL\r\n$5\r\nbench\r\n")
    s.recv(64)
EOF

for store in sqlite falkor; do
    uri="${!store}"
    for source in "${sources[@]}"; do
        measure "$store-ingest-$source" "$ciss" --store "$uri" ingest --no-resolve --source "$source" "$(feed_of "$source")"
    done
    measure "$store-resolve" "$ciss" --store "$uri" resolve
done

awk -v records="$records" '
    $1 ~ /-ingest-/ { split($1, p, "-"); wall[p[1]] += $2; if ($3 > rss[p[1]]) rss[p[1]] = $3 }
    END {
        for (s in wall)
            printf "%s ingest: %d records in %.1f s = %.0f records/s, peak %d KiB\n", s, records, wall[s], records / wall[s], rss[s]
    }' "$work/results.txt"

for store in sqlite falkor; do
    CISS_BENCH_STORE="${!store}" CISS_BENCH_FEEDS="$work/feeds" \
        cargo bench --bench queries -- --warm-up-time 2 --measurement-time 5 2>&1 | tee "$work/bench-$store.txt"
done
