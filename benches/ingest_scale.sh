#!/usr/bin/env bash
# Measures `ciss generate` and `ciss ingest` at a given population (default
# 1,000,000 people) and, as the peer, a plain `sqlite3 .import` of the same
# files: a raw load with no parsing, validation, normalization or indexes.
# Prints one line per step with wall seconds and peak resident memory (KiB),
# read from GNU time. Usage: benches/ingest_scale.sh [PEOPLE] [WORK_DIR]
#
# `ciss ingest --bulk` loads all seven feeds in one run. With PER_SOURCE=1 the
# script also runs one plain `ciss ingest` per feed into a second store, which
# keeps every index up to date row by row, as a running service does.
# RESOLVE=0 skips the timed `ciss resolve` of the loaded store.
set -euo pipefail
cd "$(dirname "$0")/.."

people="${1:-1000000}"
work="${2:-$HOME/.cache/ciss-bench/$people}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ciss-target}"
cargo build --release --quiet
ciss="$CARGO_TARGET_DIR/release/ciss"
sources=(rms judicial correction dmv cssd parole sor)

rm -rf "$work"
mkdir -p "$work"

# Runs a command under GNU time and prints "label wall_s max_rss_kib".
measure() {
    local label="$1"
    shift
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" > "$work/$label.out" 2> "$work/$label.err" || {
        local status=$?
        # ingest exits 2 when records were quarantined; anything else is a failure.
        if [ "$status" -ne 2 ]; then
            cat "$work/$label.err" >&2
            exit "$status"
        fi
    }
    read -r wall rss < "$work/time.txt"
    printf '%-26s %9.2f s %9d KiB\n' "$label" "$wall" "$rss"
    echo "$label $wall $rss" >> "$work/results.txt"
}

feed_of() {
    ls "$work/feeds/$1".* | head -n 1
}

measure generate "$ciss" generate --people "$people" --seed 7 --as-of 2026-12-01 --out "$work/feeds"
records=0
for source in "${sources[@]}"; do
    rows=$(($(wc -l < "$(feed_of "$source")")))
    case "$(feed_of "$source")" in *.csv) rows=$((rows - 1)) ;; esac
    records=$((records + rows))
done
echo "source records: $records"

feeds=()
for source in "${sources[@]}"; do
    feeds+=("$(feed_of "$source")")
done
measure ingest-bulk "$ciss" --store "sqlite:$work/ciss.db" ingest --no-resolve --bulk "${feeds[@]}"
if [ "${PER_SOURCE:-0}" = 1 ]; then
    for source in "${sources[@]}"; do
        measure "per-source-$source" "$ciss" --store "sqlite:$work/per-source.db" ingest --no-resolve --source "$source" "$(feed_of "$source")"
    done
fi
if [ "${RESOLVE:-1}" = 1 ]; then
    measure resolve "$ciss" --store "sqlite:$work/ciss.db" resolve
fi

for source in "${sources[@]}"; do
    file="$(feed_of "$source")"
    case "$file" in
        *.csv) measure "sqlite3-import-$source" sqlite3 "$work/peer.db" ".import --csv '$file' raw_$source" ;;
        # One JSON line per row: JSON strings never contain a raw tab, so a
        # tab-separated import keeps each line whole.
        *) measure "sqlite3-import-$source" sqlite3 -cmd "CREATE TABLE raw_$source(line TEXT)" \
            -cmd ".mode ascii" -cmd '.separator "\t" "\n"' "$work/peer.db" ".import '$file' raw_$source" ;;
    esac
done

# Totals: records per second over the summed wall time of each tool's steps.
awk -v records="$records" '
    $1 == "ingest-bulk" { ciss += $2; if ($3 > ciss_rss) ciss_rss = $3 }
    $1 ~ /^per-source-/ { each += $2; if ($3 > each_rss) each_rss = $3 }
    $1 ~ /^sqlite3-import-/ { peer += $2; if ($3 > peer_rss) peer_rss = $3 }
    END {
        printf "ciss ingest --bulk: %d records in %.1f s = %.0f records/s, peak %d KiB\n", records, ciss, records / ciss, ciss_rss
        if (each > 0)
            printf "ciss ingest per source: %d records in %.1f s = %.0f records/s, peak %d KiB\n", records, each, records / each, each_rss
        printf "sqlite3 import: %d records in %.1f s = %.0f records/s, peak %d KiB\n", records, peer, records / peer, peer_rss
        printf "ratio (sqlite3 import speed / ciss ingest speed): %.2f\n", ciss / peer
    }' "$work/results.txt"
