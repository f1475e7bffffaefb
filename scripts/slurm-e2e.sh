#!/usr/bin/env bash
# End-to-end test of the Slurm deployment on this one machine: installs slurm-wlm and
# munge from the distribution if missing, writes a single-node Slurm configuration in a
# temporary folder, starts munged, slurmctld and slurmd (as root), submits
# deploy/slurm/submit.sh's array job of 4 shards and its merge job, waits for them, and
# compares the merged results folder with a local run byte for byte (run.json's
# threads, wall_time_seconds and file aside); then the same for a stress grid of 6
# cells in 4 shards (`submit.sh stress`), compared with a local `outsim stress`, and
# for a search whose first batch runs in 3 shards (`submit.sh optimize`), compared with
# a local `outsim optimize`. Stops the daemons it started, by their process ids,
# whatever happens.
#
#   scripts/slurm-e2e.sh [OUTSIM_BINARY]     (default: target/debug/outsim)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
outsim=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/debug/outsim}")
scenario=$root/scenarios/claims_transition.toml
trials=6000
shards=4
started=$SECONDS

if ((EUID != 0)); then
    echo "slurm-e2e: needs root (to start munged, slurmctld and slurmd)" >&2
    exit 1
fi
missing=()
for deb in slurm-wlm munge; do
    dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$deb")
done
if ((${#missing[@]})); then
    echo "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/outsim-slurm-e2e.XXXXXX)
pids=()
stop() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ ${KEEP:-0} == 1 ]]; then
        echo "kept $work"
    else
        rm -rf "$work"
    fi
}
trap stop EXIT

# munged with its own key and socket, so it leaves any system munged alone.
mkdir -p "$work/munge" "$work/state" "$work/spool" "$work/log"
chmod 700 "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --foreground --force --key-file="$work/munge/munge.key" \
    --socket="$work/munge/munge.socket" --pid-file="$work/munge/munged.pid" \
    --log-file="$work/log/munged.log" --seed-file="$work/munge/munged.seed" \
    >"$work/log/munged.out" 2>&1 &
pids+=($!)

host=$(hostname -s)
cpus=$(nproc)
memory_mb=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512))
port=$((16000 + RANDOM % 2000))
export SLURM_CONF=$work/slurm.conf
cat >"$SLURM_CONF" <<CONF
ClusterName=outsim-e2e
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
MpiDefault=none
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=e2e Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
for _ in $(seq 50); do
    [[ -S $work/munge/munge.socket ]] && break
    sleep 0.1
done
slurmctld -D -f "$SLURM_CONF" >"$work/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" >"$work/log/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 60); do
    sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && break
    sleep 1
done
if ! sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo "slurm-e2e: the node did not come up" >&2
    tail -n 20 "$work"/log/* >&2 || true
    exit 1
fi
echo "slurm up on $host ($cpus CPUs) after $((SECONDS - started)) s"

# Wait for the merge job whose id ends the submit script's output in file $1; fail,
# showing the logs under $2 and $3, unless it completes.
await_merge() {
    local merge_job state= deadline=$((SECONDS + 600))
    merge_job=$(awk '{print $NF}' "$1")
    while ((SECONDS < deadline)); do
        state=$(scontrol show job "$merge_job" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
        case $state in
        COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) break ;;
        esac
        sleep 1
    done
    if [[ $state != COMPLETED ]]; then
        echo "slurm-e2e: the merge job ended as '${state:-unknown}'" >&2
        tail -n 20 "$2"/*.log "$3"/*.log "$work"/log/* >&2 || true
        exit 1
    fi
}

# The cluster's run: 4 shards and the merge, through the shipped submit script.
OUTSIM=$outsim CPUS_PER_TASK=1 MEM_PER_TASK=1G MERGE_MEM=1G \
    deploy/slurm/submit.sh "$scenario" "$shards" "$work/shards" "$work/merged" \
    --trials "$trials" | tee "$work/submitted"
await_merge "$work/submitted" "$work/shards" "$work/merged"
echo "array job and merge done after $((SECONDS - started)) s"

# A stress grid of 6 cells as an array job of 4 shards (cells 0-0, 1-2, 3-3, 4-5) and
# its merge.
vary=(--vary "demand.base_per_month=0.8x,1x,1.2x" --vary "vendors.OffshoreBPO.max_fte=100,200")
OUTSIM=$outsim CPUS_PER_TASK=1 MEM_PER_TASK=1G MERGE_MEM=1G \
    deploy/slurm/submit.sh stress "$scenario" 4 "$work/stress-shards" "$work/stress-merged" \
    --trials 2000 "${vary[@]}" | tee "$work/stress-submitted"
await_merge "$work/stress-submitted" "$work/stress-shards" "$work/stress-merged"
echo "stress array job and merge done after $((SECONDS - started)) s"

# A search whose first batch is an array job of 3 shards, the rest in the merge job.
search=(--strategy "Dual source with an exit" --trials 1024 --evaluations 24)
OUTSIM=$outsim CPUS_PER_TASK=1 MEM_PER_TASK=1G MERGE_MEM=1G \
    deploy/slurm/submit.sh optimize "$scenario" 3 "$work/optimize-shards" \
    "$work/optimize-merged" "${search[@]}" | tee "$work/optimize-submitted"
await_merge "$work/optimize-submitted" "$work/optimize-shards" "$work/optimize-merged"
echo "optimize array job and merge done after $((SECONDS - started)) s"

# The same run on this machine alone, and the comparison.
"$outsim" run "$scenario" --trials "$trials" --out "$work/local" --quiet
stem=$(basename "$scenario" .toml)
python3 - "$work/local/$stem" "$work/merged/$stem" <<'PY'
import json, os, sys

local, merged = sys.argv[1], sys.argv[2]
def files(top):
    return sorted(os.path.relpath(os.path.join(d, f), top)
                  for d, _, names in os.walk(top) for f in names)
a, b = files(local), files(merged)
if a != b:
    sys.exit(f"different files: {sorted(set(a) ^ set(b))}")
for name in a:
    x = open(os.path.join(local, name), "rb").read()
    y = open(os.path.join(merged, name), "rb").read()
    if name == "run.json":
        x, y = json.loads(x), json.loads(y)
        for key in ("threads", "wall_time_seconds", "file"):
            x.pop(key, None)
            y.pop(key, None)
    if x != y:
        sys.exit(f"{name} differs between the local run and the Slurm merge")
print(f"{len(a)} files identical between the local run and the Slurm merge")
PY
"$outsim" stress "$scenario" --trials 2000 "${vary[@]}" --out "$work/stress-local" --quiet
if ! diff -r "$work/stress-local/$stem/stress" "$work/stress-merged/$stem/stress"; then
    echo "slurm-e2e: the Slurm stress merge differs from the local stress" >&2
    exit 1
fi
echo "stress/ identical between the local stress and the Slurm merge"
"$outsim" optimize "$scenario" "${search[@]}" --out "$work/optimize-local" --quiet
if ! diff -r "$work/optimize-local/$stem/optimize" "$work/optimize-merged/$stem/optimize"; then
    echo "slurm-e2e: the Slurm optimize merge differs from the local optimize" >&2
    exit 1
fi
echo "optimize/ identical between the local search and the Slurm merge"
echo "slurm-e2e: passed in $((SECONDS - started)) s"
