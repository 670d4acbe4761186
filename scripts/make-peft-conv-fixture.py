#!/usr/bin/env python3
"""Writes tests/data/peft_conv2d/: a real PEFT LoRA on Conv2d layers (3x3 and 1x1) and a Linear layer of a tiny
model, made by peft itself, plus what peft computes with it (reference.safetensors): the base weights, peft's
merged weights (merge_and_unload) and the LoRA model's output on a fixed input. test_conv_lora reads the adapter
with LoRA Studio's own code and checks its merge against these. Run where peft is installed (the GPU machine):

    python3 scripts/make-peft-conv-fixture.py tests/data/peft_conv2d
"""
import os
import sys

import torch
from peft import LoraConfig, get_peft_model
from safetensors.torch import save_file


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_in = torch.nn.Conv2d(3, 6, 3, padding=1)
        self.mid = torch.nn.Conv2d(6, 5, 1)
        self.head = torch.nn.Linear(5, 4)

    def forward(self, x):
        h = torch.nn.functional.silu(self.conv_in(x))
        h = torch.nn.functional.silu(self.mid(h))
        return self.head(h.mean(dim=(2, 3)))


def main(out_dir):
    torch.manual_seed(20261126)
    model = Tiny().double()
    base = {k: v.clone() for k, v in model.state_dict().items()}
    config = LoraConfig(r=2, lora_alpha=3, target_modules=["conv_in", "mid", "head"], init_lora_weights=False)
    lora = get_peft_model(model, config).double()
    x = torch.randn(2, 3, 8, 8, dtype=torch.double)
    with torch.no_grad():
        y = lora(x)
    lora.save_pretrained(out_dir, safe_serialization=True)
    merged = lora.merge_and_unload()
    with torch.no_grad():
        y_merged = merged(x)
    assert torch.allclose(y, y_merged, atol=1e-10)
    ref = {"input": x, "output": y}
    for k, v in base.items():
        ref["base." + k] = v
    for k, v in merged.state_dict().items():
        ref["merged." + k] = v.clone()
    save_file({k: v.contiguous() for k, v in ref.items()}, os.path.join(out_dir, "reference.safetensors"),
              metadata={"peft": __import__("peft").__version__, "torch": torch.__version__})
    print("wrote", out_dir, {k: tuple(v.shape) for k, v in ref.items()})


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/peft_conv2d")
