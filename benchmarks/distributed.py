"""Data-parallel training step time: N ranks under mpirun on this machine against one process, same global batch.

Usage: python3 benchmarks/distributed.py --runner .build/release/siglip-distributed-runner --work .build/bench-distributed
       [--cores 2] [--ranks 1 2 3 4] [--steps 6] [--geometry shapes base]

Needs only the Python standard library and Open MPI's mpirun. For each geometry (the shapes model at batch 256,
google/siglip-base-patch16-224's towers at batch 16, both from scratch, AdamW), the runner's `bench` mode times
optimiser steps: first one process without the collective using every core (the baseline), then N = 1, 2, 3, 4
ranks on loopback (shared memory), each rank with cores / N threads (at least one, so more ranks than cores share
them). Every configuration sees the same global batches and starts from the same weights. Per step it reports the
median step time (the first step left out) and the seconds spent inside MPI by the ring loss and by the gradient
all-reduce (transfer plus waiting for slower ranks); then the ring and the all-reduce timed again right after a
barrier, with no compute to wait for: what the transport itself costs.
"""
import argparse
import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHAPES = ROOT / "Tests" / "Fixtures" / "shapes" / "config.json"
BASE = dict(text=dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                      max_position_embeddings=64, projection_size=768),
            vision=dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                        image_size=224, patch_size=16))
GEOMETRIES = {"shapes": (None, 256), "base": (BASE, 16)}


def config(work, name, geometry):
    c = json.loads(SHAPES.read_text())
    if geometry:
        c["text_config"].update(geometry["text"])
        c["vision_config"].update(geometry["vision"])
    path = work / f"{name}.json"
    path.write_text(json.dumps(c, indent=2))
    return path


def run(command):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    lines = [l for l in done.stdout.splitlines() if l.startswith("{")]
    if not lines:
        raise SystemExit(f"{' '.join(command)} printed no result:\n{done.stdout}\n{done.stderr}")
    return json.loads(lines[-1])


def mpirun(ranks):
    flags = ["mpirun", "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,vader", "-np", str(ranks)]
    return flags[:1] + (["--allow-run-as-root"] if os.geteuid() == 0 else []) + flags[1:]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("--ranks", type=int, nargs="+", default=[1, 2, 3, 4])
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--geometry", nargs="+", default=list(GEOMETRIES), choices=list(GEOMETRIES))
    a = p.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in a.geometry:
        geometry, batch = GEOMETRIES[name]
        cfg = str(config(a.work, name, geometry))
        rows = [run([a.runner, "bench", cfg, str(batch), str(a.steps), str(a.cores), "alone"])]
        print(json.dumps(rows[-1]), flush=True)
        for n in a.ranks:
            rows.append(run(mpirun(n) + [a.runner, "bench", cfg, str(batch), str(a.steps), str(max(1, a.cores // n))]))
            print(json.dumps(rows[-1]), flush=True)
        results[name] = rows
    (a.work / "results.json").write_text(json.dumps(results, indent=2))

    for name, rows in results.items():
        base = rows[0]["step_s"]
        megabytes = rows[0]["parameters"] * 4 / 1e6
        print(f"\n{name}: global batch {rows[0]['global_batch']}, {rows[0]['parameters']:,} parameters "
              f"({megabytes:.1f} MB of fp32 gradients), median of {rows[0]['steps']} steps after the first")
        print("| ranks | threads per rank | s/step | ÷ one process | ring in MPI, s | all-reduce in MPI, s "
              "| ring alone, ms | all-reduce alone, ms | all-reduce GB/s per rank |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            n = r["ranks"]
            label = "one process, no MPI collective" if r["alone"] else str(n)
            if r["alone"]:
                print(f"| {label} | {r['threads_per_rank']} | {r['step_s']:.3f} | 1.00 | | | | | |")
                continue
            # Ring all-reduce: each rank sends and receives 2 (N - 1) / N of the gradients.
            moved = 2 * (n - 1) / n * r["parameters"] * 4 / 1e9
            rate = f"{moved / r['allreduce_alone_s']:.2f}" if n > 1 and r["allreduce_alone_s"] > 0 else "–"
            print(f"| {label} | {r['threads_per_rank']} | {r['step_s']:.3f} | {r['step_s'] / base:.2f} "
                  f"| {r['ring_mpi_s']:.4f} | {r['allreduce_mpi_s']:.4f} | {r['ring_alone_s'] * 1e3:.2f} "
                  f"| {r['allreduce_alone_s'] * 1e3:.1f} | {rate} |")


if __name__ == "__main__":
    main()
