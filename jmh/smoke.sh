#!/usr/bin/env bash
# CI smoke pass: every benchmark once, on one small odd shape (b33:20x17, conv b3:3x7x5->9) and batch 64, with one
# 100 ms iteration, so that a benchmark that throws fails CI (-foe true makes JMH exit non-zero).
# It measures nothing: the code is cold. Backends and baselines that cannot run here are left out,
# each with a line saying why. About a minute on 2 cores once the jar is built.
# Extra arguments go to JMH.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
build_benchmarks
params=$(available_params)
echo "jmh smoke: $params" >&2

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# shellcheck disable=SC2086 # $params is a list of JMH options
"$JAVA_HOME/bin/java" -jar "$jar" -f 1 -wi 0 -i 1 -r 100ms -foe true \
    $params -p shape=b33:20x17 -p layer='b3:3x7x5->9' -p batch=64 -rf json -rff "$out/smoke.json" "$@" > "$out/smoke.log" 2>&1 \
    || { tail -n 80 "$out/smoke.log"; echo "jmh smoke: a benchmark failed (log above)" >&2; exit 1; }

# Every benchmark method must have a result, and the table script must read them.
"$JAVA_HOME/bin/java" -jar "$jar" -l "$@" 2>/dev/null | grep '^org\.relukit\.' | sort > "$out/listed"
python3 - "$out/smoke.json" "$out/listed" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))
ran = {r["benchmark"] for r in results}
missing = [name.strip() for name in open(sys.argv[2]) if name.strip() not in ran]
if missing:
    sys.exit("jmh smoke: no result for " + ", ".join(missing))
print(f"jmh smoke: {len(results)} runs of {len(ran)} benchmarks, none failed")
PY
python3 "$root/jmh/tables.py" "$out/smoke.json" > /dev/null
