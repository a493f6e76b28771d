"""Training step time: `siglip train` against PyTorch eager float32, same data, same threads, in one run.

Usage: python benchmarks/train_step.py --siglip .build/release/siglip --work .build/bench-train [--threads 2]
       [--steps 6]

Two geometries: the shapes model of the from-scratch run (Tests/Fixtures/shapes: width 128, 4 + 2 layers, 32²
images, patch 8) at batch 256, and google/siglip-base-patch16-224's towers (width 768, 12 + 12 layers, 224²,
patch 16, 64 text positions; the shapes tokenizer, so the token table is 35 rows instead of 32,000) at batch 16.
Both sides start from the same initial checkpoint, read the same generated PNG files and take AdamW steps
(weight decay 1e-4, constant lr 1e-4, no clipping). Ours: per-step wall time from metrics.jsonl (data loading
runs in parallel with compute, as in any run). PyTorch: forward + backward + optimizer step, pixels prepared
before timing. The first step of each is left out; medians of the rest, and PyTorch / ours.
"""
import argparse
import json
import math
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from transformers import SiglipModel, SiglipTokenizer

ROOT = Path(__file__).resolve().parents[1]
SHAPES = ROOT / "Tests" / "Fixtures" / "shapes"
BASE = dict(text=dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                      max_position_embeddings=64, projection_size=768),
            vision=dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                        image_size=224, patch_size=16))


def config(work, name, geometry):
    c = json.loads((SHAPES / "config.json").read_text())
    if geometry:
        c["text_config"].update(geometry["text"])
        c["vision_config"].update(geometry["vision"])
    path = work / f"{name}.json"
    path.write_text(json.dumps(c, indent=2))
    return path, c


def ours(a, name, cfg, data, batch):
    out = a.work / f"swift-{name}"
    subprocess.run(["rm", "-rf", str(out)], check=True)
    subprocess.run([a.siglip, "train", "--data", str(data / "train.jsonl"), "--output", str(out), "--config", str(cfg),
                    "--tokenizer", str(SHAPES / "spiece.model"), "--steps", str(a.steps), "--batch-size", str(batch),
                    "--lr", "1e-4", "--schedule", "constant", "--weight-decay", "1e-4", "--threads", str(a.threads),
                    "--no-shuffle"], check=True, capture_output=True)
    elapsed = [json.loads(l)["elapsed_s"] for l in (out / "metrics.jsonl").read_text().splitlines() if '"loss"' in l]
    return [b - a_ for a_, b in zip(elapsed, elapsed[1:])], out


def pytorch(a, init, data, batch):
    torch.set_num_threads(a.threads)
    model = SiglipModel.from_pretrained(init).float().train()
    tok = SiglipTokenizer.from_pretrained(init)
    rows = [json.loads(l) for l in (data / "train.jsonl").read_text().splitlines()][: batch * a.steps]
    px = torch.from_numpy(np.stack([np.asarray(Image.open(data / r["image"]).convert("RGB"), dtype=np.float32) for r in rows]))
    px = px.permute(0, 3, 1, 2).contiguous() / 127.5 - 1
    ids = torch.tensor(tok([r["text"] for r in rows], padding="max_length",
                           max_length=model.config.text_config.max_position_embeddings)["input_ids"])
    decay = [p for p in model.parameters() if p.ndim >= 2]
    plain = [p for p in model.parameters() if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 1e-4}, {"params": plain, "weight_decay": 0.0}], lr=1e-4)
    times = []
    for s in range(a.steps):
        sl = slice(s * batch, (s + 1) * batch)
        start = time.perf_counter()
        loss = model(pixel_values=px[sl], input_ids=ids[sl], return_loss=True).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - start)
    return times[1:]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--siglip", required=True)
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=6)
    a = p.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    print(f"training step, median of {a.steps - 1} steps after the first, {a.threads} threads")
    print(f"{'geometry':34s} {'batch':>5s} {'siglip s':>9s} {'pytorch s':>9s} {'pytorch/siglip':>14s}")
    for name, geometry, side, batch in [("shapes", None, 32, 256), ("base", BASE, 224, 16)]:
        data = a.work / f"data-{name}"
        if not (data / "train.jsonl").exists():
            subprocess.run([a.siglip, "datasets", "shapes", "--output", str(data), "--count", str(batch * a.steps),
                            "--test-count", "0", "--size", str(side), "--seed", "3"], check=True, capture_output=True)
        cfg, _ = config(a.work, name, geometry)
        swift_times, out = ours(a, name, cfg, data, batch)
        # PyTorch starts from the same weights: the initial checkpoint, rebuilt with zero steps' worth of change
        # (an SGD step of rate 0 leaves every weight where initialisation put it).
        init = a.work / f"init-{name}"
        subprocess.run(["rm", "-rf", str(init)], check=True)
        subprocess.run([a.siglip, "train", "--data", str(data / "train.jsonl"), "--output", str(init), "--config", str(cfg),
                        "--tokenizer", str(SHAPES / "spiece.model"), "--steps", "1", "--batch-size", "2",
                        "--optimizer", "sgd", "--lr", "0", "--no-shuffle"], check=True, capture_output=True)
        SiglipTokenizer.from_pretrained(SHAPES).save_pretrained(init)
        torch_times = pytorch(a, init, data, batch)
        s, t = statistics.median(swift_times), statistics.median(torch_times)
        label = f"{name} ({'width 128, 4+2 layers, 32²' if name == 'shapes' else 'base 12+12 layers, 224²'})"
        print(f"{label:34s} {batch:5d} {s:9.3f} {t:9.3f} {t / s:13.2f}x", flush=True)


if __name__ == "__main__":
    main()
