"""Zero-shot top-1 of a model on labelled folders (one sub-folder per label), through `clip classify`.

    /usr/bin/python3 evaluate.py --clip ./clip --model MODEL [--template T ...] [--subset 49] FOLDER...

For each FOLDER: every image is classified against all of that folder's labels (sub-folder names,
underscores as spaces) with the given prompt templates (default: the model's own), and top-1 /
top-5 accuracy is printed with the chance level (1 / labels), per image and averaged per label.
`--subset N` also reports the mean top-1 over 20 seeded random draws of N labels (the images of
those labels ranked among those N only), which is how a "top-1 over N labels" goal is read when a
folder has more labels than N. `--by-source` splits the figures by the file-name prefix before
"__" up to its first "-" (the recipe's source, or the photo's activity). `--pad-labels N --pad-from
concepts.tsv` adds distractor labels (names of the recipe's drawing and clip-art concepts in concepts.tsv, seeded draw) until
there are N, so that a folder with few labels is ranked among N, e.g. 300. `--overlap pairs.tsv`
counts the evaluation images that are near-copies of training images (grey levels at 24x24 after
cropping to the drawn pixels, correlation above 0.9: the same artwork, re-drawn or re-scaled;
images too plain to tell, such as a white star, are not counted), so that a figure says when it
measures recall rather than generalisation. Prints one JSON line per
folder at the end too.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

IMAGE_ENDINGS = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp")


def folder_items(folder):
    items = []
    for d in sorted(os.listdir(folder)):
        p = os.path.join(folder, d)
        if not os.path.isdir(p):
            continue
        for f in sorted(os.listdir(p)):
            if f.lower().endswith(IMAGE_ENDINGS):
                items.append((os.path.join(p, f), d.replace("_", " ")))
    return items


def classify(clip, model, labels, templates, paths, extra):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as lf:
        lf.write("\n".join(labels) + "\n")
    cmd = [clip, "classify", "--json", "--model", model, "--labels-file", lf.name, "-k", str(len(labels))]
    for t in templates:
        cmd += ["--template", t]
    cmd += extra + paths
    try:
        run = subprocess.run(cmd, capture_output=True, text=True)
    finally:
        os.unlink(lf.name)
    if run.returncode not in (0, 1):  # 1: some image failed (reported per image)
        sys.exit(f"evaluate.py: clip classify exited {run.returncode}: {run.stderr.strip()[-2000:]}")
    out = run.stdout
    scores = {}
    for line in out.splitlines():
        r = json.loads(line)
        if r.get("status") == "ok":
            scores[r["image"]] = {x["label"]: x["cosine"] for x in r["labels"]}
    return scores


MIN_CORRELATION = 0.9
MIN_CONTRAST = 0.08  # grey-level standard deviation below which a thumbnail says nothing


def thumb(path):
    """24x24 grey levels of an image cropped to its non-white pixels (alpha flattened on white), centred
    and scaled to unit norm (None if too plain to compare)."""
    import numpy as np
    from PIL import Image
    im = Image.open(path).convert("RGBA")
    flat = Image.new("RGBA", im.size, (255, 255, 255, 255))
    flat.alpha_composite(im)
    grey = flat.convert("L")
    box = grey.point(lambda v: 255 if v < 240 else 0).getbbox()  # near-white paper is not drawn
    if box:
        grey = grey.crop(box)
    v = np.asarray(grey.resize((24, 24)), dtype=np.float64).ravel() / 255
    if v.std() < MIN_CONTRAST:
        return None
    v = v - v.mean()
    return v / np.linalg.norm(v)


def near_copies(paths, train_paths):
    """The evaluation paths whose most similar training image correlates above MIN_CORRELATION."""
    import numpy as np
    train = np.stack([t for t in map(thumb, train_paths) if t is not None])
    out = []
    for p in paths:
        t = thumb(p)
        if t is not None and (train @ t).max() > MIN_CORRELATION:
            out.append(p)
    return out


def accuracy(items, scores, labels, k):
    allowed = set(labels)
    hits = total = 0
    per_label = {}
    for path, truth in items:
        if truth not in allowed or path not in scores:
            continue
        s = scores[path]
        ranked = sorted(allowed, key=lambda l: -s[l])
        ok = truth in ranked[:k]
        hits += ok
        total += 1
        per_label.setdefault(truth, []).append(ok)
    mean_per_label = sum(sum(v) / len(v) for v in per_label.values()) / max(1, len(per_label))
    return hits / max(1, total), mean_per_label, total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clip", default="./clip")
    ap.add_argument("--model", required=True)
    ap.add_argument("--template", action="append", default=[])
    ap.add_argument("--subset", type=int, default=0)
    ap.add_argument("--by-source", action="store_true")
    ap.add_argument("--fast", action="store_true")
    ap.add_argument("--pad-labels", type=int, default=0)
    ap.add_argument("--pad-from", help="concepts.tsv of the recipe (column 'name')")
    ap.add_argument("--overlap", help="pairs.tsv of the training run: count near-copies of its images")
    ap.add_argument("folders", nargs="+")
    a = ap.parse_args()
    train_paths = []
    if a.overlap:
        base = os.path.dirname(os.path.abspath(a.overlap))
        with open(a.overlap, encoding="utf-8") as f:
            # the white-background originals only: the textured and styled copies are the same artwork
            paths = (line.split("\t", 1)[0] for line in f)
            train_paths = [os.path.join(base, p) for p in paths if p.endswith(".png") and not p.endswith("_s.png")]
    summary = []
    for folder in a.folders:
        items = folder_items(folder)
        labels = sorted({l for _, l in items})
        if a.pad_labels > len(labels):
            with open(a.pad_from) as f:
                rows = [line.rstrip("\n").split("\t") for line in f]
            col, style = rows[0].index("name"), rows[0].index("style")
            # distractors are things, as a user's labels would be: names from the drawing sources
            pool = sorted({r[col] for r in rows[1:] if r[style] in ("drawing", "clip art")} - set(labels))
            labels = sorted(labels + random.Random(1).sample(pool, a.pad_labels - len(labels)))
        scores = classify(a.clip, a.model, labels, a.template, [p for p, _ in items], ["--fast"] if a.fast else [])
        top1, top1_label, n = accuracy(items, scores, labels, 1)
        top5, _, _ = accuracy(items, scores, labels, 5)
        row = {"folder": folder, "images": n, "labels": len(labels), "chance": 1 / len(labels),
               "top1": top1, "top1_per_label": top1_label, "top5": top5, "templates": a.template or "model's"}
        print(f"{folder}: {n} images, {len(labels)} labels (chance {100 / len(labels):.2f}%): "
              f"top-1 {100 * top1:.1f}% (per label {100 * top1_label:.1f}%), top-5 {100 * top5:.1f}%")
        if train_paths:
            copies = near_copies([p for p, _ in items], train_paths)
            row["near_copies_of_training"] = len(copies)
            print(f"  {len(copies)} of {len(items)} images are near-copies of training images")
        if a.subset and a.subset < len(labels):
            rng = random.Random(0)
            draws = [accuracy(items, scores, rng.sample(labels, a.subset), 1)[0] for _ in range(20)]
            row[f"top1_over_{a.subset}"] = sum(draws) / len(draws)
            print(f"  over {a.subset} random labels (20 draws): top-1 {100 * row[f'top1_over_{a.subset}']:.1f}% "
                  f"(min {100 * min(draws):.1f}, max {100 * max(draws):.1f}; chance {100 / a.subset:.2f}%)")
        if a.by_source:
            by = {}
            for p, l in items:
                src = os.path.basename(p).split("__")[0]  # <activity>__x.png, <source>-<concept>__NN.png
                by.setdefault(src.split("-")[0], []).append((p, l))
            row["by_source"] = {}
            for src, its in sorted(by.items()):
                t1, _, m = accuracy(its, scores, labels, 1)
                row["by_source"][src] = {"images": m, "top1": t1}
                print(f"  {src}: {m} images, top-1 {100 * t1:.1f}%")
        summary.append(row)
    for row in summary:
        print(json.dumps(row))


if __name__ == "__main__":
    sys.exit(main())
