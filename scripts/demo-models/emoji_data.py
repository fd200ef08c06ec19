"""Emoji artwork data set for the neurolens demo models.

Samples come from two npm packages installed as devDependencies:
  node_modules/emoji-datasource-google   (Noto artwork, img/google/64/*.png)
  node_modules/emoji-datasource-twitter  (Twemoji artwork, img/twitter/64/*.png)

Label = the emoji's Unicode subcategory. Only base emoji are used (skin_variations are ignored);
each emoji contributes up to two images (its Noto and its Twemoji artwork). The split is made
per emoji, so both artworks of a held-out emoji are unseen during training.
"""
import json
import os
import random
from collections import defaultdict

import numpy as np
from PIL import Image

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SOURCES = ("google", "twitter")  # order matters: it fixes the sample order
IMAGE_SIZE = 64

# A subcategory becomes a class when it has at least this many distinct base emoji with artwork.
MIN_EMOJI_PER_CLASS = 8
HELD_OUT_FRACTION = 0.2
SPLIT_SEED = 20240603

SPLIT_RULE = (
    f"classes = subcategories with >= {MIN_EMOJI_PER_CLASS} distinct base emoji having google or "
    f"twitter 64px artwork; per class, emoji sorted by unified code, shuffled with "
    f"random.Random(seed + class index), and max(1, round({HELD_OUT_FRACTION} * n)) emoji held out; "
    f"both artworks of an emoji share its split"
)


def package_dir(source):
    return os.path.join(REPO_ROOT, "node_modules", f"emoji-datasource-{source}")


def package_version(source):
    with open(os.path.join(package_dir(source), "package.json")) as f:
        return json.load(f)["version"]


def image_path(source, image_name):
    return os.path.join(package_dir(source), "img", source, "64", image_name)


def load_emoji_table():
    """All base emoji, keyed by unified code, with the list of artwork files that exist."""
    table = {}
    for source in SOURCES:
        with open(os.path.join(package_dir(source), "emoji.json")) as f:
            entries = json.load(f)
        for e in entries:
            if not e.get(f"has_img_{source}"):
                continue
            path = image_path(source, e["image"])
            if not os.path.isfile(path):
                continue
            row = table.setdefault(e["unified"], {
                "unified": e["unified"],
                "name": e.get("name") or e["short_name"],
                "short_name": e["short_name"],
                "category": e["category"],
                "subcategory": e["subcategory"],
                "sort_order": e["sort_order"],
                "files": [],
            })
            row["files"].append((source, path))
    return table


def build_split(seed=SPLIT_SEED):
    """Returns (class_names, train_samples, held_out_samples, info).

    A sample is (path, class_index, unified, source). class_names are sorted by
    (category, subcategory) in the order the first emoji of each appears (sort_order), which is
    Unicode's own order, so related subcategories get neighbouring indices.
    """
    table = load_emoji_table()
    by_class = defaultdict(list)
    for row in table.values():
        by_class[row["subcategory"]].append(row)
    kept = [c for c, rows in by_class.items() if len(rows) >= MIN_EMOJI_PER_CLASS]
    kept.sort(key=lambda c: min(r["sort_order"] for r in by_class[c]))
    class_names = kept

    train, held = [], []
    held_codes = []
    counts = {}
    for ci, cls in enumerate(class_names):
        rows = sorted(by_class[cls], key=lambda r: r["unified"])
        rng = random.Random(seed + ci)
        rng.shuffle(rows)
        n_held = max(1, round(HELD_OUT_FRACTION * len(rows)))
        held_rows, train_rows = rows[:n_held], rows[n_held:]
        for r in held_rows:
            held_codes.append(r["unified"])
        for split, rows_ in ((held, held_rows), (train, train_rows)):
            for r in sorted(rows_, key=lambda r: r["sort_order"]):
                for source, path in r["files"]:
                    split.append((path, ci, r["unified"], source))
        counts[cls] = {"trainEmoji": len(train_rows), "heldOutEmoji": len(held_rows)}

    dropped = sorted(c for c in by_class if c not in kept)
    info = {
        "rule": SPLIT_RULE,
        "seed": seed,
        "classes": len(class_names),
        "trainEmoji": sum(v["trainEmoji"] for v in counts.values()),
        "heldOutEmoji": sum(v["heldOutEmoji"] for v in counts.values()),
        "trainImages": len(train),
        "heldOutImages": len(held),
        "droppedSubcategories": dropped,
        "droppedEmoji": sum(len(by_class[c]) for c in dropped),
        "perClass": counts,
        "heldOutUnified": sorted(held_codes),
    }
    return class_names, train, held, info


def load_rgb(path):
    """64x64 RGB uint8, alpha flattened on white (what neurolens does with background [255,255,255])."""
    with Image.open(path) as im:
        im = im.convert("RGBA")
        if im.size != (IMAGE_SIZE, IMAGE_SIZE):
            im = im.resize((IMAGE_SIZE, IMAGE_SIZE), Image.BILINEAR)
        rgba = np.asarray(im, dtype=np.float32)
    alpha = rgba[..., 3:4] / 255.0
    rgb = rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def load_images(samples):
    """Stacks samples into (N, 64, 64, 3) uint8 and (N,) int64 labels."""
    x = np.stack([load_rgb(s[0]) for s in samples])
    y = np.array([s[1] for s in samples], dtype=np.int64)
    return x, y


if __name__ == "__main__":
    names, tr, ho, inf = build_split()
    print(f"{len(names)} classes, {len(tr)} train images, {len(ho)} held-out images")
    print({k: v for k, v in inf.items() if k not in ("perClass", "heldOutUnified")})
