"""The PyTorch side of the from-scratch shapes run: the same model config, data files, optimiser and schedule as
`siglip train`, in PyTorch eager float32, with zero-shot accuracy measured along the way.

Usage (after `siglip datasets shapes --output DATA`):
  .venv/bin/python benchmarks/train_shapes.py --data DATA --model Tests/Fixtures/shapes --steps N \
      --batch-size 256 --lr 2e-3 --warmup 50 --weight-decay W --clip-norm 1 --threads 2 --time-limit 600 \
      --eval-every 50 --metrics OUT.jsonl

The model is `SiglipModel(config)` with transformers' own initialisation (the same distributions as
`TrainableSiglip.initialize`) and, as there, t′ = log 10 and b = −10. Images are decoded once up front (the Swift
run decodes them while it trains, which only makes this side faster). AdamW decays tensors of two or more
dimensions only, as ours does; the schedule is linear warm-up then cosine to zero at --steps. Training stops at
--steps or when --time-limit seconds of training (evaluation excluded) have passed, whichever comes first.
metrics.jsonl lines match `siglip train`'s: {"step", "loss", "lr", "elapsed_s"} and {"step", "elapsed_s", "accuracy"}.
"""
import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from transformers import SiglipConfig, SiglipModel, SiglipTokenizer


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def pixels(rows, base):
    """What SiglipImageProcessor gives for images already at the model's size: rescale and normalise to [-1, 1]."""
    arrays = [np.asarray(Image.open(base / r["image"]).convert("RGB"), dtype=np.float32) for r in rows]
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous() / 127.5 - 1.0


def multiplier(step, warmup, total, schedule):
    if step < warmup:
        return (step + 1) / warmup
    if schedule == "constant":
        return 1.0
    return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total - warmup))))


@torch.no_grad()
def accuracy(model, test_pixels, label_ids, answers, groups):
    model.eval()
    texts = torch.nn.functional.normalize(model.get_text_features(input_ids=label_ids).pooler_output, dim=-1)
    images = torch.nn.functional.normalize(model.get_image_features(pixel_values=test_pixels).pooler_output, dim=-1)
    best = (images @ texts.T).argmax(dim=1)
    right = (best == answers).numpy()
    model.train()
    out = {"all": float(right.mean())}
    for g in sorted(set(groups)):
        mask = np.array([x == g for x in groups])
        out[g] = float(right[mask].mean())
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True, type=Path)
    p.add_argument("--model", required=True, type=Path, help="folder with config.json and the tokenizer")
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--warmup", type=int, default=0)
    p.add_argument("--schedule", default="cosine")
    p.add_argument("--clip-norm", type=float)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--init", type=Path, help="start from this checkpoint instead of a fresh initialisation")
    p.add_argument("--init-temperature", type=float, default=10.0)
    p.add_argument("--init-bias", type=float, default=-10.0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--time-limit", type=float, default=600)
    p.add_argument("--eval-every", type=int, default=50)
    p.add_argument("--metrics", type=Path, required=True)
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    config = SiglipConfig.from_pretrained(args.model)
    if args.init:
        model = SiglipModel.from_pretrained(args.init).float()
    else:
        model = SiglipModel(config).float()
        with torch.no_grad():
            model.logit_scale.fill_(math.log(args.init_temperature))
            model.logit_bias.fill_(args.init_bias)
    model.train()
    tokenizer = SiglipTokenizer.from_pretrained(args.model)
    length = config.text_config.max_position_embeddings

    def ids(texts):
        return torch.tensor(tokenizer(texts, padding="max_length", max_length=length, truncation=True)["input_ids"])

    train = read_jsonl(args.data / "train.jsonl")
    test = read_jsonl(args.data / "test.jsonl")
    train_pixels, train_ids = pixels(train, args.data), ids([r["text"] for r in train])
    test_pixels = pixels(test, args.data)
    labels = list(dict.fromkeys(r["text"] for r in test))
    label_ids = ids(labels)
    answers = torch.tensor([labels.index(r["text"]) for r in test])
    groups = [("held-out" if r["held_out"] else "seen") if "held_out" in r else "all" for r in test]

    decay = [q for q in model.parameters() if q.ndim >= 2]
    plain = [q for q in model.parameters() if q.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": plain, "weight_decay": 0.0}], lr=args.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: multiplier(s, args.warmup, args.steps, args.schedule))
    g = torch.Generator().manual_seed(args.seed)
    out = open(args.metrics, "w")

    def log(record):
        out.write(json.dumps(record) + "\n")
        out.flush()

    acc = accuracy(model, test_pixels, label_ids, answers, groups)
    log({"step": 0, "elapsed_s": 0.0, "accuracy": acc})
    trained, step, order, cursor = 0.0, 0, torch.randperm(len(train), generator=g), 0
    while step < args.steps and trained < args.time_limit:
        if cursor + args.batch_size > len(train):
            order, cursor = torch.randperm(len(train), generator=g), 0
        index = order[cursor:cursor + args.batch_size]
        cursor += args.batch_size
        started = time.perf_counter()
        loss = model(pixel_values=train_pixels[index], input_ids=train_ids[index], return_loss=True).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if args.clip_norm:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip_norm)
        lr = sched.get_last_lr()[0]
        opt.step()
        sched.step()
        trained += time.perf_counter() - started
        step += 1
        log({"step": step, "loss": loss.item(), "lr": lr, "t": model.logit_scale.exp().item(),
             "b": model.logit_bias.item(), "elapsed_s": round(trained, 2)})
        if step % args.eval_every == 0 or step == args.steps or trained >= args.time_limit:
            acc = accuracy(model, test_pixels, label_ids, answers, groups)
            log({"step": step, "elapsed_s": round(trained, 2), "accuracy": acc})
            print(f"step {step} {trained:.0f}s loss {loss.item():.4f} " +
                  " ".join(f"{k} {v * 100:.1f}%" for k, v in acc.items()), flush=True)


if __name__ == "__main__":
    main()
