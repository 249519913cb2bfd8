#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine, for tests and for trying `--scheduler slurm`
# (Debian 12 packages slurm-wlm + munge, run as root, no systemd needed).
#
#   bash scripts/slurm-local.sh start DIR   # write DIR/slurm.conf, start munged (when no munge
#                                           # daemon answers), slurmctld and slurmd; wait until
#                                           # the node is idle; print SLURM_CONF=DIR/slurm.conf
#   bash scripts/slurm-local.sh stop DIR    # stop what `start DIR` started, by its pid files
#
# Clients (sinfo, srun, SiliconCompiler's Slurm scheduler) find the cluster through the
# SLURM_CONF environment variable: `export SLURM_CONF=DIR/slurm.conf`. State, logs and pid files
# stay in DIR; finished jobs are listed in DIR/jobcomp.log (JobCompType=jobcomp/filetxt).
# Ports: SLURM_LOCAL_PORT (slurmctld, default 6817) and the next one (slurmd).
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
if [ -z "$cmd" ] || [ -z "$dir" ]; then
    echo "usage: $0 start|stop DIR" >&2
    exit 2
fi
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
conf="$dir/slurm.conf"

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pidfile() {   # stop the daemon whose pid is in $1 (TERM, then KILL after 10 s)
    local f="$1" pid
    [ -f "$f" ] || return 0
    pid="$(cat "$f")"
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

start() {
    if [ "$(id -u)" != 0 ]; then
        echo "$0: starting the daemons needs root" >&2
        exit 1
    fi
    for b in munged munge slurmctld slurmd sinfo; do
        command -v "$b" >/dev/null || { echo "$0: $b not found (apt-get install slurm-wlm munge)" >&2; exit 1; }
    done
    if pid_alive "$dir/slurmctld.pid"; then
        echo "$0: a cluster from $dir is running already; stop it first" >&2
        exit 1
    fi
    # munge: reuse a daemon that answers, else start one as user munge (its pid file in DIR
    # records that this script started it)
    if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
        mkdir -p /run/munge /var/log/munge /var/lib/munge
        if [ ! -s /etc/munge/munge.key ]; then
            dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
        fi
        chown munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge /etc/munge/munge.key
        chmod 0700 /etc/munge; chmod 0400 /etc/munge/munge.key; chmod 0755 /run/munge
        rm -f /run/munge/munged.pid
        su -s /bin/sh munge -c "munged --pid-file=/run/munge/munged.pid"
        for _ in $(seq 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
        cp /run/munge/munged.pid "$dir/munged.pid"
    fi
    local host cpus port
    host="$(hostname -s)"
    cpus="$(nproc)"
    port="${SLURM_LOCAL_PORT:-6817}"
    mkdir -p "$dir/ctld" "$dir/spool"
    cat >"$conf" <<EOF
# written by scripts/slurm-local.sh: a single-node cluster for local runs and tests
ClusterName=eqchip-local
SlurmctldHost=$host
SlurmUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.log
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
    slurmctld -f "$conf"
    slurmd -f "$conf"
    export SLURM_CONF="$conf"
    for _ in $(seq 300); do
        state="$(sinfo --noheader --format %t 2>/dev/null | head -1 || true)"
        if [ "$state" = "idle" ]; then
            echo "SLURM_CONF=$conf"
            return 0
        fi
        sleep 0.1
    done
    echo "$0: the node did not become idle in 30 s (state: ${state:-none}); see $dir/slurmctld.log" >&2
    stop
    exit 1
}

stop() {
    stop_pidfile "$dir/slurmd.pid"
    stop_pidfile "$dir/slurmctld.pid"
    stop_pidfile "$dir/munged.pid"
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
