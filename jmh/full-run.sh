#!/usr/bin/env bash
# The full suite on this machine, written to jmh/results/<date>-<machine>.{json,md}: the kernels and
# the baselines on every shape, the training step, then -prof gc on the simd kernels and the training
# step (<date>-<machine>-gc.json), and the Markdown tables of it all. Backends and baselines that
# cannot run here are left out, each with a line saying why.
#
# Environment (all optional):
#   ITERATIONS      JMH iteration options, default "-f 3 -wi 6 -w 1s -i 3 -r 1s" (about 12 s a fork;
#                   a quiet machine can afford "-f 2 -wi 5 -w 1s -i 5 -r 1s")
#   KERNEL_BACKENDS backends for the kernels, default every one that runs here (e.g. scalar,simd)
#   SHAPES          shapes of the kernels and baselines, default the suite's twelve
#   GC_SHAPES       shapes of the -prof gc run, default four: small, odd, batch 1024 and square 1024
#   MACHINE         names the files (default: the CPU model and core count)
#   NOTE            a line added to the .md
# The JMH logs go to jmh/target/.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
build_benchmarks
# A build elsewhere in the tree (mvn verify) would rewrite the jar under the forks: run a copy.
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
cp "$jar" "$copy/benchmarks.jar"
jar="$copy/benchmarks.jar"

read -r -a iterations <<< "${ITERATIONS:--f 3 -wi 6 -w 1s -i 3 -r 1s}"
gc_shapes=${GC_SHAPES:-b64:20x100,b64:150x200,b1024:200x250,b1024:1024x1024}
model=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
cores=$(nproc)
machine=${MACHINE:-$(echo "$model" | tr 'A-Z' 'a-z' | tr -cs 'a-z0-9' '-' | sed 's/^-*//; s/-*$//')-${cores}c}
day=$(date -u +%Y-%m-%d)
base="$root/jmh/results/$day-$machine"
logs="$root/jmh/target/$day-$machine"
mkdir -p "$root/jmh/results" "$root/jmh/target"

params=$(available_params 2> "$logs-availability.txt") || { cat "$logs-availability.txt" >&2; exit 1; }
cat "$logs-availability.txt" >&2
read -r -a available <<< "$params"
impl_params=()
for ((i = 0; i + 1 < ${#available[@]}; i += 2)); do
    case ${available[i + 1]} in
        backend=*) backends=${available[i + 1]#backend=} ;;
        impl=*) impl_params=(-p "${available[i + 1]}") ;;
    esac
done
kernel_backends=${KERNEL_BACKENDS:-$backends}
shape_params=()
if [ -n "${SHAPES:-}" ]; then
    shape_params=(-p shape="$SHAPES")
fi

jmh() {
    local log=$1
    shift
    echo "jmh full run: $*" >&2
    "$JAVA_HOME/bin/java" -jar "$jar" "${iterations[@]}" "$@" > "$log" 2>&1 \
        || { tail -n 40 "$log" >&2; echo "jmh full run: JMH failed, log in $log" >&2; exit 1; }
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)
jmh "$logs-kernels.log" 'KernelBench|GemmBaselines' -p backend="$kernel_backends" "${impl_params[@]}" \
    "${shape_params[@]}" -rf json -rff "$logs-kernels.json"
jmh "$logs-step.log" 'TrainingStepBench' -p backend="$backends" -rf json -rff "$logs-step.json"
python3 -c 'import json, sys; json.dump(sum((json.load(open(f)) for f in sys.argv[2:]), []), open(sys.argv[1], "w"), indent=2)' \
    "$base.json" "$logs-kernels.json" "$logs-step.json"
jmh "$logs-gc.log" 'KernelBench|TrainingStepBench' -p backend=simd -p shape="$gc_shapes" -prof gc \
    -rf json -rff "$base-gc.json"
minutes=$(( ($(date +%s) - start + 59) / 60 ))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

{
    echo "# JMH results, $day, $machine"
    echo
    echo "- Date: $day (UTC); the three runs took $minutes min."
    echo "- CPU: $model, $cores cores, $(lscpu | sed -n 's/^Thread(s) per core: *//p') thread(s) per core;" \
        "$(grep -o -w -E 'avx2|fma|avx512f|avx512_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ' | sed 's/ $//')."
    echo "- JDK: $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p)."
    echo "- Source: commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" status --porcelain -- kernels opencl jmh \
        | grep -q . && echo ", with uncommitted changes in: $(git -C "$root" status --porcelain -- kernels opencl jmh \
        | awk '{print $2}' | cut -d/ -f1 | sort -u | tr '\n' ' ' | sed 's/ $//')")."
    echo "- Baselines: dev.ludovic.netlib:blas 3.0.4;" \
        "$(grep -m1 -o 'JNIBLAS: .*' "$logs-availability.txt" || echo 'JNIBLAS not loaded')."
    echo "- Load average (1, 5, 15 min) before: $load_before; after: $load_after."
    echo "- JMH: \`${iterations[*]}\`; kernels and baselines with \`-p backend=$kernel_backends ${impl_params[*]} ${shape_params[*]}\`," \
        "training step with \`-p backend=$backends\`, \`-prof gc\` with \`-p backend=simd -p shape=$gc_shapes\`."
    echo "- One thread throughout: the backends with their default options, OpenBLAS set to one thread."
    if grep -q skipped "$logs-availability.txt"; then
        echo "- Left out: $(grep skipped "$logs-availability.txt" | tr '\n' ' ')"
    fi
    if [ -n "${NOTE:-}" ]; then
        echo "- $NOTE"
    fi
    echo
    python3 "$root/jmh/tables.py" "$base-gc.json" "$base.json"
} > "$base.md"
echo "jmh full run: wrote $base.md" >&2
