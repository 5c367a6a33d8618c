#!/usr/bin/env bash
# Sweeps on a real single-node Slurm (brought up by start.sh; needs root, slurm-wlm and munge):
#  1. a 4-cell recon sweep submitted as an array job with --slurm --submit, waited for, collected,
#     and compared cell by cell with the same sweep run locally (--jobs 2): metrics.jsonl must be
#     byte-identical;
#  2. a task cancelled while its cell runs (what a time limit does too: SIGTERM, then SIGKILL):
#     its cells stay unfinished, the other task's files stay untouched, and a resubmit is an array
#     over just the unfinished cells, after which every cell is done;
#  2b. a cell left "running" by a lost node counts as running while Slurm has its task, then waiting;
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
    [ "$status" -ne 0 ] || [ "${KEEP_SWEEP_TEST:-0}" = 1 ] || rm -rf "$work"
}
trap finish EXIT
eval "$("$root/.ci/slurm/start.sh" "$work/slurm")"

# A recon small enough to take about a second per cell; the failure test's cells run longer so
# that the cancel lands while one runs.
tiny=(--ks "[6,8]" --node_multi 2 --d_output 8 --num_epoch 2 --num_trial 1 --train_size 512 --eval_size 192)
longer=(--ks "[6,8]" --node_multi 2 --d_output 8 --num_epoch 8 --num_trial 1 --train_size 2048 --eval_size 192)
grid=(--grid seed=1:4)

