#!/usr/bin/env python3
"""The recon training step in PyTorch, timed the way `relukit bench` times it.

Same shapes (input 20, teacher 10-15-20-25-100, student 100-150-200-250-100), same step (teacher
forward, student forward, MSE, backward, plain SGD), one fixed batch of N(0, 10^2) inputs, and the
same report: `steps / s` of five timed blocks after a warm-up block, the median printed last as
`steps_per_s=<float>`.

    python3 jmh/peers/torch_step.py --batch 64 --threads 1

Debian: `apt-get install python3-torch`. The thread count must be set before torch is imported:
torch.set_num_threads alone leaves OpenBLAS's and OpenMP's own pools at every core, so this script
sets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS first.
"""
import argparse
import os
import statistics
import sys
import time

BLOCKS = 5


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64, help="batch size (default 64)")
    parser.add_argument("--steps", type=int, default=1000, help="steps per timed block (default 1000)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    args = parser.parse_args()
    if args.batch < 1 or args.steps < 1 or args.threads < 1:
        parser.error("--batch, --steps and --threads must be at least 1")
    return args


def network(torch, widths):
    layers = []
    for fan_in, nodes in zip(widths, widths[1:]):
        layers += [torch.nn.Linear(fan_in, nodes), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])  # the output layer is linear


def main():
    args = parse_args()
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(args.threads)
    try:
        import torch
    except ImportError:
        sys.exit("torch_step.py: PyTorch is not installed; on Debian: apt-get install python3-torch")
    torch.set_num_threads(args.threads)
    torch.manual_seed(124)

    teacher = network(torch, [20, 10, 15, 20, 25, 100])
    student = network(torch, [20, 100, 150, 200, 250, 100])
    for p in teacher.parameters():
        p.requires_grad_(False)
    x = torch.randn(args.batch, 20) * 10
    # A small rate keeps the student finite however long the bench runs on one batch (as relukit bench).
    sgd = torch.optim.SGD(student.parameters(), lr=1e-4)
    loss_fn = torch.nn.MSELoss()

    def step():
        with torch.no_grad():
            target = teacher(x)
        sgd.zero_grad(set_to_none=False)
        loss = loss_fn(student(x), target)
        loss.backward()
        sgd.step()

    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), batch {args.batch}", flush=True)
    for _ in range(args.steps):
        step()
    rates = []
    for block in range(BLOCKS):
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        rates.append(args.steps / (time.perf_counter() - start))
        print(f"block {block + 1}: {rates[-1]:.1f} steps/s", flush=True)
    print(f"steps_per_s={statistics.median(rates):.1f}")


if __name__ == "__main__":
    main()
