"""Side-by-side CPU benchmark: siglip against transformers (PyTorch eager fp32) and ONNX Runtime fp32.

Usage: python benchmarks/bench.py --siglip-bench .build/release/siglip-bench --work .build/bench [--model base|so400m]
       [--threads 2] [--repeats 5]

One run builds a random-init checkpoint with the exact geometry of google/siglip-base-patch16-224 (or
so400m-patch14-384), writes 32 JPEG photographs-like images, exports the towers to ONNX, then times every engine on
the same inputs and thread count, each peer in its own process (so peak RSS is its own), and prints a table of
medians with each peer's ratio to us.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

GEOMETRY = {
    "base": dict(text={}, vision={}),
    "so400m": dict(
        text=dict(hidden_size=1152, intermediate_size=4304, num_hidden_layers=27, num_attention_heads=16),
        vision=dict(hidden_size=1152, intermediate_size=4304, num_hidden_layers=27, num_attention_heads=16,
                    patch_size=14, image_size=384)),
}


def build(work: Path, geometry: str) -> Path:
    import torch
    from PIL import Image
    from transformers import SiglipConfig, SiglipImageProcessor, SiglipModel
    model_dir = work / f"siglip-{geometry}-random"
    if not (model_dir / "model.safetensors").exists():
        torch.manual_seed(0)
        g = GEOMETRY[geometry]
        model = SiglipModel(SiglipConfig(text_config=g["text"], vision_config=g["vision"])).eval()
        model.save_pretrained(model_dir)
        size = model.config.vision_config.image_size
        SiglipImageProcessor(size={"height": size, "width": size}).save_pretrained(model_dir)
    images = work / "jpeg"
    if not images.exists():
        images.mkdir(parents=True)
        rng = np.random.default_rng(0)
        for i in range(32):   # smooth colour fields with texture, 480x640 like a phone photo scaled down
            h, w = 480, 640
            y, x = np.mgrid[0:h, 0:w] / 100.0
            base = np.stack([np.sin(x * (1 + i % 3) + y), np.cos(y * (1 + i % 5)), np.sin(x * y / 4)], -1)
            pixels = ((base * 0.4 + 0.5 + rng.normal(0, 0.05, (h, w, 3))) * 255).clip(0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(images / f"{i:02d}.jpg", quality=90)
    return model_dir


def export_onnx(model_dir: Path, work: Path) -> tuple[Path, Path]:
    import torch
    from transformers import SiglipModel
    vision_path, text_path = work / "vision.onnx", work / "text.onnx"
    if vision_path.exists() and text_path.exists():
        return vision_path, text_path
    model = SiglipModel.from_pretrained(model_dir, attn_implementation="eager").eval()

    class Vision(torch.nn.Module):
        def __init__(self, m): super().__init__(); self.m = m
        def forward(self, pixel_values): return self.m.vision_model(pixel_values=pixel_values).pooler_output

    class Text(torch.nn.Module):
        def __init__(self, m): super().__init__(); self.m = m
        def forward(self, input_ids): return self.m.text_model(input_ids=input_ids).pooler_output

    size = model.config.vision_config.image_size
    length = model.config.text_config.max_position_embeddings
    batch = torch.export.Dim("batch", min=1, max=256)
    torch.onnx.export(Vision(model), (torch.zeros(2, 3, size, size),), vision_path, input_names=["pixel_values"],
                      dynamic_shapes={"pixel_values": {0: batch}}, dynamo=True, external_data=True)
    torch.onnx.export(Text(model), (torch.ones(2, length, dtype=torch.long),), text_path, input_names=["input_ids"],
                      dynamic_shapes={"input_ids": {0: batch}}, dynamo=True, external_data=True)
    return vision_path, text_path


def timed(fn, repeats: int) -> float:
    fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def inputs(size: int, length: int, vocab: int, b: int, texts: int):
    pixels = (np.arange(b * 3 * size * size, dtype=np.int64) * 7919 % 2001 / 1000 - 1).astype(np.float32).reshape(b, 3, size, size)
    ids = np.ones((texts, length), dtype=np.int64)
    for r in range(texts):
        for i in range(8 + r % 16):
            ids[r, i] = 2 + (r * 131 + i * 17) % 30000 % vocab
    return pixels, ids


def peer(kind: str, a) -> dict:
    """Runs in a child process: times one peer and returns its figures."""
    import torch
    torch.set_num_threads(a.threads)
    if kind in LOW_PRECISION_PEERS:
        return low_precision_peer(kind, a)
    from transformers import SiglipConfig
    config = SiglipConfig.from_pretrained(a.model_dir)
    size, length, vocab = config.vision_config.image_size, config.text_config.max_position_embeddings, config.text_config.vocab_size
    out = {"engine": kind}
    if kind == "torch":
        from transformers import SiglipModel
        start = time.perf_counter()
        model = SiglipModel.from_pretrained(a.model_dir, attn_implementation="sdpa").eval()
        out["load_s"] = time.perf_counter() - start
        with torch.inference_mode():
            for b in a.image_batches:
                pixels, _ = inputs(size, length, vocab, b, 1)
                t = torch.from_numpy(pixels)
                out[f"image_per_s_b{b}"] = b / timed(lambda: model.get_image_features(pixel_values=t), a.repeats)
            for b in a.text_batches:
                _, ids = inputs(size, length, vocab, 1, b)
                t = torch.from_numpy(ids)
                out[f"text_per_s_b{b}"] = b / timed(lambda: model.get_text_features(input_ids=t), a.repeats)
            from PIL import Image
            from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil
            processor = SiglipImageProcessorPil.from_pretrained(a.model_dir)
            files = sorted(Path(a.images).glob("*.jpg"))

            def end_to_end():
                for i in range(0, len(files), 8):
                    batch = [Image.open(f).convert("RGB") for f in files[i:i + 8]]
                    model.get_image_features(**processor(images=batch, return_tensors="pt"))
            out["end_to_end_jpeg_per_s"] = len(files) / timed(end_to_end, max(1, a.repeats // 2))
    else:
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = a.threads
        options.inter_op_num_threads = 1
        start = time.perf_counter()
        vision = ort.InferenceSession(a.vision_onnx, options, providers=["CPUExecutionProvider"])
        text = ort.InferenceSession(a.text_onnx, options, providers=["CPUExecutionProvider"])
        out["load_s"] = time.perf_counter() - start
        for b in a.image_batches:
            pixels, _ = inputs(size, length, vocab, b, 1)
            out[f"image_per_s_b{b}"] = b / timed(lambda: vision.run(None, {"pixel_values": pixels}), a.repeats)
        for b in a.text_batches:
            _, ids = inputs(size, length, vocab, 1, b)
            out[f"text_per_s_b{b}"] = b / timed(lambda: text.run(None, {"input_ids": ids}), a.repeats)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--siglip-bench", required=True)
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--model", choices=list(GEOMETRY), default="base")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--low-precision", action="store_true", help="also time bf16/int8: ours, PyTorch autocast, ORT int8")
    p.add_argument("--only-low-precision", action="store_true", help="time only the low-precision table")
    p.add_argument("--peer", choices=["torch", "onnxruntime", *LOW_PRECISION_PEERS], help=argparse.SUPPRESS)
    p.add_argument("--embeddings-out", help=argparse.SUPPRESS)
    p.add_argument("--model-dir", help=argparse.SUPPRESS)
    p.add_argument("--images", help=argparse.SUPPRESS)
    p.add_argument("--vision-onnx", help=argparse.SUPPRESS)
    p.add_argument("--text-onnx", help=argparse.SUPPRESS)
    a = p.parse_args()
    a.image_batches, a.text_batches = [1, 8, 32], [1, 64]
    if a.peer:
        print(json.dumps(peer(a.peer, a)))
        return

    a.work.mkdir(parents=True, exist_ok=True)
    model_dir = build(a.work, a.model)
    vision_onnx, text_onnx = export_onnx(model_dir, a.work)
    images = a.work / "jpeg"
    common = ["--model-dir", str(model_dir), "--images", str(images), "--vision-onnx", str(vision_onnx),
              "--text-onnx", str(text_onnx), "--threads", str(a.threads), "--repeats", str(a.repeats),
              "--siglip-bench", a.siglip_bench, "--work", str(a.work)]
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads))
    if a.only_low_precision:
        return low_precision(a, model_dir, vision_onnx, text_onnx, common, env)
    results = []
    ours = subprocess.run([a.siglip_bench, "--model", str(model_dir), "--images", str(images), "--threads", str(a.threads),
                           "--repeats", str(a.repeats)], check=True, capture_output=True, text=True, env=env)
    results.append(json.loads(ours.stdout))
    for kind in ("torch", "onnxruntime"):
        run = subprocess.run([sys.executable, __file__, "--peer", kind, *common], check=True, capture_output=True, text=True, env=env)
        results.append(json.loads(run.stdout.strip().splitlines()[-1]))

    keys = [k for k in results[0] if k.endswith("_per_s") or "_per_s_" in k] + ["load_s", "peak_rss_mb"]
    print(f"\nmodel {a.model} (random init), {a.threads} threads, median of {a.repeats}; ratio = peer / siglip")
    print(f"{'figure':<24}" + "".join(f"{r['engine']:>14}" for r in results) + "".join(f"{'ratio ' + r['engine']:>20}" for r in results[1:]))
    for k in keys:
        row = [r.get(k) for r in results]
        cells = "".join(f"{v:>14.3f}" if isinstance(v, float) else f"{'-':>14}" for v in row)
        ratios = "".join(f"{(v / row[0]):>20.2f}" if isinstance(v, float) and row[0] else f"{'-':>20}" for v in row[1:])
        print(f"{k:<24}{cells}{ratios}")
    vision = results[0].get("vision_gflops_b8")
    print(f"\nGEMM on the encoder's batch-8 shapes, same run (siglip uses {results[0]['blas']}):")
    for library, rates in results[0]["gemm_gflops"].items():
        mean = statistics.mean(rates.values())
        share = f"; the vision tower at batch 8 runs at {vision:.0f} GFLOP/s effective, {vision / mean:.0%} of this" if vision else ""
        print(f"  {library}: " + ", ".join(f"{k} {v:.0f}" for k, v in rates.items()) + f" GFLOP/s{share}")
    (a.work / "results.json").write_text(json.dumps(results, indent=1))
    if a.low_precision:
        low_precision(a, model_dir, vision_onnx, text_onnx, common, env)


LOW_PRECISION_PEERS = ["torch-fp32", "torch-bf16", "onnxruntime-fp32", "onnxruntime-int8"]


def quantized_onnx(path: Path) -> Path:
    """ONNX Runtime's dynamic quantisation of an export, with its defaults (int8 weights, u8 activations)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    out = path.with_name(path.stem + ".int8.onnx")
    if not out.exists():
        quantize_dynamic(str(path), str(out), weight_type=QuantType.QInt8)
    return out


