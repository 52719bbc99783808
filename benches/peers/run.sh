#!/usr/bin/env bash
# Runs the peer tools (Splink, recordlinkage) and `ciss evaluate` on the FEBRL
# tasks, one line per tool and task, or on feeds written by `ciss generate`.
# Creates a Python virtual environment on first use.
# Usage: benches/peers/run.sh [TASK ...]
#        benches/peers/run.sh --generated FEEDS_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."

venv="${PEERS_VENV:-$HOME/.cache/ciss-peers-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    # Splink 5 where the registry has it, else the newest Splink there is.
    "$venv/bin/pip" install --quiet 'splink>=5' recordlinkage \
        || "$venv/bin/pip" install --quiet splink recordlinkage
fi
"$venv/bin/python" -c 'import splink, recordlinkage; print("splink", splink.__version__, "recordlinkage", recordlinkage.__version__)'

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ciss-target}"
cargo build --release --quiet
out="$(mktemp -d)"
if [ "${1:-}" = "--generated" ]; then
    echo "ciss generated"
    /usr/bin/env time -v "$CARGO_TARGET_DIR/release/ciss" evaluate --generated "$2" --out "$out" \
        --write-mentions 2>"$out/time.txt" | grep -E '^cluster|^resolve'
    grep -E 'Elapsed|Maximum resident' "$out/time.txt"
    for tool in splink recordlinkage; do
        /usr/bin/env time -v "$venv/bin/python" benches/peers/peers.py --mentions "$out/mentions.csv" \
            "$tool" 2>"$out/time.txt"
        grep -E 'Elapsed|Maximum resident' "$out/time.txt"
    done
    exit 0
fi
tasks=("$@")
[ ${#tasks[@]} -gt 0 ] || tasks=(febrl1 febrl2 febrl3 febrl4)
for task in "${tasks[@]}"; do
    echo "ciss $task"
    "$CARGO_TARGET_DIR/release/ciss" evaluate --task "$task" --out "$out/$task" 2>/dev/null \
        | grep -E '^cluster|^resolve'
done
"$venv/bin/python" benches/peers/peers.py fixtures/febrl "${tasks[@]}"
