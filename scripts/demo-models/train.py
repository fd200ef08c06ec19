"""Trains one neurolens demo model on emoji artwork and exports it to ONNX with a model card.

Run from the repository root (see scripts/demo-models/README.md):
  nice -n 19 /usr/bin/python3 scripts/demo-models/train.py --arch resnet --out models/emoji-resnet

Writes <out>.onnx (weights inside), <out>.json (the model card neurolens reads) and
models/emoji-split.json (the held-out emoji, shared by both models). The checkpoint goes to /tmp.
"""
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the working tree

import argparse
import json
import math
import os
import random
import shlex
import subprocess
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torchvision import transforms as T

import emoji_data
import emoji_models

# Per-architecture recipe. Epoch counts were set from a measured epoch so that each run stays
# under 30 minutes on one niced CPU thread (see README).
RECIPES = {
    "resnet": {"epochs": 30, "lr": 2e-3, "weight_decay": 0.05, "warmup_epochs": 2},
    "vit": {"epochs": 36, "lr": 1e-3, "weight_decay": 0.05, "warmup_epochs": 4},
}
BATCH_SIZE = 64
LABEL_SMOOTHING = 0.1
SEED = 1234
AUGMENTATIONS = [
    "RandomResizedCrop(64, scale=(0.55, 1.0), ratio=(0.8, 1.25), bilinear)",
    "RandomHorizontalFlip(p=0.5)",
    "ColorJitter(brightness=0.3, contrast=0.3, saturation=0.3, hue=0.04)",
    "RandomGrayscale(p=0.05)",
    "RandomApply([RandomAffine(degrees=0, scale=(0.7, 0.95), fill=white)], p=0.25)  # zoom out",
]


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)


def make_augment():
    return T.Compose([
        T.RandomResizedCrop(64, scale=(0.55, 1.0), ratio=(0.8, 1.25),
                            interpolation=T.InterpolationMode.BILINEAR),
        T.RandomHorizontalFlip(),
        T.ColorJitter(brightness=0.3, contrast=0.3, saturation=0.3, hue=0.04),
        T.RandomGrayscale(p=0.05),
        T.RandomApply([T.RandomAffine(degrees=0, scale=(0.7, 0.95), fill=255)], p=0.25),
    ])


def to_chw_uint8(x):
    """(N, H, W, 3) uint8 numpy -> (N, 3, H, W) uint8 tensor."""
    return torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()


def normalise(batch_uint8, mean, std):
    x = batch_uint8.float().div_(255.0)
    return (x - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)


def lr_at(step, total_steps, warmup_steps, base_lr):
    if step < warmup_steps:
        return base_lr * (step + 1) / warmup_steps
    t = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return base_lr * 0.5 * (1.0 + math.cos(math.pi * t))


@torch.no_grad()
def evaluate(model, x_u8, y, mean, std):
    model.eval()
    correct1 = correct5 = 0
    for i in range(0, len(y), 128):
        logits = model(normalise(x_u8[i:i + 128], mean, std))
        top5 = logits.topk(5, dim=1).indices
        target = y[i:i + 128].view(-1, 1)
        correct1 += (top5[:, :1] == target).sum().item()
        correct5 += (top5 == target).any(dim=1).sum().item()
    return correct1 / len(y), correct5 / len(y)


def export_onnx(model, path):
    model.eval()
    dummy = torch.randn(2, 3, 64, 64)
    torch.onnx.export(
        model, dummy, path, opset_version=17, input_names=["input"], output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=True)


