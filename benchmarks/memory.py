"""Peak memory of `siglip embed` as the number of images grows: the pipeline streams, so it must stay flat.

Usage: python benchmarks/memory.py --siglip .build/release/siglip --model DIR --images DIR [--counts 8 400]
       [--batch-size 8] [--threads 2]

Each count runs `siglip embed --batch-size B` in its own process on that many JPEG paths (the folder's files
repeated), reads the child's peak RSS from the kernel, and prints it beside the checkpoint's weight bytes and
the end-to-end rate (process start, load, decode, preprocess, model and JSON output).
"""
import argparse
import json
import os
import resource
import subprocess
import time
from pathlib import Path


def run(siglip: str, model: str, files: list[str], batch: int, threads: int) -> dict:
    args = [siglip, "embed", "--model", model, "--batch-size", str(batch), "--threads", str(threads)]
    for f in files:
        args += ["--image", f]
    start = time.perf_counter()
    # A fresh child per count, so RUSAGE_CHILDREN's maximum is this run's own once the earlier ones are lower.
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execv(siglip, args)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"siglip embed failed with status {status}")
    return {"images": len(files), "peak_rss_mb": usage.ru_maxrss / 1024, "seconds": seconds,
            "images_per_s": len(files) / seconds}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--siglip", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--images", required=True)
    p.add_argument("--counts", type=int, nargs="+", default=[8, 400])
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    pool = sorted(str(f) for f in Path(a.images).glob("*.jpg"))
    weights = sum(f.stat().st_size for f in Path(a.model).glob("*.safetensors")) / 2**20
    rows = [run(a.siglip, a.model, [pool[i % len(pool)] for i in range(n)], a.batch_size, a.threads) for n in a.counts]
    print(f"\nsiglip embed --batch-size {a.batch_size}, {a.threads} threads; weights {weights:.0f} MB")
    print(f"{'images':>8}{'peak RSS MB':>14}{'RSS - weights':>16}{'images/s':>10}")
    for r in rows:
        print(f"{r['images']:>8}{r['peak_rss_mb']:>14.0f}{r['peak_rss_mb'] - weights:>16.0f}{r['images_per_s']:>10.2f}")
    print(json.dumps({"weights_mb": weights, "runs": rows}))


if __name__ == "__main__":
    main()
