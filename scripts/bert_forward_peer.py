#!/usr/bin/env python3
"""The peer of `lora-studio-cli bench encoder`: transformers' BertModel (eager, SDPA attention) forward on the
same shapes and dtype, random weights; prints one JSON line {"peer": ..., "median_ms": ...}."""
import argparse
import json
import statistics
import time

import torch
import transformers

p = argparse.ArgumentParser()
for name, default in [("device", "cuda"), ("dtype", "bfloat16")]:
    p.add_argument("--" + name, default=default)
for name, default in [("batch", 32), ("length", 128), ("layers", 12), ("hidden", 768), ("heads", 12),
                      ("intermediate", 3072), ("repeats", 30), ("warmup", 5)]:
    p.add_argument("--" + name, type=int, default=default)
a = p.parse_args()
dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[a.dtype]
config = transformers.BertConfig(num_hidden_layers=a.layers, hidden_size=a.hidden, num_attention_heads=a.heads,
                                 intermediate_size=a.intermediate, attn_implementation="sdpa")
torch.manual_seed(0)
model = transformers.BertModel(config, add_pooling_layer=False).to(a.device, dtype).eval()
ids = torch.randint(1000, config.vocab_size, (a.batch, a.length), device=a.device)
mask = torch.ones_like(ids)


def sync():
    if a.device.startswith("cuda"):
        torch.cuda.synchronize()


times = []
with torch.inference_mode():
    for i in range(a.warmup + a.repeats):
        sync()
        t = time.perf_counter()
        model(input_ids=ids, attention_mask=mask)
        sync()
        if i >= a.warmup:
            times.append((time.perf_counter() - t) * 1e3)
print(json.dumps({"peer": "transformers BertModel (eager, sdpa)", "transformers": transformers.__version__,
                  "torch": torch.__version__, "median_ms": statistics.median(times), "min_ms": min(times)}))