def check_with_onnxruntime(model, onnx_path, seed):
    """Random batch through torch and onnxruntime-node; returns the parsed JSON line or None."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(8, 3, 64, 64, generator=g)
    with torch.no_grad():
        expected = model.eval()(x)
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as tmp:
        xin, xout = os.path.join(tmp, "input.f32"), os.path.join(tmp, "expected.f32")
        x.numpy().astype("<f4").tofile(xin)
        expected.numpy().astype("<f4").tofile(xout)
        try:
            res = subprocess.run(
                ["node", os.path.join(here, "check_onnx.mjs"), onnx_path, xin, "8", xout],
                capture_output=True, text=True, check=True, cwd=emoji_data.REPO_ROOT)
        except (OSError, subprocess.CalledProcessError) as err:
            print(f"onnxruntime-node check could not run: {err}", flush=True)
            return None
    return json.loads(res.stdout.strip().splitlines()[-1])


def command_line():
    niceness = os.nice(0)
    argv = [os.path.relpath(sys.argv[0], emoji_data.REPO_ROOT)] + sys.argv[1:]
    cmd = " ".join(shlex.quote(a) for a in ["/usr/bin/python3"] + argv)
    return f"nice -n {niceness} {cmd}" if niceness else cmd


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--arch", choices=sorted(RECIPES), required=True)
    ap.add_argument("--out", required=True, help="output stem, e.g. models/emoji-resnet")
    ap.add_argument("--epochs", type=int, help="override the recipe's epoch count")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    recipe = dict(RECIPES[args.arch])
    if args.epochs is not None:
        recipe["epochs"] = args.epochs
    stem = args.out[:-5] if args.out.endswith(".onnx") else args.out
    name = os.path.basename(stem)
    os.makedirs(os.path.dirname(os.path.abspath(stem)), exist_ok=True)

    torch.set_num_threads(args.threads)
    seed_everything(SEED)

    class_names, train_s, held_s, split = emoji_data.build_split()
    print(f"{len(class_names)} classes; {len(train_s)} train / {len(held_s)} held-out images",
          flush=True)
    xtr_np, ytr_np = emoji_data.load_images(train_s)
    xho_np, yho_np = emoji_data.load_images(held_s)
    xtr, ytr = to_chw_uint8(xtr_np), torch.from_numpy(ytr_np)
    xho, yho = to_chw_uint8(xho_np), torch.from_numpy(yho_np)

    # Normalisation = per-channel statistics of the (white-flattened) training images, rounded.
    pix = xtr_np.reshape(-1, 3).astype(np.float64) / 255.0
    mean_l = [round(float(v), 4) for v in pix.mean(0)]
    std_l = [round(float(v), 4) for v in pix.std(0)]
    mean, std = torch.tensor(mean_l), torch.tensor(std_l)
    print(f"mean {mean_l} std {std_l}", flush=True)

    model = emoji_models.build(args.arch, len(class_names))
    n_params = emoji_models.count_parameters(model)
    print(f"{args.arch}: {n_params} parameters", flush=True)

    decay = [p for n, p in model.named_parameters() if p.ndim > 1 and "pos_embed" not in n
             and "cls_token" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.ndim > 1 and "pos_embed" not in n
                and "cls_token" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": recipe["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}], lr=recipe["lr"])
    augment = make_augment()
    steps_per_epoch = math.ceil(len(ytr) / BATCH_SIZE)
    total_steps = recipe["epochs"] * steps_per_epoch
    warmup_steps = recipe["warmup_epochs"] * steps_per_epoch

    t0 = time.time()
    step = 0
    for epoch in range(recipe["epochs"]):
        model.train()
        te = time.time()
        order = torch.randperm(len(ytr), generator=torch.Generator().manual_seed(SEED + epoch))
        loss_sum = correct = 0
        for i in range(0, len(order), BATCH_SIZE):
            idx = order[i:i + BATCH_SIZE]
            batch = torch.stack([augment(xtr[j]) for j in idx.tolist()])
            x, y = normalise(batch, mean, std), ytr[idx]
            for g in opt.param_groups:
                g["lr"] = lr_at(step, total_steps, warmup_steps, recipe["lr"])
            logits = model(x)
            loss = F.cross_entropy(logits, y, label_smoothing=LABEL_SMOOTHING)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == y).sum().item()
        msg = (f"epoch {epoch + 1}/{recipe['epochs']} loss {loss_sum / len(ytr):.4f} "
               f"train-acc {correct / len(ytr):.4f} {time.time() - te:.1f}s "
               f"(total {time.time() - t0:.0f}s)")
        # Held-out accuracy is only watched, never used to pick an epoch: the final weights ship.
        if (epoch + 1) % 5 == 0 or epoch + 1 == recipe["epochs"]:
            h1, h5 = evaluate(model, xho, yho, mean, std)
            msg += f" held-out top1 {h1:.4f} top5 {h5:.4f}"
        print(msg, flush=True)
    train_seconds = time.time() - t0
    top1, top5 = evaluate(model, xho, yho, mean, std)
    print(f"final held-out top1 {top1:.4f} top5 {top5:.4f}; trained in {train_seconds:.0f}s",
          flush=True)

    ckpt = os.path.join(tempfile.gettempdir(), f"{name}.pt")
    torch.save({"state_dict": model.state_dict(), "class_names": class_names,
                "mean": mean_l, "std": std_l}, ckpt)
    onnx_path = stem + ".onnx"
    export_onnx(model, onnx_path)
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes); checkpoint {ckpt}", flush=True)
    check = check_with_onnxruntime(model, onnx_path, SEED)
    if check is not None:
        print(f"onnxruntime-node vs torch: {json.dumps(check)}", flush=True)

    counts = {k: split[k] for k in ("classes", "trainEmoji", "heldOutEmoji", "trainImages",
                                    "heldOutImages", "droppedEmoji")}
    split_file = os.path.join(os.path.dirname(stem), "emoji-split.json")
    card = {
        "name": name,
        "inputSize": [64, 64],
        "mean": mean_l,
        "std": std_l,
        "classNames": class_names,
        "resize": "stretch",
        "cropFraction": 1,
        "interpolation": "linear",
        "layout": "NCHW",
        "background": [255, 255, 255],
        "training": {
            "architecture": describe(args.arch),
            "parameters": n_params,
            "dataset": {
                "packages": {f"emoji-datasource-{s}": emoji_data.package_version(s)
                             for s in emoji_data.SOURCES},
                "images": "img/google/64/*.png (Noto, Apache-2.0) and img/twitter/64/*.png "
                          "(Twemoji, CC-BY 4.0); base emoji only, skin_variations ignored; "
                          "alpha flattened on white",
                "label": "subcategory",
            },
            "split": {"rule": split["rule"], "seed": split["seed"], "counts": counts,
                      "heldOutList": os.path.relpath(split_file, os.path.dirname(stem) or ".")},
            "augmentations": AUGMENTATIONS,
            "epochs": recipe["epochs"],
            "optimizer": (f"AdamW lr {recipe['lr']} weight_decay {recipe['weight_decay']} "
                          f"(none on biases/norms/embeddings), batch {BATCH_SIZE}, "
                          f"{recipe['warmup_epochs']} warmup epochs then cosine to 0 per step, "
                          f"label smoothing {LABEL_SMOOTHING}"),
            "seed": SEED,
            "heldOutTop1": round(top1, 4),
            "heldOutTop5": round(top5, 4),
            "trainSeconds": round(train_seconds),
            "command": command_line(),
            "torchVersion": torch_version(),
        },
    }
    with open(stem + ".json", "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    with open(split_file, "w") as f:
        json.dump({"rule": split["rule"], "seed": split["seed"], "classNames": class_names,
                   "perClass": split["perClass"],
                   "droppedSubcategories": split["droppedSubcategories"],
                   "heldOutUnified": split["heldOutUnified"]}, f, indent=1)
        f.write("\n")
    print(f"wrote {stem}.json and {split_file}", flush=True)


def torch_version():
    text = f"torch {torch.__version__}, torchvision {torchvision.__version__}"
    try:  # Debian's builds report e.g. 1.13.0a0; the package version says which release it is
        pkgs = subprocess.run(
            ["dpkg-query", "-W", "-f=${Package} ${Version}, ", "python3-torch",
             "python3-torchvision", "libopenblas0-serial"],
            capture_output=True, text=True, check=True).stdout.strip(" ,")
        return f"{text} (Debian {pkgs})"
    except (OSError, subprocess.CalledProcessError):
        return text


def describe(arch):
    if arch == "resnet":
        return ("ResNet, basic blocks: conv3x3(32, stride 1)+BN+ReLU, maxpool 3x3/2, stages "
                "[32, 64, 128, 192] x [2, 2, 2, 2] blocks (stride 2 from stage 2), "
                "global average pool, linear head; BatchNorm folded into Conv in the ONNX export")
    return ("ViT: patch 8 (64 patches) + class token, width 192, 6 pre-LayerNorm blocks, "
            "3 heads, MLP 384 with exact (erf) GELU, learned position embeddings, "
            "final LayerNorm, linear head on the class token")


if __name__ == "__main__":
    main()
