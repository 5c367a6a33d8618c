#!/usr/bin/env bash
# The OpenCL backend on a real GPU, for a machine that has an NVIDIA driver but no Java and no
# network. Two halves:
#
#   opencl/gpu-check.sh pack   here, with Maven and a JDK 25: builds the jars, a jlink-ed JDK 25
#                              runtime and the test class path into opencl/target/gpu-check/
#                              (at most 64 MiB, the most a device run carries);
#   opencl/gpu-check.sh run    there, from the repository root with that folder carried along
#                              (the device tool's run with carry ["opencl/target/gpu-check"]):
#                              finds NVIDIA's OpenCL driver, runs the OpenCL conformance tests with
#                              skipping forbidden, then `bench --backend=opencl` at batch 1024,
#                              4096 and 16384, and prints the figures.
#
# Without an argument it runs when an NVIDIA GPU is present and packs otherwise.
# STEPS (default 200) sets the steps per timed block of each bench; ANY_OPENCL=1 rehearses the run
# half on whatever OpenCL platform is installed (PoCL) instead of looking for NVIDIA's.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pack="$root/opencl/target/gpu-check"
max_bytes=$((64 * 1024 * 1024))
modules=java.base,java.logging,java.management,jdk.management,jdk.unsupported,jdk.incubator.vector,java.sql,java.xml,java.compiler

say() { echo "gpu-check: $*" >&2; }

pack() {
    . "$root/scripts/jdk.sh"
    use_jdk25
    cd "$root"
    say "building the jars with $JAVA_HOME"
    ./mvnw -q -B -DskipTests -pl runner,opencl -am package
    rm -rf "$pack"
    mkdir -p "$pack/lib" "$pack/native"

    cp runner/target/relukit.jar "$pack/lib/"
    cp kernels/target/relukit-kernels-*-tests.jar "$pack/lib/relukit-kernels-tests.jar"
    "$JAVA_HOME/bin/jar" --create --file "$pack/lib/relukit-opencl-tests.jar" -C opencl/target/test-classes .
    # The test classes by name: the console launcher's package scan does not find them in a jar.
    (cd opencl/target/test-classes && find . -name '*Test.class' | sed 's:^\./::; s:\.class$::; s:/:.:g' | sort) \
        > "$pack/lib/opencl-tests.txt"
    # The console launcher of the JUnit platform the project's JUnit belongs to (JUnit 5.x ↔ platform 1.x).
    local junit platform
    junit=$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml)
    platform="1.${junit#5.}"
    ./mvnw -q -B dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$platform" \
        -DoutputDirectory="$pack/lib" -Dmdep.stripVersion=true

    say "linking a JDK runtime of $modules"
    "$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
        --compress=zip-9 --output "$pack/jdk"

    # JOCL dlopens "libOpenCL.so", the development name, which a driver install may lack: bring
    # this machine's ICD loader (ocl-icd, needs only libc).
    local loader
    loader=$(readlink -f "$(ldconfig -p | sed -n 's:.*libOpenCL\.so\.1 (libc6,x86-64) => \(.*\):\1:p' | head -1)")
    [ -f "$loader" ] || { say "no libOpenCL.so.1 here: apt-get install ocl-icd-opencl-dev"; exit 1; }
    cp "$loader" "$pack/native/libOpenCL.so"

    # What travels is the pack and the working tree (tracked and untracked, not ignored, files).
    local bytes tree
    bytes=$(du -sb "$pack" | cut -f1)
    tree=$(git ls-files -z -co --exclude-standard | du -cb --files0-from=- 2>/dev/null | tail -1 | cut -f1)
    say "packed $((bytes / 1024 / 1024)) MiB into ${pack#"$root"/}, beside a $((tree / 1024)) KiB working tree"
    if [ $((bytes + tree)) -gt "$max_bytes" ]; then
        say "together that is more than the 64 MiB a device run carries"
        exit 1
    fi
    say "on the GPU machine, carry opencl/target/gpu-check and run: bash opencl/gpu-check.sh run"
}

