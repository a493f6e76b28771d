"""Index benchmark: siglip's SigLIPIndex against FAISS's own Python package on the same generated vectors.

Two kinds of normalised vectors: uniform on the sphere (the worst case for any partitioning index) and a mixture
of Gaussian clusters (closer to real embeddings). For each: ingest rate, on-disk size, exact search (single
query latency and batched QPS) against IndexFlatIP, and approximate search (IVF) at several nprobe values with
recall@10 measured against FAISS's exact results. Prints one table per data set and writes all figures as JSON.

Usage: python benchmarks/index.py --bench .build/release/siglip-index-bench --work .build/bench-index \
           --size 100000 --ann IVF1024,Flat --efforts 4 8 16 32
"""
import argparse
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

import faiss
import numpy as np


def vectors(kind: str, n: int, d: int, seed: int, centres: np.ndarray | None) -> np.ndarray:
    """`n` unit vectors: uniform on the sphere, or a centre of the mixture plus Gaussian noise of norm ~0.9."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, d), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        x = rng.standard_normal((m, d), dtype=np.float32)
        if kind == "clustered":
            x = centres[rng.integers(0, len(centres), m)] + x * np.float32(0.9 / np.sqrt(d))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[start:start + m] = x
    return out


def training_rows(factory: str, n: int) -> np.ndarray:
    """The same evenly spaced sample siglip trains on (ApproximateIndex.trainingRows)."""
    lists = int("".join(c for c in factory[3:].split(",")[0] if c.isdigit()))
    size = min(n, 64 * lists)
    return (np.arange(size, dtype=np.int64) * n) // size


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def faiss_figures(base, queries, anns, efforts, single, repeats, work: Path) -> dict:
    r = {}
    flat = faiss.IndexFlatIP(base.shape[1])
    r["ingest_s"], _ = timed(lambda: flat.add(base))
    r["ingest_per_s"] = len(base) / r["ingest_s"]
    r.update(search_figures(flat, queries, single, repeats, "exact"))
    truth = r.pop("exact/result")
    faiss.write_index(flat, str(work / "flat.faiss"))
    r["disk_bytes"] = os.path.getsize(work / "flat.faiss")
    del flat
    for factory in anns:
        index = faiss.index_factory(base.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
        sample = base[training_rows(factory, len(base))]
        r[f"{factory}/build_s"], _ = timed(lambda: (index.train(sample), index.add(base)))
        faiss.write_index(index, str(work / "ann.faiss"))
        r[f"{factory}/disk_bytes"] = os.path.getsize(work / "ann.faiss")
        for e in efforts:
            faiss.ParameterSpace().set_index_parameter(index, "nprobe", e)
            r.update(search_figures(index, queries, single, repeats, f"{factory}/{e}"))
            r[f"{factory}/{e}/recall@10"] = recall(r.pop(f"{factory}/{e}/result"), truth)
        del index
    return r, truth


def search_figures(index, queries, single, repeats, name) -> dict:
    threads = faiss.omp_get_max_threads()
    lat = [timed(lambda: index.search(queries[i:i + 1], 10))[0] for i in range(min(single, len(queries)))]
    faiss.omp_set_num_threads(1)
    lat1 = [timed(lambda: index.search(queries[i:i + 1], 10))[0] for i in range(min(single, len(queries)))]
    faiss.omp_set_num_threads(threads)
    runs = [timed(lambda: index.search(queries, 10)) for _ in range(repeats)]
    return {f"{name}/single_ms": statistics.median(lat) * 1000, f"{name}/single_1t_ms": statistics.median(lat1) * 1000,
            f"{name}/batch_qps": len(queries) / statistics.median(t for t, _ in runs),
            f"{name}/result": runs[-1][1][1]}


def recall(ids: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / truth.shape[1] for a, b in zip(ids, truth)]))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--bench", required=True, help="siglip-index-bench")
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--size", type=int, default=100_000)
    p.add_argument("--kinds", nargs="+", default=["uniform", "clustered"])
    p.add_argument("--dimension", type=int, default=768)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--clusters", type=int, default=1000)
    p.add_argument("--ann", nargs="*", default=["IVF1024,Flat"])
    p.add_argument("--efforts", nargs="+", type=int, default=[4, 8, 16, 32])
    p.add_argument("--single", type=int, default=50, help="queries timed one at a time")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    faiss.omp_set_num_threads(a.threads)
    a.work.mkdir(parents=True, exist_ok=True)
    every = {}
    for kind in a.kinds:
        centres = vectors("uniform", a.clusters, a.dimension, 7, None)
        base = vectors(kind, a.size, a.dimension, 1, centres)
        queries = vectors(kind, a.queries, a.dimension, 2, centres)
        work = a.work / f"{kind}-{a.size}"
        work.mkdir(parents=True, exist_ok=True)
        base.tofile(work / "base.f32")
        queries.tofile(work / "queries.f32")
        ours = json.loads(subprocess.run(
            [a.bench, "--base", str(work / "base.f32"), "--queries", str(work / "queries.f32"), "--dimension", str(a.dimension),
             "--work", str(work), "--threads", str(a.threads), "--single", str(a.single), "--repeats", str(a.repeats),
             "--ann", *a.ann, "--efforts", *map(str, a.efforts)], check=True, capture_output=True, text=True).stdout)
        (work / "base.f32").unlink()
        theirs, truth = faiss_figures(base, queries, a.ann, a.efforts, a.single, a.repeats, work)
        del base
        for key in [k for k in ours if k.endswith("/ids")]:
            ids = np.fromfile(ours.pop(key), dtype=np.int64).reshape(-1, 10)
            ours[key.replace("/ids", "/recall@10")] = recall(ids, truth)
        every[f"{kind}-{a.size}"] = {"siglip": ours, "faiss": theirs}
        report(kind, a.size, ours, theirs)
    (a.work / f"results-{a.size}.json").write_text(json.dumps(every, indent=1, sort_keys=True))


def report(kind, n, ours, theirs) -> None:
    print(f"\n### {kind}, {n:,} × 768, {ours['threads']} threads (siglip BLAS: {ours['blas']}; faiss-cpu {faiss.__version__})\n")
    print("| figure | siglip | faiss-cpu | siglip ÷ faiss time |")
    print("|---|---|---|---|")
    print(f"| ingest, vectors/s | {ours['ingest_per_s']:,.0f} (SQLite, committed) | {theirs['ingest_per_s']:,.0f} (IndexFlatIP in memory) | |")
    print(f"| on disk, MB | {ours['disk_bytes'] / 1e6:,.0f} | {theirs['disk_bytes'] / 1e6:,.0f} | |")
    print(f"| load store into memory, s | {ours['load_s']:.2f} | | |")
    rows = [("exact", "exact")] + [(k.rsplit("/", 2)[0] + "/" + k.rsplit("/", 2)[1], None) for k in ours if k.endswith("/single_ms") and k != "exact/single_ms"]
    for key, _ in rows:
        rec = "" if key == "exact" else f" (recall@10 {ours[key + '/recall@10']:.3f} / {theirs[key + '/recall@10']:.3f})"
        s, t = ours[f"{key}/single_1t_ms"], theirs[f"{key}/single_1t_ms"]
        print(f"| {key}{rec}: 1 query, 1 thread each, ms | {s:.2f} | {t:.2f} | {s / t:.2f} |")
        s, t = ours[f"{key}/single_ms"], theirs[f"{key}/single_ms"]
        print(f"| {key}: 1 query, {ours['threads']} threads allowed, ms | {s:.2f} | {t:.2f} | {s / t:.2f} |")
        s, t = ours[f"{key}/batch_qps"], theirs[f"{key}/batch_qps"]
        print(f"| {key}: batch of {ours['queries']}, queries/s | {s:,.0f} | {t:,.0f} | {t / s:.2f} |")
    for k in [k for k in ours if k.endswith("/build_s")]:
        f = k.split("/")[0]
        print(f"| {f}: build, s (siglip: read store + train + add + write) | {ours[k]:.1f} | {theirs[k]:.1f} | {ours[k] / theirs[k]:.2f} |")
        print(f"| {f}: on disk (with store), MB | {ours[f + '/disk_bytes'] / 1e6:,.0f} | {theirs[f + '/disk_bytes'] / 1e6:,.0f} | |")
    print(f"\nsiglip exact vs faiss exact recall@10: {ours['exact/recall@10']:.4f}")


if __name__ == "__main__":
    main()