def low_precision_peer(kind: str, a) -> dict:
    """Times one low-precision peer (or its fp32 baseline) on images and texts; saves its batch-8 image embeddings."""
    import contextlib
    import torch
    from transformers import SiglipConfig
    config = SiglipConfig.from_pretrained(a.model_dir)
    size, length, vocab = config.vision_config.image_size, config.text_config.max_position_embeddings, config.text_config.vocab_size
    out = {"engine": kind}
    embeddings = None
    if kind.startswith("torch"):
        from transformers import SiglipModel
        model = SiglipModel.from_pretrained(a.model_dir, attn_implementation="sdpa").eval()
        autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if kind == "torch-bf16" else contextlib.nullcontext
        with torch.inference_mode(), autocast():
            for b in a.image_batches:
                t = torch.from_numpy(inputs(size, length, vocab, b, 1)[0])
                out[f"image_per_s_b{b}"] = b / timed(lambda: model.get_image_features(pixel_values=t), a.repeats)
                if b == 8:
                    o = model.get_image_features(pixel_values=t)
                    embeddings = (o if isinstance(o, torch.Tensor) else o.pooler_output).float().numpy()
            for b in a.text_batches:
                t = torch.from_numpy(inputs(size, length, vocab, 1, b)[1])
                out[f"text_per_s_b{b}"] = b / timed(lambda: model.get_text_features(input_ids=t), a.repeats)
    else:
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = a.threads
        options.inter_op_num_threads = 1
        int8 = kind == "onnxruntime-int8"
        vision_path = quantized_onnx(Path(a.vision_onnx)) if int8 else Path(a.vision_onnx)
        text_path = quantized_onnx(Path(a.text_onnx)) if int8 else Path(a.text_onnx)
        vision = ort.InferenceSession(str(vision_path), options, providers=["CPUExecutionProvider"])
        text = ort.InferenceSession(str(text_path), options, providers=["CPUExecutionProvider"])
        for b in a.image_batches:
            pixels = inputs(size, length, vocab, b, 1)[0]
            out[f"image_per_s_b{b}"] = b / timed(lambda: vision.run(None, {"pixel_values": pixels}), a.repeats)
            if b == 8:
                embeddings = vision.run(None, {"pixel_values": pixels})[0]
        for b in a.text_batches:
            ids = inputs(size, length, vocab, 1, b)[1]
            out[f"text_per_s_b{b}"] = b / timed(lambda: text.run(None, {"input_ids": ids}), a.repeats)
    np.asarray(embeddings, dtype=np.float32).tofile(a.embeddings_out)
    return out


