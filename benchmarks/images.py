"""Image preprocessing throughput, one thread: siglip's decode + EXIF + RGB + Pillow-exact resize + normalise
against transformers' `load_image` + PIL-backend `SiglipImageProcessorPil`, on the same files, in one run.

Usage: python benchmarks/images.py --siglip-bench .build/release/siglip-bench --model DIR --images DIR
"""
import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path

from transformers.image_utils import load_image
from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--siglip-bench", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--images", required=True)
    p.add_argument("--repeats", type=int, default=7)
    a = p.parse_args()
    ours = json.loads(subprocess.run([a.siglip_bench, "--model", a.model, "--preprocess-images", a.images, "--repeats", str(a.repeats)],
                                     check=True, capture_output=True, text=True).stdout)
    processor = SiglipImageProcessorPil.from_pretrained(a.model)
    print(f"decode + preprocess, ms per image, one thread, median of {a.repeats}:")
    print(f"{'image':<34}{'siglip':>10}{'reference':>12}{'speed-up':>10}")
    for name in sorted(ours):
        path = str(Path(a.images) / name)
        processor(images=load_image(path), return_tensors="np")
        samples = []
        for _ in range(a.repeats):
            start = time.perf_counter()
            processor(images=load_image(path), return_tensors="np")
            samples.append(time.perf_counter() - start)
        reference = statistics.median(samples) * 1000
        print(f"{name:<34}{ours[name]:>10.2f}{reference:>12.2f}{reference / ours[name]:>9.1f}×")


if __name__ == "__main__":
    main()
