#!/usr/bin/env python3
"""Load and throughput tests for `siglip serve` (make load-test, make bench-serve); standard library only.

load:       N concurrent keep-alive clients for D seconds mixing embeddings (text and image), classify and
            search; reports requests/s, p50/p99 latency per kind, failures (anything but 200 and deliberate
            503), and the server's RSS at start and end.
throughput: C concurrent clients each embedding one image per request for D seconds (images/s), against
            `siglip embed --batch-size 8` on the same images offline; prints the ratio.
"""
import argparse
import base64
import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def start_server(args, extra):
    command = [args.siglip, "serve", "--model", args.model, "--port", "0"] + extra
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    match = re.search(r":(\d+)\s*$", line)
    if not match:
        server.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return server, int(match.group(1))


def images_in(folder, limit):
    names = sorted(f for f in os.listdir(folder) if f.lower().endswith((".jpg", ".jpeg", ".png", ".webp")))
    return [os.path.join(folder, f) for f in names][:limit]


class Client(threading.Thread):
    def __init__(self, port, deadline, make_request, results, lock):
        super().__init__(daemon=True)
        self.port, self.deadline, self.make_request, self.results, self.lock = port, deadline, make_request, results, lock

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        rng = random.Random(id(self))
        while time.time() < self.deadline:
            kind, path, body = self.make_request(rng)
            start = time.perf_counter()
            try:
                connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                payload = response.read()
                status = response.status
                if status == 503:
                    time.sleep(float(response.getheader("Retry-After", "1")) * 0.05)
            except Exception as error:   # a dropped connection is a failure
                status, payload = -1, str(error).encode()
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            elapsed = time.perf_counter() - start
            count = 0
            if status == 200 and kind == "image1":
                count = len(json.loads(payload)["images"])
            with self.lock:
                self.results.append((kind, status, elapsed, count, payload[:200] if status not in (200, 503) else b""))


def run_clients(port, clients, seconds, make_request):
    results, lock = [], threading.Lock()
    deadline = time.time() + seconds
    threads = [Client(port, deadline, make_request, results, lock) for _ in range(clients)]
    start = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.time() - start


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else float("nan")


def load(args):
    work = tempfile.mkdtemp(prefix="siglip-load-")
    server, port = start_server(args, ["--index", os.path.join(work, "index"), "--root", args.images,
                                       "--max-batch", str(args.max_batch), "--max-wait-ms", str(args.max_wait_ms)])
    try:
        files = images_in(args.images, 40)
        encoded = [base64.b64encode(open(f, "rb").read()).decode() for f in files]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        connection.request("POST", "/v1/index", body=json.dumps({"paths": [os.path.basename(f) for f in files]}),
                           headers={"Content-Type": "application/json"})
        added = json.loads(connection.getresponse().read())
        words = ["cat", "dog", "rocket", "camera", "astronaut", "logo", "beach", "city", "forest", "car"]

        def make_request(rng):
            r = rng.random()
            if r < 0.3:
                return "embed_text", "/v1/embeddings", json.dumps({"texts": [f"a photo of a {rng.choice(words)} {rng.randint(0, 99)}"]})
            if r < 0.55:
                return "embed_image", "/v1/embeddings", json.dumps({"images": [rng.choice(encoded)]})
            if r < 0.8:
                return "classify", "/v1/classify", json.dumps({"image": rng.choice(encoded), "labels": rng.sample(words, 4)})
            return "search", "/v1/search", json.dumps({"text": f"a {rng.choice(words)}", "k": 5})

        rss_start = rss_mib(server.pid)
        samples, stop = [], threading.Event()
        def sample():
            while not stop.wait(args.seconds / 6):
                samples.append(rss_mib(server.pid))
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        results, elapsed = run_clients(port, args.clients, args.seconds, make_request)
        stop.set()
        rss_end = rss_mib(server.pid)
        ok = [r for r in results if r[1] == 200]
        refused = [r for r in results if r[1] == 503]
        failed = [r for r in results if r[1] not in (200, 503)]
        print(f"load test: {args.clients} clients, {elapsed:.1f} s, index of {added.get('added')} images, model {args.model}")
        print(f"  requests: {len(results)} ({len(results) / elapsed:.1f}/s), 200: {len(ok)} ({len(ok) / elapsed:.1f}/s), "
              f"503 (deliberate, queue full): {len(refused)}, failed: {len(failed)}")
        latencies = [r[2] for r in ok]
        print(f"  latency of 200s: p50 {1000 * percentile(latencies, 50):.1f} ms, p99 {1000 * percentile(latencies, 99):.1f} ms")
        for kind in ["embed_text", "embed_image", "classify", "search"]:
            ks = [r[2] for r in ok if r[0] == kind]
            print(f"    {kind:12s} n={len(ks):6d} p50 {1000 * percentile(ks, 50):7.1f} ms  p99 {1000 * percentile(ks, 99):7.1f} ms")
        print(f"  server RSS: start {rss_start:.1f} MiB, end {rss_end:.1f} MiB; during: " + ", ".join(f"{x:.0f}" for x in samples))
        for kind, status, _, _, body in failed[:5]:
            print(f"  failure: {kind} {status} {body!r}")
        server.terminate()
        code = server.wait(timeout=60)
        print(f"  server exit status after SIGTERM: {code}")
        return 1 if failed or code != 0 else 0
    finally:
        if server.poll() is None:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


