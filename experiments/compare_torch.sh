#!/usr/bin/env bash
# compare_torch.sh — attnlab's build/bin/bench against the PyTorch reference torch_ref.py, run
# back to back on the same machine, kind by kind, and the ratio of their tokens/s. Compare such
# ratios, never absolute times taken on different days.
#
# usage: experiments/compare_torch.sh TORCH_REF_PY [CONFIG [STEPS [WARMUP]]]
#   TORCH_REF_PY  path to torch_ref.py (not part of attnlab; runs under /usr/bin/python3 with
#                 Debian's python3-torch)
#   CONFIG        LM-S (default), LM-M or tiny;  STEPS timed steps (default 10);  WARMUP (default 2)
#
# Same conditions for both programs:
#   - kinds vanilla, dense, random, performer (m = 256): the ones torch_ref.py implements;
#   - 2 threads: OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = 2 and torch_ref.py --threads 2;
#   - the same OpenBLAS kernel set. On an AVX-512 CPU attnlab loads OpenBLAS with
#     OPENBLAS_CORETYPE=SkylakeX when the environment pins a core type without AVX-512 such as
#     Haswell (configure_process, engine/launch.h); PyTorch would keep that slower choice. So this
#     script makes the decision once and exports it for both: SkylakeX on such a CPU unless
#     OPENBLAS_CORETYPE already names an AVX-512 kernel set, else the inherited value.
#     COMPARE_CORETYPE=NAME forces NAME instead (e.g. Haswell, to compare the AVX2 kernels).
#     ATTNLAB_KEEP_CORETYPE=1 keeps attnlab on exactly the exported setting.
#   - the same OpenMP wait policy: PASSIVE (README, Build details) for both, unless
#     OMP_WAIT_POLICY is already set.
# Causal FAVOR+ runs chunked on both sides, 64 positions per chunk (attnlab's kernel and
# torch_ref.py --chunk 64): torch_ref.py's default per-position cumsum materialises a
# [B, h, T, m, dh] tensor (1 GiB per layer at LM-S) and takes minutes per step, no fair baseline.
# torch_ref.py reads the whole `bible Gen1:1-Rev22:21` text (package bible-kjv) and builds its own
# character vocabulary, a few symbols larger than attnlab's (train split + pad/unknown ids), which
# changes the tied output projection's share of the FLOPs by well under 1%.
set -euo pipefail

usage() {
    echo "usage: $0 TORCH_REF_PY [LM-S|LM-M|tiny [STEPS [WARMUP]]]" >&2
    exit 2
}
[ $# -ge 1 ] && [ $# -le 4 ] || usage
torch_ref=$1
config=${2:-LM-S}
steps=${3:-10}
warmup=${4:-2}
case $config in LM-S | LM-M | tiny) ;; *) usage ;; esac
[[ $steps =~ ^[1-9][0-9]*$ && $warmup =~ ^[0-9]+$ ]] || usage
[ -f "$torch_ref" ] || { echo "$0: $torch_ref: no such file" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
bench=$root/build/bin/bench
[ -x "$bench" ] || { echo "$0: $bench missing; run: make build/bin/bench" >&2; exit 1; }
command -v bible >/dev/null || { echo "$0: bible missing; apt-get install bible-kjv" >&2; exit 1; }

export OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 ATTNLAB_KEEP_CORETYPE=1
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
if [ -n "${COMPARE_CORETYPE:-}" ]; then
    export OPENBLAS_CORETYPE=$COMPARE_CORETYPE
else
    flags=$(grep -m1 '^flags' /proc/cpuinfo)
    avx512=1
    for f in avx512f avx512bw avx512dq avx512vl avx512cd; do
        [[ " $flags " == *" $f "* ]] || avx512=0
    done
    case ${OPENBLAS_CORETYPE:-} in
    SkylakeX | Cooperlake | SapphireRapids) ;;
    *) if [ $avx512 = 1 ]; then export OPENBLAS_CORETYPE=SkylakeX; fi ;;
    esac
fi

work=$(mktemp -d /tmp/compare_torch.XXXXXX)
trap 'rm -f "$work/kjv.txt"' EXIT
bible Gen1:1-Rev22:21 >"$work/kjv.txt"
log=$work/log.txt
echo "config $config, $steps steps after $warmup warm-up, 2 threads, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)}"
echo "full output of both programs: $log"
for kind in vanilla dense random performer; do
    echo "  $kind: attnlab ..."
    "$bench" --config "$config" --kinds "$kind" --steps "$steps" --warmup "$warmup" \
        --json-out "$work/attnlab.jsonl" >>"$log" 2>&1
    echo "  $kind: PyTorch ..."
    chunk=()
    [ "$kind" = performer ] && chunk=(--chunk 64)
    /usr/bin/python3 "$torch_ref" --threads 2 --json-out "$work/torch.jsonl" train \
        --config "$config" --attn "$kind" "${chunk[@]}" --steps "$steps" --warmup "$warmup" \
        --corpus "$work/kjv.txt" >>"$log" 2>&1
done

/usr/bin/python3 - "$work/attnlab.jsonl" "$work/torch.jsonl" <<'EOF'
import json, sys
ours = {r["kind"]: r for r in map(json.loads, open(sys.argv[1]))}
torch = {r["attn"]: r for r in map(json.loads, open(sys.argv[2]))}
header = ["kind", "attnlab ms/step", "PyTorch ms/step", "attnlab tokens/s", "PyTorch tokens/s",
          "ratio (attnlab / PyTorch)"]
rows = []
for kind, a in ours.items():
    t = torch[kind]
    rows.append([kind, f"{a['ms_median']:.1f}", f"{t['ms_median']:.1f}", f"{a['tok_per_s']:.0f}",
                 f"{t['tok_per_s']:.0f}", f"{a['tok_per_s'] / t['tok_per_s']:.2f}"])
widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"
print()
print(line(header))
print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
for r in rows:
    print(line(r))
first_ours, first_torch = next(iter(ours.values())), next(iter(torch.values()))
print(f"\nOpenBLAS core: attnlab {first_ours['openblas_core']}, "
      f"PyTorch {first_torch.get('openblas_core', 'not OpenBLAS')}; "
      f"PyTorch {first_torch['torch']}, {first_torch['torch_threads']} threads")
EOF
