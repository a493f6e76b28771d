"""A checkpoint written by `siglip train` loaded by transformers: same embeddings and logits as siglip's own.

Usage: .venv/bin/python scripts/roundtrip_transformers.py --siglip .build/release/siglip --model DIR IMAGE... --text T...

Loads DIR with `SiglipModel.from_pretrained` and `AutoProcessor`/`SiglipTokenizer` (it must load with no missing
or unexpected weights), embeds the image files and texts there and with `siglip embed`, and prints the largest
differences of the L2-normalised embeddings and of the logits (which also cover t and b).
"""
import argparse
import json
import subprocess

import numpy as np
import torch
from PIL import Image
from transformers import SiglipImageProcessor, SiglipModel, SiglipTokenizer


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--siglip", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("images", nargs="+")
    p.add_argument("--text", action="append", required=True)
    a = p.parse_args()

    model, info = SiglipModel.from_pretrained(a.model, output_loading_info=True)
    problems = {k: v for k, v in info.items() if v}
    assert not problems, f"transformers reports {problems}"
    model.eval()
    processor = SiglipImageProcessor.from_pretrained(a.model)
    tokenizer = SiglipTokenizer.from_pretrained(a.model)
    length = model.config.text_config.max_position_embeddings
    pixels = processor([Image.open(f).convert("RGB") for f in a.images], return_tensors="pt")["pixel_values"]
    ids = tokenizer(a.text, padding="max_length", truncation=True, max_length=length, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        out = model(pixel_values=pixels, input_ids=ids)
    ref_images, ref_texts, ref_logits = out.image_embeds.numpy(), out.text_embeds.numpy(), out.logits_per_image.numpy()

    args = [a.siglip, "embed", "--model", a.model]
    for f in a.images:
        args += ["--image", f]
    for t in a.text:
        args += ["--text", t]
    lines = [json.loads(l) for l in subprocess.run(args, check=True, capture_output=True, text=True).stdout.splitlines()]
    ours = np.array([l["embedding"] for l in lines], dtype=np.float32)
    images, texts = ours[:len(a.images)], ours[len(a.images):]
    logits = images @ texts.T * np.exp(model.logit_scale.item()) + model.logit_bias.item()
    print(f"loaded by transformers with no missing, unexpected or mismatched weights ({len(model.state_dict())} tensors)")
    print(f"max |Δ| image embeddings {np.abs(images - ref_images).max():.2e}, text embeddings "
          f"{np.abs(texts - ref_texts).max():.2e}, logits {np.abs(logits - ref_logits).max():.2e} "
          f"(logits up to {np.abs(ref_logits).max():.1f})")


if __name__ == "__main__":
    main()
