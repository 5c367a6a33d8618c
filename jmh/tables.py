#!/usr/bin/env python3
"""Turns JMH JSON results (-rf json) into Markdown tables.

    python3 jmh/tables.py RESULTS.json [MORE.json ...] > results.md

- Kernels: GFLOP/s per kernel x shape, one column per backend with its ratio to JNIBLAS
  sgemm on the same product, then the baselines, then simd / JNIBLAS and simd / VectorBLAS.
- Training step: steps/s and GFLOP/s per backend x batch.
- Allocation: gc.alloc.rate.norm (B/op) of every run made with -prof gc.

Several files are merged: where two hold the same benchmark and parameters, the later file's
figures win, except that a B/op figure is kept from any file that has one. So pass a -prof gc run
first to take its B/op but the timings of the unprofiled run after it, or last to let it replace
them. Python 3 standard library only.
"""
import argparse
import json
import sys

KERNELS = ["reluMatmul", "linear", "backwardInput", "sgdFused", "correlation"]
# The GemmBaselines method that computes each kernel's product.
BASELINE_OF = {
    "reluMatmul": "forward",
    "linear": "forward",
    "backwardInput": "backwardInput",
    "sgdFused": "weightGrad",
    "correlation": "weightGrad",
}
BACKENDS = ["scalar", "simd", "opencl"]
BASELINES = ["naive", "VectorBLAS", "JNIBLAS"]
SHAPES = [
    "b64:20x100", "b64:100x150", "b64:150x200", "b64:200x250", "b64:250x100",
    "b1024:20x100", "b1024:100x150", "b1024:150x200", "b1024:200x250", "b1024:250x100",
    "b256:256x256", "b1024:1024x1024",
]
GC_NORM = "gc.alloc.rate.norm"


def load(paths):
    """Returns {(class, method, params): entry}; a later file's run replaces an earlier one's."""
    runs = {}
    for path in paths:
        with open(path) as f:
            entries = json.load(f)
        for e in entries:
            cls, method = e["benchmark"].rsplit(".", 2)[-2:]
            params = dict(e.get("params", {}))
            # A backend on several threads is a backend of its own in the tables: "simd (2 threads)".
            threads = params.pop("threads", "1")
            if threads != "1" and "backend" in params:
                params["backend"] = f"{params['backend']} ({threads} threads)"
            key = (cls, method, tuple(sorted(params.items())))
            e.setdefault("secondaryMetrics", {})
            previous = runs.get(key)
            if previous is not None and GC_NORM in previous["secondaryMetrics"]:
                e["secondaryMetrics"].setdefault(GC_NORM, previous["secondaryMetrics"][GC_NORM])
            runs[key] = e
    return runs


def gflops(entry):
    metric = entry.get("secondaryMetrics", {}).get("gflops") if entry else None
    return metric["score"] if metric else None


def lookup(runs, cls, method, **params):
    key = (cls, method, tuple(sorted((k, str(v)) for k, v in params.items())))
    return runs.get(key)


def fmt(value, digits=1):
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.{digits}f}" if value >= 1 else f"{value:.2g}"


def ratio(a, b):
    return f"{a / b:.2f}×" if a is not None and b else "–"


def ordered(values, canonical):
    return [v for v in canonical if v in values] + sorted(v for v in values if v not in canonical)


def kernel_table(runs):
    shapes = {dict(k[2]).get("shape") for k in runs if k[0] in ("KernelBench", "GemmBaselines")}
    backends = ordered({dict(k[2])["backend"] for k in runs if k[0] == "KernelBench"}, BACKENDS)
    baselines = ordered({dict(k[2])["impl"] for k in runs if k[0] == "GemmBaselines"}, BASELINES)
    if not backends and not baselines:
        return []
    header = ["kernel", "shape"] + [f"{b} (÷ JNIBLAS)" for b in backends] + baselines
    header += ["simd ÷ JNIBLAS", "simd ÷ VectorBLAS"]
    lines = ["## Kernels: GFLOP/s, one thread",
             "",
             "Shape `bB:KxN` is a batch x[B×K] through w[N×K]; every kernel is a 2·B·K·N-flop product."
             " A backend cell is its GFLOP/s and, in brackets, its ratio to JNIBLAS sgemm on the same"
             " product; the baseline columns are that product alone (forward: x·wᵀ, backwardInput:"
             " dz·w, sgdFused and correlation: −lr·dzᵀ·x into w).",
             "",
             "| " + " | ".join(header) + " |",
             "|" + "|".join([":--", ":--"] + ["--:"] * (len(header) - 2)) + "|"]
    for kernel in KERNELS:
        for shape in ordered(shapes - {None}, SHAPES):
            base = {impl: gflops(lookup(runs, "GemmBaselines", BASELINE_OF[kernel], impl=impl, shape=shape))
                    for impl in baselines}
            jni = base.get("JNIBLAS")
            cells = {b: gflops(lookup(runs, "KernelBench", kernel, backend=b, shape=shape)) for b in backends}
            if all(v is None for v in cells.values()):
                continue
            row = [f"`{kernel}`", f"`{shape}`"]
            row += [fmt(cells[b]) + (f" ({ratio(cells[b], jni)})" if cells[b] is not None and jni else "")
                    for b in backends]
            row += [fmt(base[impl]) for impl in baselines]
            row += [ratio(cells.get("simd"), jni), ratio(cells.get("simd"), base.get("VectorBLAS"))]
            lines.append("| " + " | ".join(row) + " |")
    return lines + [""]


