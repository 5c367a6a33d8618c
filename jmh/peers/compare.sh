#!/usr/bin/env bash
# The training-step rows of the README's performance table: `relukit bench` (simd) beside the
# PyTorch step of torch_step.py, at batch 64 and 1024, on 1 and 2 threads. Prints a Markdown table.
# Needs python3-torch (Debian); without it the PyTorch column says so. About two minutes.
# Measure on a quiet machine: a second busy core changes every figure.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
torch_step="$root/jmh/peers/torch_step.py"

rate() { sed -n 's/^steps_per_s=//p' | tail -n 1; }

relukit_rate() {
    "$root/relukit" bench --backend=simd --batch "$1" --threads "$2" --steps "$3" 2>/dev/null | rate
}

# Debian's python3-torch is for /usr/bin/python3, which a pyenv python3 earlier on PATH hides.
torch_python=""
for candidate in python3 /usr/bin/python3; do
    if "$candidate" -c 'import torch' 2>/dev/null; then
        torch_python=$candidate
        break
    fi
done

torch_rate() {
    if [ -z "$torch_python" ]; then
        echo "no torch (apt-get install python3-torch)"
        return
    fi
    "$torch_python" "$torch_step" --batch "$1" --threads "$2" --steps "$3" | rate
}

echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) CPUs; $(date -u +%Y-%m-%d)"
echo
echo "| training step | threads | relukit simd (steps/s) | PyTorch (steps/s) | ratio |"
echo "|---|--:|--:|--:|--:|"
for batch in 64 1024; do
    steps=$(( batch == 64 ? 2000 : 150 ))
    for threads in 1 2; do
        ours=$(relukit_rate "$batch" "$threads" "$steps")
        theirs=$(torch_rate "$batch" "$threads" "$steps")
        ratio=$(python3 -c "import sys; a, b = sys.argv[1:]; print(f'{float(a) / float(b):.2f}×')" "$ours" "$theirs" 2>/dev/null || echo "–")
        echo "| batch $batch | $threads | $ours | $theirs | $ratio |"
    done
done