# Finds NVIDIA's OpenCL driver and points the ICD loader at it.
find_opencl() {
    if ! ldconfig -p 2>/dev/null | grep -q 'libOpenCL\.so (' && [ ! -e /usr/lib/x86_64-linux-gnu/libOpenCL.so ]; then
        say "no libOpenCL.so on this machine: using the packed ICD loader"
        export LD_LIBRARY_PATH="$pack/native${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    fi
    if [ "${ANY_OPENCL:-0}" = 1 ]; then
        say "ANY_OPENCL=1: using whatever OpenCL platform is installed (a rehearsal of the run on PoCL)"
        return
    fi
    local icd=/etc/OpenCL/vendors/nvidia.icd
    if [ -f "$icd" ] && { [ -f "$(cat "$icd")" ] || ldconfig -p 2>/dev/null | grep -qF "$(basename "$(cat "$icd")") "; }; then
        say "NVIDIA's ICD: $icd ($(cat "$icd"))"
        return
    fi
    # In a container the driver is often a mount (/usr/local/nvidia) that ldconfig does not list.
    local driver dirs
    driver=$(ldconfig -p 2>/dev/null | sed -n 's:.*libnvidia-opencl\.so\.1 (libc6,x86-64) => \(.*\):\1:p' | head -1)
    if [ -z "$driver" ]; then
        dirs="${LD_LIBRARY_PATH//:/ } /usr/local/nvidia /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/cuda/lib64 /usr/lib/wsl"
        # shellcheck disable=SC2086 # the list is split on purpose
        driver=$(find $dirs -maxdepth 3 -name 'libnvidia-opencl.so.1*' 2>/dev/null | head -1 || true)
    fi
    if [ -z "$driver" ]; then
        say "no NVIDIA OpenCL driver (libnvidia-opencl.so.1) found; the driver's OpenCL part is missing"
        ls /etc/OpenCL/vendors 2>/dev/null || true
        exit 1
    fi
    # The driver's own libraries (libcuda.so.1, ...) sit beside it.
    export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$(dirname "$driver")"
    local vendors
    vendors=$(mktemp -d)
    echo "$driver" > "$vendors/nvidia.icd"
    export OCL_ICD_VENDORS="$vendors"
    say "NVIDIA's OpenCL driver: $driver (ICD file made in $vendors)"
}

run() {
    [ -x "$pack/jdk/bin/java" ] || { say "no pack at ${pack#"$root"/}: run 'opencl/gpu-check.sh pack' first and carry it"; exit 1; }
    find_opencl
    command -v nvidia-smi >/dev/null && nvidia-smi -L || true
    local java="$pack/jdk/bin/java" lib="$pack/lib"
    local jvm=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)
    "$java" -version 2>&1 | head -1

    say "conformance tests (skipping forbidden)"
    local tests=0
    RELUKIT_REQUIRE_OPENCL=1 timeout 180 "$java" "${jvm[@]}" -Drelukit.requireOpenCL=true \
        -jar "$lib/junit-platform-console-standalone.jar" execute --disable-banner --details=summary --fail-if-no-tests \
        --class-path "$lib/relukit.jar:$lib/relukit-kernels-tests.jar:$lib/relukit-opencl-tests.jar" \
        $(sed 's/^/--select-class /' "$lib/opencl-tests.txt") || tests=$?

    local steps=${STEPS:-200} results=()
    for batch in 1024 4096 16384; do
        say "bench --backend=opencl --batch $batch --steps $steps"
        local out
        out=$(timeout 100 "$java" "${jvm[@]}" -jar "$lib/relukit.jar" bench --backend=opencl \
            --batch "$batch" --threads 1 --steps "$steps" 2>&1) || true
        echo "$out"
        results+=("opencl batch $batch: $(grep -o 'steps_per_s=.*' <<<"$out" || echo 'no figure (see above)')")
    done
    # A CPU baseline from the same machine, with few steps: one thread of SIMD is slow at these batches.
    local cores
    cores=$(nproc)
    for threads in 1 "$cores"; do
        for batch in 1024 4096 16384; do
            local out
            out=$(timeout 60 "$java" "${jvm[@]}" -jar "$lib/relukit.jar" bench --backend=simd \
                --batch "$batch" --threads "$threads" --steps $((threads * 20 * 1024 / batch + 2)) 2>&1) || true
            results+=("simd $threads thread(s) batch $batch: $(grep -o 'steps_per_s=.*' <<<"$out" || echo 'no figure')")
        done
    done

    # Trials at once (recon --jobs): 16 trials of the headline recon, 3 epochs each, at 1 to 16 jobs.
    if [ "${JOBS_CURVE:-1}" = 1 ]; then
        local jobs base=""
        for jobs in 1 2 4 8 16; do
            [ "$jobs" -le "$cores" ] || continue
            local t0 t1 secs
            t0=$(date +%s.%N)
            timeout 240 "$java" "${jvm[@]}" -jar "$lib/relukit.jar" recon --node_multi 10 --d_output 100 --seed 124 \
                --num_trial 16 --num_epoch 3 --jobs "$jobs" --quiet --out "$(mktemp -d)/run" >/dev/null 2>&1 || true
            t1=$(date +%s.%N)
            secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
            base=${base:-$secs}
            results+=("recon 16 trials x 3 epochs, --jobs $jobs: ${secs} s wall, speed-up $(awk -v a="$base" -v b="$secs" 'BEGIN { printf "%.2f", a / b }')x")
        done
    fi

    echo
    echo "== gpu-check figures"
    echo "conformance tests: $([ "$tests" -eq 0 ] && echo passed || echo "FAILED (exit $tests)")"
    printf '%s\n' "${results[@]}"
    return "$tests"
}

mode=${1:-auto}
if [ "$mode" = auto ]; then
    if command -v nvidia-smi >/dev/null 2>&1 || [ -e /dev/nvidiactl ]; then mode=run; else mode=pack; fi
fi
case "$mode" in
    pack) pack ;;
    run) run ;;
    *) say "usage: opencl/gpu-check.sh [pack|run]"; exit 2 ;;
esac
