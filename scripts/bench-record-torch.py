"""PyTorch eager on the shape bench-record.ts records: ResNet-18 at 224, random weights, forward hooks
on the 8 residual blocks storing each block's per-channel spatial mean (what `record --pool mean`
stores), random input tensors (no image decoding). Prints images/s. For a side-by-side reading only;
neurolens never needs Python."""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_models import Block, parse_args, resnet18  # noqa: E402

args = parse_args(images=(int, 256), batch=(int, 16))

model = resnet18()
pooled = []
for module in model:
    if isinstance(module, Block):
        module.register_forward_hook(lambda _m, _i, out: pooled.append(out.mean((2, 3))))
x = torch.randn(args.batch, 3, 224, 224)
with torch.no_grad():
    model(x)  # warm-up
    done, start = 0, time.perf_counter()
    while done < args.images:
        pooled.clear()
        model(x)
        done += args.batch
    seconds = time.perf_counter() - start
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {args.batch}: {done / seconds:.1f} images/s")
