"""Tokenizer throughput: siglip's SentencePiece and SigLIP pipeline against `sentencepiece`'s Python binding and
transformers' SiglipTokenizer, on the same 100,000 texts (the fixture corpus repeated), one thread each.

Usage: python benchmarks/tokenizer.py --siglip-bench .build/release/siglip-bench --model Tests/Fixtures/models/tiny-siglip
"""
import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import sentencepiece as spm
from transformers import SiglipTokenizer


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--siglip-bench", required=True)
    p.add_argument("--model", type=Path, required=True)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    corpus = Path(__file__).resolve().parents[1] / "Tests" / "Fixtures" / "tokenizers" / "corpus.jsonl"
    texts = [json.loads(line)["text"] for line in corpus.open(encoding="utf-8")]
    texts = [texts[i % len(texts)] for i in range(100_000)]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps(t) + "\n")
    ours = json.loads(subprocess.run([a.siglip_bench, "--model", str(a.model), "--tokenizer-texts", f.name, "--repeats", str(a.repeats)],
                                     check=True, capture_output=True, text=True).stdout)

    sp = spm.SentencePieceProcessor(model_file=str(a.model / "spiece.model"))

    def rate(fn):
        samples = []
        for _ in range(a.repeats):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        return len(texts) / statistics.median(samples)

    batched = rate(lambda: sp.encode(texts, num_threads=1))
    single = rate(lambda: [sp.encode(t) for t in texts])
    hf = SiglipTokenizer.from_pretrained(a.model)
    subset = texts[:10_000]
    start = time.perf_counter()
    hf(subset, padding="max_length", truncation=True, max_length=64)
    hf_rate = len(subset) / (time.perf_counter() - start)
    print(f"texts/s on {len(texts)} texts ({a.model.name}'s spiece.model), one thread, median of {a.repeats}:")
    print(f"  siglip SentencePiece encode        {ours['sentencepiece_encode_per_s']:>10.0f}")
    print(f"  sentencepiece (list call)           {batched:>10.0f}   ratio {batched / ours['sentencepiece_encode_per_s']:.2f}")
    print(f"  sentencepiece (one call per text)   {single:>10.0f}   ratio {single / ours['sentencepiece_encode_per_s']:.2f}")
    print(f"  siglip SigLIP pipeline (ids, padded){ours['pipeline_encode_per_s']:>10.0f}")
    print(f"  transformers SiglipTokenizer        {hf_rate:>10.0f}   ratio {hf_rate / ours['pipeline_encode_per_s']:.2f}")


if __name__ == "__main__":
    main()