# The per-cell status the sweep writes: DIR/status/<index>.json.
cell_done() {
    grep -q '"state" *: *"done"' "$1/status/$2.json" 2>/dev/null
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

# Per task, from the lines sweep.sbatch and the sweep write into its log: "WALL CELLS START END",
# the task's wall time, its cells' own times (seconds) and when it started and ended (epoch seconds).
task_times() {
    awk '/^relukit-task start/ {start = $3; cells = 0}
         /^sweep: \[[0-9]+\/[0-9]+\] cell / {cells += $(NF - 1)}
         /^relukit-task end/ {printf "%.2f %.2f %s %s\n", $3 - start, cells, start, $3}' "$@"
}

echo "sweep-test: 0. --slurm without sbatch on the PATH" >&2
set +e
message=$(PATH=/nonexistent relukit sweep recon "${grid[@]}" --out "$work/no-sbatch" --slurm -- "${tiny[@]}" 2>&1 >/dev/null)
code=$?
# The JVM's own notice about the incubating Vector API is not relukit's message.
message=$(printf '%s\n' "$message" | grep -v '^WARNING: Using incubator modules')
set -e
[ "$code" -eq 2 ] || fail "--slurm without sbatch exited $code, not 2 ($message)"
[ "$(printf '%s\n' "$message" | wc -l)" -eq 1 ] && [[ "$message" == *sbatch* ]] \
    || fail "--slurm without sbatch should say so in one line, said: $message"
[ ! -e "$work/no-sbatch" ] || fail "--slurm without sbatch wrote $work/no-sbatch; it should write nothing"

echo "sweep-test: 1. a 4-cell sweep as an array job, against the same sweep run locally" >&2
# One cell per task and the whole node per task, so the tasks run one after another: their
# wall times then measure a cell in its own JVM (part 3).
job=$(relukit sweep recon "${grid[@]}" --out "$work/on-slurm" \
    --slurm --cells-per-task 1 --cpus-per-task 2 --jobs 1 --time 10 --submit -- "${tiny[@]}")
[[ "$job" =~ ^[0-9]+$ ]] || fail "--submit printed '$job', not a job id"
grep -q '^#SBATCH --array=0-3$' "$work/on-slurm/slurm/sweep.sbatch" || fail "sweep.sbatch is not an array of 4 tasks"
wait_for_job "$job" 300
states=$(task_states "$job")
[ "$states" = "$(printf '0 COMPLETED\n1 COMPLETED\n2 COMPLETED\n3 COMPLETED')" ] \
    || { cat "$work"/on-slurm/slurm/logs/*; fail "array job $job did not complete every task: $states"; }
relukit sweep --status "$work/on-slurm"

relukit sweep recon "${grid[@]}" --out "$work/local" --jobs 2 -- "${tiny[@]}" >&2
compared=0
for cell in "$work"/local/cells/*/; do
    name=$(basename "$cell")
    slurm_metrics="$work/on-slurm/cells/$name/metrics.jsonl"
    [ -f "$slurm_metrics" ] || fail "cell $name has no metrics.jsonl on Slurm"
    if grep -q '"steps_per_s"' "$cell/metrics.jsonl"; then
        # A timing, which no two runs share; metrics.jsonl is to lose it. Until then it is the one key left out.
        strip='s/,"steps_per_s":[^,}]*//'
        cmp <(sed "$strip" "$cell/metrics.jsonl") <(sed "$strip" "$slurm_metrics") \
            || fail "cell $name: metrics.jsonl differs between Slurm and local (steps_per_s left out)"
        timing_key=1
    else
        cmp "$cell/metrics.jsonl" "$slurm_metrics" || fail "cell $name: metrics.jsonl differs between Slurm and local"
    fi
    compared=$((compared + 1))
done
[ "$compared" -eq 4 ] || fail "compared $compared cells, not 4"
if [ -n "${timing_key:-}" ]; then
    echo "sweep-test: the 4 cells' metrics.jsonl are identical on Slurm and locally, byte for byte once the timing key steps_per_s (still in metrics.jsonl) is left out" >&2
else
    echo "sweep-test: the 4 cells' metrics.jsonl are byte-identical on Slurm and locally" >&2
fi

echo "sweep-test: 2. a task cancelled while its cell runs, then a resubmit" >&2
fails="$work/cancelled"
job=$(relukit sweep recon "${grid[@]}" --out "$fails" \
    --slurm --cells-per-task 2 --cpus-per-task 1 --jobs 1 --time 10 --submit -- "${longer[@]}")
# Task 1 owns cells 2 and 3: cancel it once cell 2 has started, so it dies mid-cell.
waited=0
until grep -q '"state" *: *"running"' "$fails/status/2.json" 2>/dev/null; do
    [ "$waited" -lt 2400 ] || fail "cell 2 never started running (task 1 of job $job)"
    sleep 0.05
    waited=$((waited + 1))
done
scancel "${job}_1"
wait_for_job "$job" 300
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
wait_for_job "$job2" 300
states=$(task_states "$job2")
[ "$states" = "$(printf '0 COMPLETED\n1 COMPLETED')" ] || fail "resubmitted job $job2: $states"
for i in 0 1 2 3; do cell_done "$fails" "$i" || fail "cell $i is not done after the resubmit"; done
[ "$(fingerprint)" = "$before" ] || { diff <(echo "$before") <(fingerprint) >&2; fail "the resubmit touched the finished cells' files"; }
echo "sweep-test: the cancelled task's cells 2 and 3 ran again in job $job2 (an array over just them); cells 0 and 1 untouched" >&2

echo "sweep-test: 2b. a cell left running on another node counts as running while Slurm has its task, then as waiting" >&2
# What a node that dies mid-cell leaves: a status file saying running, on a host no one here can
# check, with a heartbeat still fresh; Slurm knows at once whether that task is gone. A held job
# stands for the task still queued.
lost="$work/lost-node"
cp -r "$fails" "$lost"
held=$(cd "$work" && sbatch --parsable --hold --output=/dev/null --wrap true)
beat=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
sed -i -e 's/"state": "done"/"state": "running"/' -e 's/"exit": 0/"exit": null/' -e 's/"host": "[^"]*"/"host": "lost-node"/' \
    -e "s/\"heartbeat\": \"[^\"]*\"/\"heartbeat\": \"$beat\"/" \
    -e "s/\"slurm_job\": \"[^\"]*\"/\"slurm_job\": \"$held\"/" "$lost/status/3.json"
grep -q "\"slurm_job\": \"$held\"" "$lost/status/3.json" || fail "could not rewrite $lost/status/3.json"
counts=$(relukit sweep --status "$lost")
[[ "$counts" == *"3 done, 1 running, 0 failed, 0 waiting"* ]] || fail "with job $held queued, expected cell 3 running: $counts"
# And a resubmit while a job of the sweep is queued is refused: its tasks would run the same cells.
printf '%s\tcells [3]\n' "$held" >>"$lost/slurm/jobs.txt"
set +e
message=$(relukit sweep --resume "$lost" --slurm --submit 2>&1 >/dev/null)
code=$?
set -e
[ "$code" -eq 2 ] && [[ "$message" == *"$held"*"still have tasks queued or running"* ]] \
    || fail "a resubmit while job $held is queued should be refused (exit 2), got exit $code: $message"
scancel "$held"
wait_for_job "$held" 60
counts=$(relukit sweep --status "$lost")
[[ "$counts" == *"3 done, 0 running, 0 failed, 1 waiting"* ]] || fail "with job $held gone, expected cell 3 waiting: $counts"
echo "sweep-test: cell 3 on a lost node: running while job $held was queued, waiting once it was cancelled" >&2

echo "sweep-test: 3. per-task overhead: 4 one-cell tasks against 1 four-cell task" >&2
job=$(relukit sweep recon "${grid[@]}" --out "$work/one-task" \
    --slurm --cells-per-task 4 --cpus-per-task 2 --jobs 1 --time 10 --submit -- "${tiny[@]}")
wait_for_job "$job" 300
[ "$(task_states "$job")" = "0 COMPLETED" ] || fail "the four-cell task of job $job did not complete"
task_times "$work"/on-slurm/slurm/logs/*.out | sort -k3 -n >"$work/separate.txt"
task_times "$work"/one-task/slurm/logs/*.out >"$work/together.txt"
[ "$(wc -l <"$work/separate.txt")" -eq 4 ] && [ "$(wc -l <"$work/together.txt")" -eq 1 ] \
    || fail "the task logs lack relukit-task lines: $(cat "$work"/on-slurm/slurm/logs/*.out)"
TIMEFORMAT=%R
jvm=$( { time "$JAVA_HOME/bin/java" -jar "$jar" --version >/dev/null; } 2>&1 | tail -n 1)
awk -v jvm="$jvm" '
    FNR == NR {wall += $1; cells += $2; if (NR > 1) gap += $3 - end; end = $4; next}
    {together = $1; together_cells = $2}
    END {
        printf "sweep-test: 4 cells in 4 one-cell tasks: %.2f s of task time, %.2f s of it in the cells;", wall, cells
        printf " in 1 four-cell task: %.2f s, %.2f s in the cells\n", together, together_cells
        printf "sweep-test: per task outside its cells (JVM start, sweep files, exit): %.2f s;", (wall - cells) / 4
        printf " each extra task (that and the JIT warm-up): %.2f s; Slurm between one task and the next: %.2f s;", (wall - together) / 3, gap / 3
        printf " a bare JVM start: %s s\n", jvm
    }' "$work/separate.txt" "$work/together.txt" >&2
echo "sweep-test: 4. relukit collect on the sweep that ran on Slurm" >&2
relukit collect "$work/on-slurm" >&2
[ -s "$work/on-slurm/metrics.csv" ] || fail "relukit collect wrote no metrics.csv in $work/on-slurm"
echo "sweep-test: passed" >&2