def throughput(args):
    files = images_in(args.images, 64)
    encoded = [base64.b64encode(open(f, "rb").read()).decode() for f in files]
    # Offline: siglip embed with batch 8 over 8 and over 56 images (the same files repeated); the difference
    # is 48 images of steady-state work, without process start and model loading.
    def embed_seconds(count):
        chosen = (files * count)[:count]
        start = time.perf_counter()
        subprocess.run([args.siglip, "embed", "--model", args.model, "--batch-size", "8"] + [a for f in chosen for a in ("--image", f)],
                       check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start
    offline = []
    for _ in range(args.repeats):
        offline.append(48 / (embed_seconds(56) - embed_seconds(8)))
    server, port = start_server(args, ["--max-batch", str(args.max_batch), "--max-wait-ms", str(args.max_wait_ms)])
    try:
        def make_request(rng):
            return "image1", "/v1/embeddings", json.dumps({"images": [rng.choice(encoded)]})
        run_clients(port, args.clients, 3, make_request)   # warm-up
        served = []
        for _ in range(args.repeats):
            results, elapsed = run_clients(port, args.clients, args.seconds, make_request)
            bad = [r for r in results if r[1] != 200]
            if bad:
                print(f"  {len(bad)} requests failed: {bad[:3]}")
                return 1
            served.append(sum(r[3] for r in results) / elapsed)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", "/metrics")
        metrics = connection.getresponse().read().decode()
        count = float(re.search(r"^siglip_batch_size_count (\S+)", metrics, re.M).group(1))
        total = float(re.search(r"^siglip_batch_size_sum (\S+)", metrics, re.M).group(1))
    finally:
        server.terminate()
        server.wait(timeout=60)
    off, on = statistics.median(offline), statistics.median(served)
    print(f"throughput, model {args.model}, {len(files)} distinct images:")
    print(f"  offline siglip embed --batch-size 8 (48 images, start-up excluded): median {off:.2f} images/s over {args.repeats} runs {[round(x, 2) for x in offline]}")
    print(f"  serve, {args.clients} concurrent single-image clients (max-batch {args.max_batch}, max-wait {args.max_wait_ms} ms): "
          f"median {on:.2f} images/s over {args.repeats} runs of {args.seconds} s {[round(x, 2) for x in served]}")
    print(f"  mean model batch under load: {total / count:.2f} inputs")
    print(f"  ratio serve / offline: {on / off:.2f} (target >= 0.8)")
    return 0 if on / off >= 0.8 else 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["load", "throughput"])
    parser.add_argument("--siglip", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--images", required=True)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-batch", type=int, default=16)
    parser.add_argument("--max-wait-ms", type=int, default=5)
    args = parser.parse_args()
    return load(args) if args.mode == "load" else throughput(args)


if __name__ == "__main__":
    sys.exit(main())
