#!/usr/bin/env python3
"""The recon training step in PyTorch, timed the way `relukit bench` times it.

Same shapes (input 20, teacher 10-15-20-25-100, student 100-150-200-250-100), same step (teacher
forward, student forward, MSE, backward, plain SGD), one fixed batch of N(0, 10^2) inputs, and the
same report: `steps / s` of five timed blocks after a warm-up block, the median printed last as
`steps_per_s=<float>`.

    python3 jmh/peers/torch_step.py --batch 64 --threads 1

With --use_cnn the networks are the convolutional ones of `relukit bench --use_cnn`: each hidden
layer a 3x3 convolution (stride 1, no padding, bias) then ReLU, the last feature map flattened
channel-major into one linear output layer, on 1 x 16 x 16 inputs (--input changes that). The
teacher has --ks channels, the student --ks x --node_multi; the defaults are recon's
(ks 10,15,20,25, node_multi 10, d_output 100). That net costs about 30 GFLOP a step at batch 64,
so --steps defaults to 20 there, as in bench:

    python3 jmh/peers/torch_step.py --use_cnn --batch 64 --threads 1

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
    parser.add_argument("--steps", type=int, help="steps per timed block (default 1000, or 20 with --use_cnn, as bench)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    parser.add_argument("--use_cnn", action="store_true", help="time the convolutional networks instead")
    parser.add_argument("--ks", default="10,15,20,25",
                        help="teacher channels per conv layer, comma-separated (default 10,15,20,25)")
    parser.add_argument("--node_multi", type=int, default=10, help="student channels per teacher channel (default 10)")
    parser.add_argument("--d_output", type=int, default=100, help="output nodes (default 100)")
    parser.add_argument("--input", default="1,16,16", help="conv input channels,height,width (default 1,16,16)")
    args = parser.parse_args()
    if args.steps is None:
        args.steps = 20 if args.use_cnn else 1000
    if args.batch < 1 or args.steps < 1 or args.threads < 1:
        parser.error("--batch, --steps and --threads must be at least 1")
    try:
        args.ks = [int(k) for k in args.ks.split(",")]
        args.input = [int(v) for v in args.input.split(",")]
    except ValueError:
        parser.error("--ks and --input take comma-separated integers, e.g. --ks 4,6 --input 1,16,16")
    if len(args.input) != 3 or min(args.input + args.ks) < 1 or args.node_multi < 1 or args.d_output < 1:
        parser.error("--input needs 3 positive numbers (channels,height,width); --ks, --node_multi, --d_output positive")
    if args.use_cnn and min(args.input[1:]) - 2 * len(args.ks) < 1:
        parser.error(f"--ks has too many layers for a {args.input[1]}x{args.input[2]} input: "
                     f"at most {(min(args.input[1:]) - 1) // 2} fit")
    return args


def network(torch, widths):
    layers = []
    for fan_in, nodes in zip(widths, widths[1:]):
        layers += [torch.nn.Linear(fan_in, nodes), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])  # the output layer is linear


def conv_network(torch, input_shape, channels, d_output):
    channels_in, height, width = input_shape
    layers = []
    for channels_out in channels:
        layers += [torch.nn.Conv2d(channels_in, channels_out, 3), torch.nn.ReLU()]
        channels_in, height, width = channels_out, height - 2, width - 2
    # Flatten keeps PyTorch's channel-major order, as the original's view does.
    layers += [torch.nn.Flatten(), torch.nn.Linear(channels_in * height * width, d_output)]
    return torch.nn.Sequential(*layers)


def main():
    args = parse_args()
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(args.threads)
    try:
        import torch
    except ImportError:
        # Debian's python3-torch lives under the system interpreter; a pyenv or venv python3 first on
        # PATH does not see it.
        if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
            sys.exit(f"torch_step.py: PyTorch is not importable from {sys.executable}; run it with /usr/bin/python3"
                     " (Debian's python3-torch), or install torch for this interpreter")
        sys.exit("torch_step.py: PyTorch is not installed; on Debian: apt-get install python3-torch")
    torch.set_num_threads(args.threads)
    torch.manual_seed(124)

    if args.use_cnn:
        teacher = conv_network(torch, args.input, args.ks, args.d_output)
        student = conv_network(torch, args.input, [k * args.node_multi for k in args.ks], args.d_output)
        x = torch.randn(args.batch, *args.input) * 10
        shapes = (f"conv input {'x'.join(map(str, args.input))}, ks {args.ks}, node_multi {args.node_multi}, "
                  f"d_output {args.d_output}")
    else:
        teacher = network(torch, [20, 10, 15, 20, 25, 100])
        student = network(torch, [20, 100, 150, 200, 250, 100])
        x = torch.randn(args.batch, 20) * 10
        shapes = "fc 20-10-15-20-25-100 / 20-100-150-200-250-100"
    for p in teacher.parameters():
        p.requires_grad_(False)
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

    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), batch {args.batch}, {shapes}", flush=True)
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
