#!/bin/bash
# Single-node Slurm for CI (copied from the shared notes; ports overridable with
# SLURM_CI_CTLD_PORT / SLURM_CI_SLURMD_PORT so two test sessions on one machine do not collide)
# (Debian 12: slurmctld slurmd slurm-client munge [slurmdbd mariadb-server]).
# No systemd, no cgroups, everything under $SLURM_CI_DIR, runs as root.
# Usage:  source slurm_ci.sh; slurm_ci_up; export SLURM_CONF=$SLURM_CI_DIR/slurm.conf; ...; slurm_ci_down
#         SLURM_CI_ACCT=dbd slurm_ci_up   -> also MariaDB + slurmdbd so `sacct` works
SLURM_CI_DIR=${SLURM_CI_DIR:-${TMPDIR:-/tmp}/slurm-single-node}

_slurm_ci_dbd_up() {
  local d=$SLURM_CI_DIR i
  mkdir -p "$d/mysql/data"
  mariadb-install-db --user=root --datadir="$d/mysql/data" --skip-test-db \
      > "$d/log/mariadb-install.log" 2>&1 || { cat "$d/log/mariadb-install.log" >&2; return 1; }
  setsid mariadbd --user=root --datadir="$d/mysql/data" --socket="$d/mysql/mysqld.sock" \
      --pid-file="$d/mysql/mysqld.pid" --port=3307 --bind-address=127.0.0.1 \
      --log-error="$d/log/mariadb.log" --innodb-buffer-pool-size=64M --skip-log-bin \
      </dev/null >/dev/null 2>&1 &
  for i in $(seq 1 120); do mariadb -S "$d/mysql/mysqld.sock" -e 'select 1' >/dev/null 2>&1 && break; sleep 0.25; done
  mariadb -S "$d/mysql/mysqld.sock" -e "
    CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurmpw';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1'; FLUSH PRIVILEGES;" || return 1
  # slurmdbd reads slurmdbd.conf from the directory of $SLURM_CONF; must be mode 600, owned by SlurmUser
  cat > "$d/slurmdbd.conf" <<CONF
AuthType=auth/munge
AuthInfo=socket=$d/munge/munge.socket
DbdHost=localhost
DbdPort=6819
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=3307
StorageUser=slurm
StoragePass=slurmpw
StorageLoc=slurm_acct_db
LogFile=$d/log/slurmdbd.log
PidFile=$d/slurmdbd.pid
DebugLevel=info
CONF
  chmod 600 "$d/slurmdbd.conf"
  SLURM_CONF="$d/slurm.conf" slurmdbd || return 1
  for i in $(seq 1 120); do (exec 3<>/dev/tcp/127.0.0.1/6819) 2>/dev/null && return 0; sleep 0.25; done
  echo "slurmdbd did not come up" >&2; tail -20 "$d/log/slurmdbd.log" >&2; return 1
}

slurm_ci_up() {
  local d=$SLURM_CI_DIR host mem cpus acct i
  host=$(hostname -s); cpus=$(nproc)
  mem=$(( $(awk '/MemTotal/{print $2}' /proc/meminfo) / 1024 - 512 ))
  mkdir -p "$d"/{munge,state,log} "$d/spool/slurmd-$host"
  # --- munge: private key + socket under $d (no /run/munge, no systemd) ---
  [ -s "$d/munge/munge.key" ] || mungekey --create --keyfile="$d/munge/munge.key" \
      || dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 status=none
  chmod 755 "$d/munge"; chmod 400 "$d/munge/munge.key"
  munged --force --key-file="$d/munge/munge.key" --socket="$d/munge/munge.socket" \
         --pid-file="$d/munge/munged.pid" --log-file="$d/munge/munged.log" \
         --seed-file="$d/munge/munged.seed" || return 1
  if [ "${SLURM_CI_ACCT:-}" = dbd ]; then
    acct="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=6819
AccountingStoragePass=$d/munge/munge.socket
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=5"
  else
    acct="AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none"
  fi
  cat > "$d/slurm.conf" <<CONF
ClusterName=ci
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge/munge.socket
SlurmctldPort=${SLURM_CI_CTLD_PORT:-6817}
SlurmdPort=${SLURM_CI_SLURMD_PORT:-6818}
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool/slurmd-%n
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd-%n.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
$acct
JobCompType=jobcomp/filetxt
JobCompLoc=$d/log/jobcomp.txt
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
MinJobAge=3600
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$d/slurm.conf"
  if [ "${SLURM_CI_ACCT:-}" = dbd ]; then _slurm_ci_dbd_up || return 1; fi
  slurmctld || return 1      # daemonizes; reads $SLURM_CONF
  slurmd    || return 1
  for i in $(seq 1 120); do
    kill -0 "$(cat "$d/slurmctld.pid" 2>/dev/null)" 2>/dev/null || break   # slurmctld died
    timeout 5 sinfo -h -o '%t' 2>/dev/null | grep -qE '^idle' && return 0
    sleep 0.25
  done
  echo "slurm did not come up" >&2; sinfo >&2; tail -n 20 "$d"/log/*.log >&2; return 1
}

slurm_ci_down() {   # SIGTERM everything at once, wait up to 10 s, then SIGKILL
  local d=$SLURM_CI_DIR f p pids=()
  for f in "$d"/slurmd-*.pid "$d/slurmctld.pid" "$d/slurmdbd.pid" "$d/mysql/mysqld.pid" "$d/munge/munged.pid"; do
    [ -s "$f" ] || continue
    p=$(cat "$f"); rm -f "$f"
    kill "$p" 2>/dev/null && pids+=("$p")
  done
  for _ in $(seq 1 40); do
    local alive=0; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && return 0; sleep 0.25
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; return 0
}

# Wait until all tasks of a job (array) are in a terminal state; prints final states. Works without slurmdbd.
slurm_ci_wait() {  # slurm_ci_wait JOBID [timeout_s]
  local end=$(( $(date +%s) + ${2:-300} ))
  while scontrol -o show job "$1" 2>/dev/null | grep -qE 'JobState=(PENDING|RUNNING|COMPLETING|CONFIGURING|SUSPENDED|REQUEUED|RESIZING)'; do
    [ "$(date +%s)" -ge "$end" ] && { echo "timeout waiting for $1" >&2; return 1; }
    sleep 0.25
  done
  scontrol -o show job "$1" | grep -oE '(ArrayTaskId|JobState|ExitCode)=[^ ]+' | paste -d' ' - - -
}