def cosines(path: Path, reference: np.ndarray) -> tuple[float, float]:
    """Mean and minimum cosine between each row of the embeddings in `path` and the reference's row."""
    e = np.fromfile(path, dtype=np.float32).reshape(reference.shape)
    c = (e * reference).sum(1) / np.linalg.norm(e, axis=1) / np.linalg.norm(reference, axis=1)
    return float(c.mean()), float(c.min())


def low_precision(a, model_dir: Path, vision_onnx: Path, text_onnx: Path, common: list, env: dict) -> None:
    """Ours in fp32/bf16/int8 and the peers' bf16/int8 modes with their fp32 baselines, one process each, in one
    sequence; cosine is against PyTorch fp32's batch-8 image embeddings (same weights, same pixels)."""
    results = []
    for precision in ("fp32", "bf16", "int8"):
        emb = a.work / f"emb-siglip-{precision}.f32"
        run = subprocess.run([a.siglip_bench, "--model", str(model_dir), "--threads", str(a.threads), "--repeats", str(a.repeats),
                              "--precision", precision, "--embeddings-out", str(emb)],
                             check=True, capture_output=True, text=True, env=env)
        r = json.loads(run.stdout)
        r["engine"] = f"siglip-{precision}"
        results.append((r, emb))
    quantized_onnx(vision_onnx), quantized_onnx(text_onnx)   # outside the timed processes
    for kind in LOW_PRECISION_PEERS:
        emb = a.work / f"emb-{kind}.f32"
        run = subprocess.run([sys.executable, __file__, "--peer", kind, *common, "--embeddings-out", str(emb)],
                             check=True, capture_output=True, text=True, env=env)
        results.append((json.loads(run.stdout.strip().splitlines()[-1]), emb))
    reference = np.fromfile(a.work / "emb-torch-fp32.f32", dtype=np.float32).reshape(8, -1)
    by_engine = {r["engine"]: r for r, _ in results}
    for r, emb in results:
        r["cos_mean"], r["cos_min"] = cosines(emb, reference)
    keys = [f"image_per_s_b{b}" for b in a.image_batches] + [f"text_per_s_b{b}" for b in a.text_batches] + ["cos_mean", "cos_min"]
    engines = [r for r, _ in results]
    print(f"\nlow precision: model {a.model} (random init), {a.threads} threads, median of {a.repeats}; "
          f"cosine = batch-8 image embeddings vs PyTorch fp32")
    print(f"{'figure':<16}" + "".join(f"{r['engine']:>18}" for r in engines))
    for k in keys:
        print(f"{k:<16}" + "".join(f"{r.get(k, float('nan')):>18.{5 if k.startswith('cos') else 3}f}" for r in engines))
    ratios = [("siglip-bf16", "siglip-fp32"), ("siglip-bf16", "torch-bf16"), ("siglip-int8", "siglip-fp32"),
              ("siglip-int8", "onnxruntime-int8"), ("torch-bf16", "torch-fp32"), ("onnxruntime-int8", "onnxruntime-fp32")]
    print(f"\n{'ratio (images/s, texts/s)':<36}" + "".join(f"{k.replace('_per_s', ''):>12}" for k in keys[:-2]))
    for num, den in ratios:
        print(f"{num + ' / ' + den:<36}" + "".join(f"{by_engine[num][k] / by_engine[den][k]:>12.2f}" for k in keys[:-2]))
    print("kernels: " + ", ".join(f"{r['engine']}: {r['kernel']}" for r in engines if "kernel" in r))
    for r in engines:
        if "gemm_gflops" in r:
            for library, rates in r["gemm_gflops"].items():
                print(f"linear layer, {r['engine']} ({library}): " + ", ".join(f"{k} {v:.0f} G(FL)OP/s" for k, v in rates.items()))
    (a.work / "results-low-precision.json").write_text(json.dumps(engines, indent=1))


if __name__ == "__main__":
    main()
