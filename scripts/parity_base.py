"""Base-size parity: a random-init checkpoint with google/siglip-base-patch16-224's exact geometry, run by the
reference and by `siglip`, compared output by output.

Usage: python scripts/parity_base.py --siglip .build/release/siglip --work .build/parity-base [--images 8]
Prints the maximum deviations and the wall time of `siglip embed` for the image batch.
"""
import argparse
import json
import subprocess
import time
from pathlib import Path

import numpy as np
import torch
from transformers import SiglipConfig, SiglipImageProcessor, SiglipModel


def embeddings(siglip: str, model: Path, args: list[str]) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    out = subprocess.run([siglip, "embed", "--model", str(model), *args], check=True, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    return np.array([json.loads(line)["embedding"] for line in out.stdout.splitlines()], dtype=np.float32), elapsed


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--siglip", required=True)
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--images", type=int, default=8)
    p.add_argument("--texts", type=int, default=8)
    a = p.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    model_dir = a.work / "siglip-base-patch16-224-random"

    torch.manual_seed(0)
    torch.set_num_threads(2)
    model = SiglipModel(SiglipConfig()).eval()
    model.set_attn_implementation("eager")
    with torch.no_grad():   # move every parameter off its init value, as the tiny fixtures do
        for _, param in model.named_parameters():
            param.add_(torch.randn_like(param) * 0.02)
        model.logit_scale.fill_(4.6)
        model.logit_bias.fill_(-10.0)
    model.save_pretrained(model_dir)
    SiglipImageProcessor().save_pretrained(model_dir)

    g = torch.Generator().manual_seed(1)
    pixels = torch.rand((a.images, 3, 224, 224), generator=g) * 2 - 1
    ids = torch.randint(2, 32000, (a.texts, 64), generator=g)
    for r in range(a.texts):
        ids[r, 5 + 3 * r:] = 1
    np.save(a.work / "pixel_values.npy", pixels.numpy())
    np.save(a.work / "input_ids.npy", ids.numpy())

    start = time.perf_counter()
    with torch.no_grad():
        ref_image = model.get_image_features(pixel_values=pixels).pooler_output.numpy()
        ref_time = time.perf_counter() - start
        ref_text = model.get_text_features(input_ids=ids).pooler_output.numpy()
        ref_logits = model(pixel_values=pixels, input_ids=ids).logits_per_image.numpy()

    image_raw, image_time = embeddings(a.siglip, model_dir, ["--pixel-values", str(a.work / "pixel_values.npy"), "--raw", "--batch-size", str(a.images)])
    text_raw, _ = embeddings(a.siglip, model_dir, ["--input-ids", str(a.work / "input_ids.npy"), "--raw"])
    both, _ = embeddings(a.siglip, model_dir, ["--pixel-values", str(a.work / "pixel_values.npy"),
                                               "--input-ids", str(a.work / "input_ids.npy"), "--batch-size", str(a.images)])
    image_n, text_n = both[:a.images], both[a.images:]
    logits = image_n @ text_n.T * np.exp(4.6) - 10.0

    def rel(x, y):
        return float(np.max(np.abs(x - y).max(axis=1) / np.abs(y).max(axis=1)))

    cos_i = float(np.min(np.sum(image_n * ref_image, 1) / np.linalg.norm(ref_image, axis=1)))
    cos_t = float(np.min(np.sum(text_n * ref_text, 1) / np.linalg.norm(ref_text, axis=1)))
    report = {
        "image_raw_max_abs": float(np.abs(image_raw - ref_image).max()),
        "image_raw_max_rel": rel(image_raw, ref_image),
        "text_raw_max_abs": float(np.abs(text_raw - ref_text).max()),
        "text_raw_max_rel": rel(text_raw, ref_text),
        "min_cosine_image": cos_i,
        "min_cosine_text": cos_t,
        "logits_max_abs": float(np.abs(logits - ref_logits).max()),
        f"siglip_embed_{a.images}_images_wall_s": round(image_time, 3),
        f"transformers_{a.images}_images_forward_s": round(ref_time, 3),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