def step_table(runs):
    keys = [k for k in runs if k[0] == "TrainingStepBench"]
    if not keys:
        return []
    lines = ["## Training step (recon, plain SGD)",
             "",
             "GFLOP/s counts the products only: teacher and student forward, dX, dW.",
             "",
             "| backend | batch | steps/s | ± (99.9%) | GFLOP/s | B/op |",
             "|:--|--:|--:|--:|--:|--:|"]
    by_backend = {dict(k[2])["backend"] for k in keys}
    batches = sorted({int(dict(k[2])["batch"]) for k in keys})
    for backend in ordered(by_backend, BACKENDS):
        for batch in batches:
            e = lookup(runs, "TrainingStepBench", "step", backend=backend, batch=batch)
            if not e:
                continue
            pm = e["primaryMetric"]
            gc = e.get("secondaryMetrics", {}).get(GC_NORM)
            err = pm.get("scoreError")
            lines.append(f"| {backend} | {batch} | {fmt(pm['score'])} | "
                         f"{fmt(err) if isinstance(err, (int, float)) and err == err else '–'} | "
                         f"{fmt(gflops(e))} | {fmt(gc['score'], 0) if gc else '–'} |")
    return lines + [""]


def gc_table(runs):
    rows = [(k, e) for k, e in runs.items() if GC_NORM in e.get("secondaryMetrics", {})]
    if not rows:
        return []
    kernel_rows = [(k, e) for k, e in rows if k[0] == "KernelBench"]
    lines = ["## Allocation (-prof gc): gc.alloc.rate.norm, B/op", ""]
    if kernel_rows:
        pairs = {(dict(k[2])["backend"], k[1]) for k, _ in kernel_rows}
        columns = [(b, m) for b in BACKENDS for m in KERNELS if (b, m) in pairs]
        shapes = ordered({dict(k[2])["shape"] for k, _ in kernel_rows}, SHAPES)
        lines += ["| shape | " + " | ".join(f"{b} `{m}`" for b, m in columns) + " |",
                  "|:--|" + "--:|" * len(columns)]
        for shape in shapes:
            cells = []
            for b, m in columns:
                e = lookup(runs, "KernelBench", m, backend=b, shape=shape)
                gc = e and e.get("secondaryMetrics", {}).get(GC_NORM)
                cells.append(f"{gc['score']:.3g}" if gc else "–")
            lines.append(f"| `{shape}` | " + " | ".join(cells) + " |")
        lines.append("")
    others = [(k, e) for k, e in rows if k[0] != "KernelBench"]
    if others:
        lines += ["| benchmark | params | B/op |", "|:--|:--|--:|"]
        for k, e in sorted(others, key=lambda r: (r[0][0], r[0][1], str(r[0][2]))):
            params = ", ".join(f"{n}={v}" for n, v in k[2])
            lines.append(f"| `{k[0]}.{k[1]}` | {params} | {e['secondaryMetrics'][GC_NORM]['score']:.3g} |")
        lines.append("")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", nargs="+", help="JMH JSON result files (-rf json -rff FILE)")
    args = parser.parse_args()
    runs = load(args.results)
    if not runs:
        sys.exit("no results in " + ", ".join(args.results))
    print("\n".join(kernel_table(runs) + step_table(runs) + gc_table(runs)).rstrip())


if __name__ == "__main__":
    main()
