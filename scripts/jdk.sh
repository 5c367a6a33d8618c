# Sourced by ./relukit and ./run-tests: finds a JDK 25 or newer, since the default java may be older.
# Looks at JAVA_HOME first, then every JDK under /usr/lib/jvm; prints its home.
find_jdk25() {
    local candidate major
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
        [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
        major=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 \
            | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p')
        if [ -n "$major" ] && [ "$major" -ge 25 ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

use_jdk25() {
    local home
    if ! home=$(find_jdk25); then
        echo "relukit: no JDK 25 or newer found in JAVA_HOME or /usr/lib/jvm; install one (e.g. Temurin 25) or point JAVA_HOME at it" >&2
        exit 1
    fi
    export JAVA_HOME="$home"
    export PATH="$JAVA_HOME/bin:$PATH"
}
