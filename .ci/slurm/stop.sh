#!/usr/bin/env bash
# Stops the Slurm that .ci/slurm/start.sh brought up in DIR (default: the directory of $SLURM_CONF):
# slurmd, slurmctld and munged, each by the pid in its pid file, then removes DIR unless
# KEEP_SLURM_DIR=1 (its log/ explains a failed run).
set -euo pipefail

dir=${1:-$(dirname "${SLURM_CONF:?slurm-stop: pass the directory start.sh printed, or set SLURM_CONF}")}
[ -f "$dir/slurm.conf" ] || { echo "slurm-stop: $dir holds no slurm.conf written by start.sh" >&2; exit 2; }

stopped=0
for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    pid=$(cat "$pidfile" 2>/dev/null || true)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || continue
    kill -TERM "$pid"
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "slurm-stop: pid $pid ($pidfile) ignored SIGTERM for 10 s; sending SIGKILL" >&2
        kill -KILL "$pid"
    fi
    stopped=$((stopped + 1))
done
echo "slurm-stop: stopped $stopped daemon(s) of $dir" >&2
if [ "${KEEP_SLURM_DIR:-0}" != 1 ]; then
    rm -rf "$dir"
fi
