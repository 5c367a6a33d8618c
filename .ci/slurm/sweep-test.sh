#!/usr/bin/env bash
# Sweeps on a real single-node Slurm (brought up by start.sh; needs root, slurm-wlm and munge):
#  1. a 4-cell recon sweep submitted as an array job with --slurm --submit, waited for, collected,
#     and compared cell by cell with the same sweep run locally (--jobs 2): metrics.jsonl must be
#     byte-identical;
#  2. a task cancelled while its cell runs (what a time limit does too: SIGTERM, then SIGKILL):
#     its cells stay unfinished, the other task's files stay untouched, and a resubmit is an array
#     over just the unfinished cells, after which every cell is done;
#  3. the per-task overhead (JVM start and warm-up): four one-cell tasks against one four-cell task.
# Any failure exits non-zero with the reason; Slurm's logs are kept and named then.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
. scripts/jdk.sh
use_jdk25

fail() {
    echo "sweep-test: FAILED: $*" >&2
    exit 1
}

jar="$root/runner/target/relukit.jar"
if [ ! -f "$jar" ]; then
    echo "sweep-test: building $jar" >&2
    mvn -q -B -DskipTests -pl runner -am package >&2
fi
relukit() {
    "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar "$jar" "$@"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/relukit-sweep-test.XXXXXX")
finish() {
    local status=$?
    if [ -n "${SLURM_CONF:-}" ]; then
        if [ "$status" -ne 0 ]; then
            echo "sweep-test: Slurm's logs: $(dirname "$SLURM_CONF")/log; the sweeps: $work" >&2
            KEEP_SLURM_DIR=1 "$root/.ci/slurm/stop.sh" "$(dirname "$SLURM_CONF")" || true
        else
            "$root/.ci/slurm/stop.sh" "$(dirname "$SLURM_CONF")"
        fi
    fi
    [ "$status" -ne 0 ] || rm -rf "$work"
}
trap finish EXIT
eval "$("$root/.ci/slurm/start.sh" "$work/slurm")"

# A recon small enough to take about a second per cell; the failure test's cells run longer so
# that the cancel lands while one runs.
tiny=(--ks "[6,8]" --node_multi 2 --d_output 8 --num_epoch 3 --num_trial 1 --train_size 2048 --eval_size 256)
longer=(--ks "[6,8]" --node_multi 2 --d_output 8 --num_epoch 40 --num_trial 1 --train_size 8192 --eval_size 256)
grid=(--grid seed=1,2,3,4)

# The per-cell status the sweep writes: DIR/status/<index>.json.
cell_done() {
    grep -q '"status" *: *"done"' "$1/status/$2.json" 2>/dev/null
}

# Waits (bounded) until no task of job $1 is queued or running.
wait_for_job() {
    local job=$1 limit=$2 waited=0
    while [ -n "$(squeue -h -j "$job" -o %i 2>/dev/null)" ]; do
        [ "$waited" -lt $((limit * 5)) ] || { squeue; fail "job $job still queued or running after $limit s"; }
        sleep 0.2
        waited=$((waited + 1))
    done
}

# "TASK STATE" per array task of job $1, from slurmctld (there is no accounting database here).
task_states() {
    scontrol -o show job "$1" | sed -n 's/.*ArrayTaskId=\([0-9]*\) .*JobState=\([A-Z_]*\) .*/\1 \2/p' | sort -n
}

# Task wall times in seconds from the relukit-task lines sweep.sbatch writes into each log.
task_seconds() {
    awk '/^relukit-task start/ {s = $3} /^relukit-task end/ {printf "%.2f\n", $3 - s}' "$@"
}

echo "sweep-test: 0. --slurm without sbatch on the PATH" >&2
set +e
message=$(PATH=/nonexistent relukit sweep recon "${grid[@]}" "${tiny[@]}" --out "$work/no-sbatch" --slurm 2>&1 >/dev/null)
code=$?
set -e
[ "$code" -eq 2 ] || fail "--slurm without sbatch exited $code, not 2 ($message)"
[ "$(printf '%s\n' "$message" | wc -l)" -eq 1 ] && [[ "$message" == *sbatch* ]] \
    || fail "--slurm without sbatch should say so in one line, said: $message"

echo "sweep-test: 1. a 4-cell sweep as an array job, against the same sweep run locally" >&2
# One cell per task and the whole node per task, so the tasks run one after another: their
# wall times then measure a cell in its own JVM (part 3).
job=$(relukit sweep recon "${grid[@]}" "${tiny[@]}" --out "$work/on-slurm" \
    --slurm --cells-per-task 1 --cpus-per-task 2 --jobs 1 --time 10 --submit)
