#!/usr/bin/env python3
"""Interoperability check with the reference library (run on the GPU machine, whose Python has torch,
transformers, peft and safetensors):

    python3 scripts/peft_interop_check.py BUILD/app/cli/lora-studio-cli GOLDEN_DIR [--json OUT.json]

For the golden BERT (sequence classifier, modules_to_save) and GPT-2 (Conv1D, fan_in_fan_out) adapters, every
form lora-studio-cli writes is loaded with peft's PeftModel.from_pretrained on the matching base model and its
outputs are compared with the expected ones:
  - PEFT → PEFT, and an interpolation and a soup of the adapter with itself (the same ΔW): the original's outputs;
  - PEFT → kohya → PEFT and PEFT → diffusers → PEFT: those formats cannot hold modules_to_save, so the
    expected outputs are the original LoRA on the base model's own head;
  - interpolate A with 2·A (lora_B doubled in Python) at λ = 0.5: 1.5·ΔW, compared with the original whose lora_B
    was scaled by 1.5 in Python.
Exits 1 if any variant fails to load or differs by more than the golden tolerance (1e-4)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch
from peft import PeftModel
from safetensors.torch import load_file, save_file
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

TOLERANCE = 1e-4


def run(cli, *args):
    r = subprocess.run([cli, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"lora-studio-cli {' '.join(args)} failed: {r.stdout}{r.stderr}")
    return r.stdout + r.stderr


def base_model(kind, golden):
    torch.manual_seed(0)
    if kind == "bert":
        return AutoModelForSequenceClassification.from_pretrained(os.path.join(golden, "models/bert")).eval()
    return AutoModelForCausalLM.from_pretrained(os.path.join(golden, "models/gpt2")).eval()


def outputs(kind, golden, adapter_dir):
    model = base_model(kind, golden)
    if adapter_dir is not None:
        model = PeftModel.from_pretrained(model, adapter_dir).eval()
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, 1000, (2, 12), generator=g)
    with torch.no_grad():
        return model(input_ids=ids).logits.float()


def lora_only(src, dst, b_scale=1.0):
    """A copy of a PEFT adapter without modules_to_save (and its task type), lora_B scaled by b_scale."""
    os.makedirs(dst, exist_ok=True)
    with open(os.path.join(src, "adapter_config.json")) as f:
        config = json.load(f)
    config["modules_to_save"] = None
    config["task_type"] = None
    with open(os.path.join(dst, "adapter_config.json"), "w") as f:
        json.dump(config, f)
    tensors = load_file(os.path.join(src, "adapter_model.safetensors"))
    kept = {k: (v * b_scale if ".lora_B." in k else v) for k, v in tensors.items() if ".lora_" in k}
    save_file(kept, os.path.join(dst, "adapter_model.safetensors"), metadata={"format": "pt"})


def scaled_copy(src, dst, b_scale):
    shutil.copytree(src, dst)
    tensors = load_file(os.path.join(src, "adapter_model.safetensors"))
    save_file({k: (v * b_scale if ".lora_B." in k else v) for k, v in tensors.items()},
              os.path.join(dst, "adapter_model.safetensors"), metadata={"format": "pt"})


def variants(cli, src, tmp):
    """name -> (directory written by the CLI, which reference it must match)."""
    v = {}
    run(cli, "convert", src, "--to", "peft", "-o", f"{tmp}/peft")
    v["peft→peft"] = (f"{tmp}/peft", "original")
    for fmt in ("kohya", "diffusers"):
        run(cli, "convert", src, "--to", fmt, "-o", f"{tmp}/{fmt}.safetensors")
        run(cli, "convert", f"{tmp}/{fmt}.safetensors", "--to", "peft", "-o", f"{tmp}/{fmt}_back")
        v[f"peft→{fmt}→peft"] = (f"{tmp}/{fmt}_back", "lora_only")
    run(cli, "interpolate", src, src, "--lambda", "0.3", "-o", f"{tmp}/interp_self")
    v["interpolate(A, A, 0.3)"] = (f"{tmp}/interp_self", "original")
    run(cli, "soup", src, src, "-o", f"{tmp}/soup_self")
    v["soup(A, A)"] = (f"{tmp}/soup_self", "original")
    scaled_copy(src, f"{tmp}/double", 2.0)
    run(cli, "interpolate", src, f"{tmp}/double", "--lambda", "0.5", "-o", f"{tmp}/interp_1p5")
    v["interpolate(A, 2A, 0.5)"] = (f"{tmp}/interp_1p5", "scaled_1.5")
    return v


def check(cli, golden, kind, tmp):
    src = os.path.join(golden, f"models/{kind}_lora_adapter")
    refs = {"original": outputs(kind, golden, src)}
    lora_only(src, f"{tmp}/ref_lora_only")
    refs["lora_only"] = outputs(kind, golden, f"{tmp}/ref_lora_only")
    scaled_copy(src, f"{tmp}/ref_scaled", 1.5)
    refs["scaled_1.5"] = outputs(kind, golden, f"{tmp}/ref_scaled")
    base = outputs(kind, golden, None)
    results = []
    for name, (directory, ref) in variants(cli, src, tmp).items():
        try:
            out = outputs(kind, golden, directory)
            err = (out - refs[ref]).abs().max().item()
            moved = (refs[ref] - base).abs().max().item()  # how far the reference is from the bare base model
            ok = err <= TOLERANCE
            results.append({"model": kind, "variant": name, "expected": ref, "max_abs_error": err,
                            "adapter_effect": moved, "ok": ok})
        except Exception as e:  # a load failure is a result, not a crash
            results.append({"model": kind, "variant": name, "expected": ref, "error": f"{type(e).__name__}: {e}", "ok": False})
        r = results[-1]
        print(f"{kind:5s} {name:26s} vs {ref:10s} " +
              (f"max abs error {r['max_abs_error']:.3g} (adapter moves outputs by {r['adapter_effect']:.3g})"
               if "max_abs_error" in r else r["error"]) + ("" if r["ok"] else "  FAILED"), flush=True)
    return results


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    cli, golden = sys.argv[1], sys.argv[2]
    results = []
    for kind in ("bert", "gpt2"):
        with tempfile.TemporaryDirectory() as tmp:
            results += check(cli, golden, kind, tmp)
    if "--json" in sys.argv:
        with open(sys.argv[sys.argv.index("--json") + 1], "w") as f:
            json.dump(results, f, indent=2)
    failed = [r for r in results if not r["ok"]]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
