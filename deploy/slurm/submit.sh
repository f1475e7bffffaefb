#!/usr/bin/env bash
# Submit a sharded outsim run (or stress grid, or search) to Slurm: an array job of N
# shards, then the merge job, which starts only once every shard has succeeded
# (--dependency=afterok).
#
#   deploy/slurm/submit.sh SCENARIO N SHARD_DIR OUT_DIR [outsim run options]
#   deploy/slurm/submit.sh stress SCENARIO N SHARD_DIR OUT_DIR --vary KEY=SPEC [...]
#   deploy/slurm/submit.sh optimize SCENARIO N SHARD_DIR OUT_DIR --strategy NAME [...]
#
# With `stress` first, the array runs `outsim stress --shard I/N` (cells I of N of the
# grid; more shards than cells leaves some empty) and the merge writes
# OUT_DIR/<scenario>/stress/. With `optimize` first, the array simulates the search's
# first batch (`outsim optimize --shard I/N`: the starting strategy and the Latin
# hypercube, a quarter of --evaluations) and the merge runs the rest of the search and
# writes OUT_DIR/<scenario>/optimize/.
# Prints the two job ids. SHARD_DIR should be empty or hold only this run's shards.
# Environment: OUTSIM (the binary, default `outsim`), CPUS_PER_TASK (default 4),
# MEM_PER_TASK (default 2G), MERGE_MEM (default 4G), SBATCH_EXTRA (more sbatch options
# for both jobs, e.g. "--partition=compute --account=risk").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command=run
if [[ ${1:-} == stress || ${1:-} == optimize ]]; then
    command=$1
    shift
fi
if (($# < 4)); then
    echo "usage: $0 [stress|optimize] SCENARIO N SHARD_DIR OUT_DIR [outsim run, stress or optimize options]" >&2
    exit 2
fi
scenario=$1
shards=$2
shard_dir=$3
out_dir=$4
shift 4
cpus=${CPUS_PER_TASK:-4}
read -r -a extra <<<"${SBATCH_EXTRA:-}"
mkdir -p "$shard_dir" "$out_dir"
array=$(sbatch --parsable --array="1-$shards" --cpus-per-task="$cpus" \
    --mem="${MEM_PER_TASK:-2G}" --output="$shard_dir/shard-%A_%a.log" "${extra[@]}" \
    --export="ALL,OUTSIM_COMMAND=$command" "$here/shard.sbatch" "$scenario" "$shard_dir" "$@")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    --cpus-per-task="$cpus" --mem="${MERGE_MEM:-4G}" --output="$out_dir/merge-%j.log" \
    "${extra[@]}" --export=ALL "$here/merge.sbatch" "$shard_dir" "$out_dir")
merge=${merge%%;*}
echo "array job $array ($shards shards), merge job $merge"