[[ "$job" =~ ^[0-9]+$ ]] || fail "--submit printed '$job', not a job id"
grep -q '^#SBATCH --array=0-3$' "$work/on-slurm/slurm/sweep.sbatch" || fail "sweep.sbatch is not an array of 4 tasks"
wait_for_job "$job" 120
states=$(task_states "$job")
[ "$states" = "$(printf '0 COMPLETED\n1 COMPLETED\n2 COMPLETED\n3 COMPLETED')" ] \
    || { cat "$work"/on-slurm/slurm/logs/*; fail "array job $job did not complete every task: $states"; }
relukit sweep --status "$work/on-slurm"
relukit collect "$work/on-slurm" >&2
[ -s "$work/on-slurm/metrics.csv" ] || fail "relukit collect wrote no metrics.csv in $work/on-slurm"

relukit sweep recon "${grid[@]}" "${tiny[@]}" --out "$work/local" --jobs 2 >&2
compared=0
for cell in "$work"/local/cells/*/; do
    name=$(basename "$cell")
    slurm_metrics="$work/on-slurm/cells/$name/metrics.jsonl"
    [ -f "$slurm_metrics" ] || fail "cell $name has no metrics.jsonl on Slurm"
    cmp "$cell/metrics.jsonl" "$slurm_metrics" || fail "cell $name: metrics.jsonl differs between Slurm and local"
    compared=$((compared + 1))
done
[ "$compared" -eq 4 ] || fail "compared $compared cells, not 4"
echo "sweep-test: the 4 cells' metrics.jsonl are byte-identical on Slurm and locally" >&2

echo "sweep-test: 2. a task cancelled while its cell runs, then a resubmit" >&2
fails="$work/cancelled"
job=$(relukit sweep recon "${grid[@]}" "${longer[@]}" --out "$fails" \
    --slurm --cells-per-task 2 --cpus-per-task 1 --jobs 1 --time 10 --submit)
# Task 1 owns cells 2 and 3: cancel it once cell 2 has started, so it dies mid-cell.
waited=0
until grep -q '"status" *: *"running"' "$fails/status/2.json" 2>/dev/null; do
    [ "$waited" -lt 600 ] || fail "cell 2 never started running (task 1 of job $job)"
    sleep 0.1
    waited=$((waited + 1))
done
scancel "${job}_1"
wait_for_job "$job" 120
states=$(task_states "$job")
[ "$states" = "$(printf '0 COMPLETED\n1 CANCELLED')" ] || fail "expected task 0 COMPLETED and task 1 CANCELLED, got: $states"
for i in 0 1; do cell_done "$fails" "$i" || fail "cell $i of the completed task is not done"; done
for i in 2 3; do ! cell_done "$fails" "$i" || fail "cell $i of the cancelled task is done; the cancel came too late"; done
relukit sweep --status "$fails"

# Fingerprints (size, modification time to the nanosecond, content) of the finished cells' files,
# to show that the resubmit leaves them alone.
fingerprint() {
    find "$fails/cells/seed=1" "$fails/cells/seed=2" "$fails/status/0.json" "$fails/status/1.json" -type f -print0 \
        | sort -z | xargs -0 sh -c 'stat -c "%n %s %y" "$@"; sha256sum "$@"' fingerprint
}
before=$(fingerprint)
job2=$(relukit sweep --resume "$fails" --slurm --cells-per-task 1 --submit)
grep -q '^cells=(2:3 3:4)$' "$fails/slurm/sweep.sbatch" \
    || fail "the resubmit's array is not over cells 2 and 3 alone: $(grep '^cells=' "$fails/slurm/sweep.sbatch")"
grep -q '^#SBATCH --array=0-1$' "$fails/slurm/sweep.sbatch" || fail "the resubmit's array does not have 2 tasks"
wait_for_job "$job2" 180
states=$(task_states "$job2")
[ "$states" = "$(printf '0 COMPLETED\n1 COMPLETED')" ] || fail "resubmitted job $job2: $states"
for i in 0 1 2 3; do cell_done "$fails" "$i" || fail "cell $i is not done after the resubmit"; done
[ "$(fingerprint)" = "$before" ] || { diff <(echo "$before") <(fingerprint) >&2; fail "the resubmit touched the finished cells' files"; }
echo "sweep-test: the cancelled task's cells 2 and 3 ran again in job $job2 (an array over just them); cells 0 and 1 untouched" >&2

echo "sweep-test: 3. per-task overhead: 4 one-cell tasks against 1 four-cell task" >&2
job=$(relukit sweep recon "${grid[@]}" "${tiny[@]}" --out "$work/one-task" \
    --slurm --cells-per-task 4 --cpus-per-task 2 --jobs 1 --time 10 --submit)
wait_for_job "$job" 120
[ "$(task_states "$job")" = "0 COMPLETED" ] || fail "the four-cell task of job $job did not complete"
separate=$(task_seconds "$work"/on-slurm/slurm/logs/*.out | awk '{t += $1} END {printf "%.2f", t}')
together=$(task_seconds "$work"/one-task/slurm/logs/*.out)
TIMEFORMAT=%R
jvm=$( { time "$JAVA_HOME/bin/java" -jar "$jar" --version >/dev/null; } 2>&1 | tail -n 1)
echo "sweep-test: 4 cells in 4 tasks: $separate s of task time; in 1 task: $together s;" \
    "overhead per extra task (JVM start + warm-up): $(awk -v a="$separate" -v b="$together" 'BEGIN {printf "%.2f", (a - b) / 3}') s" \
    "(a bare JVM start: $jvm s)" >&2
echo "sweep-test: passed" >&2
