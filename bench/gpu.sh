#!/usr/bin/env bash
# One prepared GPU benchmark (issue 14): encoder throughput, MoE dispatch and training, into one results file.
#
#   bench/gpu.sh                      # on a GPU: UNI / UNI2-h bf16 at batch 256 / 128 with the fraction of the measured
#                                     # bf16 matmul peak, MoE dispatch on CUDA, one epoch at HER2-ST size and at 1 M spots
#   bench/gpu.sh --device cpu --quick # the same scripts, tiny, on a CPU: proves the script works (about 2 minutes)
#   MOE_SCALE=1 bench/gpu.sh          # also bench/moe_scale.py at 500 k and 2 M spots (issue 29; not timed yet)
#   OUT=dir bench/gpu.sh              # where results.md goes (default runs/bench-gpu); paste it into bench/RESULTS.md
#
# Budget on an H100/H200-class GPU: about 5 minutes (the 1 M-spot file is written first, ~4 GB of float32 features).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
DEVICE=cuda; QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --device) DEVICE=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    *) echo "bench/gpu.sh: unknown option $1 (use --device DEV, --quick)" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-runs/bench-gpu}; mkdir -p "$OUT"; RES="$OUT/results.md"
{ echo "# bench/gpu.sh --device $DEVICE$([ $QUICK = 1 ] && echo ' --quick') ($(date -u +%F\ %H:%M) UTC, commit $(git rev-parse --short HEAD 2>/dev/null || echo ?))"
  $PY -c "import torch, platform; print('torch', torch.__version__, '|', torch.cuda.get_device_name() if torch.cuda.is_available() else platform.processor() or platform.machine())"; } > "$RES"
step() { echo; echo "## $1"; echo; echo '```'; shift; "$@"; echo '```'; }
t0=$(date +%s)
if [ $QUICK = 1 ]; then
  { step "extract throughput (quick: 1 batch each)" $PY bench/extract.py --device "$DEVICE" --encoders morpho,sobel,uni --batches 1
    step "MoE dispatch (quick)" $PY bench/moe.py --device "$DEVICE" --batches 1024 4096
    step "training, 2,000 spots (quick)" $PY bench/train.py --device "$DEVICE" --methods moest --spots 2000 --set d_model=64
  } >> "$RES" 2>&1
else
  { step "extract throughput (UNI batch 256, UNI2-h batch 128)" $PY bench/extract.py --device "$DEVICE" --encoders morpho,sobel,uni,uni2-h
    step "MoE dispatch" $PY bench/moe.py --device "$DEVICE"
    step "training, HER2-ST size" $PY bench/train.py --device "$DEVICE"
    step "training, 1 M spots" $PY bench/train.py --device "$DEVICE" --methods moest --spots 1000000 --batch-spots 4096
  } >> "$RES" 2>&1
fi
# the compute-matched MoE test at scale (issue 29): MoEST+ against the FLOPs- and the parameter-matched dense model on a
# virtual tissue of 500 k and 2 M spots (heterogeneity 2, 32-px patches). Not in the 5-minute budget above and not yet
# timed (no GPU was lent to the session that wrote it); simulating runs on the CPU. MOE_SCALE=1 bench/gpu.sh runs it last
if [ "${MOE_SCALE:-0}" = 1 ]; then
  for n in 500000 2000000; do
    step "MoE at scale, $n spots" $PY bench/moe_scale.py virtual --spots $n --sim patch_px=32 --device "$DEVICE" \
      --variants moest dense-flops dense-params --max-memory-gb 32 --out "$OUT/moe-$n" >> "$RES" 2>&1
  done
fi
echo "$(( $(date +%s) - t0 )) s in all" >> "$RES"
cat "$RES"
