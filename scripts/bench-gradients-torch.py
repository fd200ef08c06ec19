"""PyTorch eager autograd on the shapes of bench-gradients.ts (ResNet-18 224 batch 8, ViT-B/16 224
batch 8), random weights: forward images/s, input-gradient images/s and the ViT's peak RSS. For a
side-by-side reading only; neurolens never needs Python."""
import argparse
import resource
import time

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--seconds", type=float, default=5)
parser.add_argument("--threads", type=int, default=0)
args = parser.parse_args()
if args.threads:
    torch.set_num_threads(args.threads)
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (x if self.down is None else self.down(x)))


def resnet18():
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for stage, width in enumerate([64, 128, 256, 512]):
        for b in range(2):
            layers.append(Block(cin, width, 2 if b == 0 and stage > 0 else 1))
            cin = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 1000)]
    return nn.Sequential(*layers).eval()


class Vit(nn.Module):
    def __init__(self, dim=768, heads=12, mlp=3072, blocks=12):
        super().__init__()
        self.embed = nn.Conv2d(3, dim, 16, 16)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.zeros(1, 197, dim))
        layer = nn.TransformerEncoderLayer(dim, heads, mlp, 0.0, activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, blocks, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 1000)

    def forward(self, x):
        t = self.embed(x).flatten(2).transpose(1, 2)
        t = torch.cat([self.cls.expand(x.shape[0], -1, -1), t], 1) + self.pos
        return self.head(self.norm(self.encoder(t))[:, 0])


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
