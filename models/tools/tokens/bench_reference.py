"""Tokenizer benchmark, Python side (used by bench/tokenizer.sh).

    bench_reference.py --write-labels PATH N   writes N distinct labels, one per line
    bench_reference.py PATH [SECONDS [CORPUS]] prompts/s of reference_tokenizer.py on "a photo of a {label}."
                                               (and texts/s on a golden corpus file)
"""
import os
import random
import sys
import time

ADJ = ["red", "blue", "green", "small", "large", "old", "young", "wooden", "metal", "plastic", "striped",
       "spotted", "wild", "domestic", "vintage", "modern", "broken", "shiny", "fluffy", "tiny", "giant",
       "golden", "silver", "black", "white", "brown", "grey", "pink", "purple", "orange"]
NOUN = ["cat", "dog", "car", "truck", "bicycle", "airplane", "boat", "bird", "horse", "sheep", "cow",
        "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase",
        "frisbee", "skis", "snowboard", "kite", "bottle", "cup", "fork", "knife", "spoon", "bowl", "banana",
        "apple", "sandwich", "orange", "broccoli", "carrot", "pizza", "donut", "cake", "chair", "couch",
        "bed", "toilet", "laptop", "mouse", "remote", "keyboard", "microwave", "oven", "toaster", "sink",
        "refrigerator", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
        "golden retriever", "tabby cat", "fire truck", "sports car", "espresso", "lighthouse", "volcano",
        "mushroom", "jellyfish", "hummingbird", "tractor", "cathedral", "waterfall", "koala", "penguin"]


def write_labels(path, n):
    rnd = random.Random(1)
    labels = []
    seen = set()
    while len(labels) < n:
        lab = (rnd.choice(ADJ) + " " if rnd.random() < 0.8 else "") + rnd.choice(NOUN)
        if rnd.random() < 0.3:
            lab = rnd.choice(ADJ) + " " + lab
        if lab in seen:
            lab = lab + " " + str(len(labels))
        seen.add(lab)
        labels.append(lab)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(labels) + "\n")


def bench(path, seconds, corpus=None):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from reference_tokenizer import SimpleTokenizer, default_vocab
    labels = [l for l in open(path, encoding="utf-8").read().split("\n") if l]
    prompts = ["a photo of a %s." % l for l in labels]
    tok = SimpleTokenizer(os.environ.get("CLIP_VOCAB", default_vocab()))
    t0 = time.perf_counter()
    for p in prompts:  # first pass fills the BPE cache
        tok.encode_with_specials(p)
    cold = len(prompts) / (time.perf_counter() - t0)
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for p in prompts:
            tok.encode_with_specials(p)
        n += len(prompts)
    warm = n / (time.perf_counter() - t0)
    print("python reference: %d distinct prompts, first pass %.0f prompts/s, warm %.0f prompts/s"
          % (len(prompts), cold, warm))
    print("PYTHON_WARM=%.0f" % warm)
    if corpus:
        import json
        texts = [json.loads(l)["text"] for l in open(corpus, encoding="utf-8")]
        m = 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            for t in texts:
                tok.encode_with_specials(t)
            m += len(texts)
        print("python reference: golden corpus (%d mixed texts) %.0f texts/s" % (len(texts), m / (time.perf_counter() - t0)))


if __name__ == "__main__":
    if sys.argv[1] == "--write-labels":
        write_labels(sys.argv[2], int(sys.argv[3]))
    else:
        bench(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 5,
              sys.argv[3] if len(sys.argv) > 3 else None)
