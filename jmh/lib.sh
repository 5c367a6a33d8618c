# Sourced by jmh/smoke.sh and jmh/full-run.sh: finds a JDK 25, builds jmh/target/benchmarks.jar
# when it is missing or older than a source, and asks the jar what can run on this machine.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
use_jdk25
jar="$root/jmh/target/benchmarks.jar"

build_benchmarks() {
    if [ ! -f "$jar" ] || [ -n "$(find "$root/pom.xml" "$root/kernels" "$root/opencl" "$root/jmh" \
            -name target -prune -o \( -path '*/src/main/*' -o -name pom.xml \) -newer "$jar" -print -quit)" ]; then
        echo "jmh: building benchmarks.jar (missing or older than its sources) ..." >&2
        (cd "$root" && ./mvnw -q -B -DskipTests -pl jmh -am package) >&2
    fi
}

# JMH options keeping the backends and baselines that run here, e.g. "-p backend=scalar,simd -p impl=...";
# the reason for each one left out goes to stderr.
available_params() {
    "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
        -cp "$jar" org.relukit.jmh.Availability 2> >(grep -v 'Using incubator modules' >&2)
}
