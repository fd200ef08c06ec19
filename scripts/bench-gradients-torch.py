"""PyTorch eager autograd on the shapes of bench-gradients.ts (ResNet-18 224 batch 8, ViT-B/16 224
batch 8), random weights: forward images/s, input-gradient images/s and the ViT's peak RSS. For a
side-by-side reading only; neurolens never needs Python."""
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_models import Vit, parse_args, resnet18  # noqa: E402

args = parse_args(seconds=(float, 5))


def rate(step):
    step()
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        step()
        calls += 1
    return calls / (time.perf_counter() - start)


def measure(name, model):
    # Input gradients only, as neurolens computes them: no parameter gradients.
    for p in model.parameters():
        p.requires_grad_(False)
    x = torch.randn(8, 3, 224, 224)
    with torch.no_grad():
        fwd = 8 * rate(lambda: model(x))

    def grad_step():
        xi = x.clone().requires_grad_(True)
        model(xi)[torch.arange(8), torch.arange(8)].sum().backward()

    grd = 8 * rate(grad_step)
    print(f"   torch {torch.__version__} {name}, batch 8: forward {fwd:.1f} images/s, input gradient {grd:.1f} images/s = {grd / fwd:.2f}x forward; peak RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024:.2f} GB")


measure("ResNet-18 224", resnet18())
measure("ViT-B/16 224", Vit().eval())
