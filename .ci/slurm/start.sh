#!/usr/bin/env bash
# Brings up a single-node Slurm (slurmctld + slurmd on this host, with their own munged) from the
# Debian packages slurm-wlm and munge, for CI and for trying `relukit sweep --slurm` on one machine.
#
#   eval "$(.ci/slurm/start.sh [DIR])"     # prints `export SLURM_CONF=DIR/slurm.conf` on stdout
#   .ci/slurm/stop.sh DIR                   # or with SLURM_CONF set: .ci/slurm/stop.sh
#
# Everything (config, keys, sockets, state, spool, logs) lives in DIR, a fresh temp dir by default,
# and the ports are the first free ones from 6817 up, so nothing under /etc or /var is touched and
# an installed Slurm is left alone. Needs root: slurmd starts each job as the user who submitted it.
# Any failure exits non-zero with the reason and the log lines that show it; nothing is skipped.
set -euo pipefail

fail() {
    echo "slurm-start: $*" >&2
    exit 1
}

show_log() {
    [ -s "$1" ] && { echo "--- last lines of $1:" >&2; tail -n 25 "$1" >&2; }
    return 0
}

[ "$(id -u)" -eq 0 ] || fail "needs root (slurmd runs each job as its submitter); run it with sudo"
for tool in munged munge unmunge slurmctld slurmd sinfo scontrol; do
    command -v "$tool" >/dev/null || fail "$tool not found: apt-get install -y slurm-wlm munge"
done

dir=${1:-$(mktemp -d "${TMPDIR:-/tmp}/relukit-slurm.XXXXXX")}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[ ! -e "$dir/slurm.conf" ] || fail "$dir already holds a Slurm (stop it with .ci/slurm/stop.sh $dir, or pass a fresh directory)"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
# munged refuses a key or socket in a directory that others can write to.
chmod 700 "$dir" "$dir/munge"

key="$dir/munge/munge.key"
socket="$dir/munge/munge.socket"
head -c 1024 /dev/urandom >"$key"
chmod 400 "$key"
munged --force --key-file="$key" --socket="$socket" --pid-file="$dir/munge/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" \
    || { show_log "$dir/log/munged.log"; fail "munged did not start"; }
if ! munge -n -S "$socket" | unmunge -S "$socket" >/dev/null 2>"$dir/log/unmunge.err"; then
    show_log "$dir/log/unmunge.err"
    show_log "$dir/log/munged.log"
    fail "munged started but a credential does not round-trip through $socket"
fi

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
free_port() {
    local port=$1
    while port_in_use "$port" || [ "$port" -eq "${2:-0}" ]; do
        port=$((port + 1))
        [ "$port" -lt 6900 ] || fail "no free port in 6817-6899 for slurmctld/slurmd"
    done
    echo "$port"
}
ctld_port=$(free_port 6817)
slurmd_port=$(free_port $((ctld_port + 1)) "$ctld_port")

host=$(hostname -s)
# The node as slurmd sees it: real CPUs, sockets, cores and memory; slurmd refuses to register a
# node that claims more than it has.
node=$(slurmd -C | head -n 1)
case "$node" in
    NodeName=*) ;;
    *) fail "slurmd -C did not describe this node (it printed: $node)" ;;
esac
node=${node/NodeName=$host/NodeName=$host NodeAddr=127.0.0.1}

conf="$dir/slurm.conf"
cat >"$conf" <<CONF
# Single-node Slurm for relukit's CI, written by .ci/slurm/start.sh.
ClusterName=relukit-ci
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd-%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: containers and CI VMs often cannot delegate them.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
# Finished jobs stay visible to scontrol for 10 minutes: without accounting, that is where a
# waiting script reads how each array task ended.
MinJobAge=600
$node State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

export SLURM_CONF="$conf"
slurmctld -f "$conf" || { show_log "$dir/log/slurmctld.log"; fail "slurmctld did not start"; }
slurmd -f "$conf" || { show_log "$dir/log/slurmd.log"; fail "slurmd did not start"; }

# Bounded wait: the node registers within seconds when all is well.
state=""
for _ in $(seq 1 100); do
    for daemon in slurmctld slurmd; do
        pid=$(cat "$dir/$daemon.pid" 2>/dev/null || true)
        if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
            # A daemon writes its pid file a moment after forking; give it that moment once.
            sleep 0.5
            pid=$(cat "$dir/$daemon.pid" 2>/dev/null || true)
            if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
                show_log "$dir/log/$daemon.log"
                fail "$daemon exited during start-up"
            fi
        fi
    done
    state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.5
done
if [ "$state" != idle ]; then
    show_log "$dir/log/slurmctld.log"
    show_log "$dir/log/slurmd.log"
    fail "node $host is '${state:-not listed}' after 50 s, not idle (sinfo: $(sinfo 2>&1 | tr '\n' ' '))"
fi
echo "slurm-start: node $host idle (slurmctld port $ctld_port, slurmd port $slurmd_port); files in $dir" >&2
echo "export SLURM_CONF=$conf"
