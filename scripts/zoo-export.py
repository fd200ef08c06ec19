"""Exports torchvision classification architectures with random weights to ONNX, for `npm run zoo:full`.

Usage: zoo-export.py OUT_DIR NAME[@SIZE] ...
Writes OUT_DIR/NAME.onnx (batch dim dynamic, opset 17 when torch has it, else its highest) and
prints one JSON line per name: {"name", "file", "size", "params"} or {"name", "error"}.
No weights are downloaded (weights=None); the seed is fixed so exports are repeatable.
"""
import json
import os
import sys

import torch
import torchvision


def build(name):
    ctor = getattr(torchvision.models, name, None)
    if ctor is None:
        raise RuntimeError(f"torchvision {torchvision.__version__} has no {name}")
    # Inception-v3's auxiliary head only runs in training; without it the graph has one output.
    extra = {"aux_logits": False, "init_weights": True} if name == "inception_v3" else {}
    return ctor(weights=None, **extra).eval()


def export(out_dir, spec):
    name, _, size = spec.partition("@")
    size = int(size or 224)
    torch.manual_seed(0)
    model = build(name)
    file = os.path.join(out_dir, f"{name}.onnx")
    opset = min(17, torch.onnx._constants.ONNX_MAX_OPSET) if hasattr(torch.onnx, "_constants") else 14
    # Gradients stay on: with them off, nn.MultiheadAttention (ViT) takes a fused fast path that
    # torch 1.13's exporter cannot write to ONNX.
    torch.onnx.export(
        model,
        torch.randn(1, 3, size, size),
        file,
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=opset,
        do_constant_folding=True,
    )
    params = sum(p.numel() for p in model.parameters())
    return {"name": name, "file": file, "size": size, "params": params}


def main():
    out_dir, specs = sys.argv[1], sys.argv[2:]
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    for spec in specs:
        try:
            result = export(out_dir, spec)
        except Exception as error:  # one line per architecture, the rest still export
            result = {"name": spec.partition("@")[0], "error": " ".join(str(error).split())[:300]}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
