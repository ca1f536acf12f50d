"""Data recipe for the bundled model `clipkit-mini` (issue 11, part 2) -- SKELETON, NOT RUN YET.

    /usr/bin/python3 models/mini/make_data.py OUT_DIR      # writes OUT_DIR/train.jsonl, OUT_DIR/heldout.jsonl,
                                                          # OUT_DIR/images/..., OUT_DIR/SOURCES.md

then (the training command the model card will record, with its time and curve):

    ./clip train OUT_DIR/train.jsonl -o clipkit-mini --resnet 1,1,1,1 --vision-width 32 --image-size 64 \
        --text-width 256 --text-layers 2 --context-length 32 --embed-dim 256 \
        --epochs 60 --batch-size 256 --lr 5e-4 --warmup 500 --threads 2 --seed 0 \
        --eval OUT_DIR/eval-photos --checkpoint-every 500

Sources, these and no others (no photographs in training; photographs are for evaluation only):

| source | package | images | text | licence (to confirm from each package's copyright file) |
|---|---|---|---|---|
| Noto Color Emoji | Debian fonts-noto-color-emoji | emoji rendered from the font | CLDR | OFL-1.1 |
| Twemoji | npm emoji-datasource-twitter | PNG sheets | CLDR | CC-BY-4.0 (attribution) |
| Fluent Emoji 3D | npm @lobehub/fluent-emoji-3d | PNG | CLDR | MIT |
| OpenMoji | npm openmoji | SVG/PNG | CLDR | CC-BY-SA-4.0 |
| Tux Paint stamps | Debian tuxpaint-stamps-default | PNG/SVG | their one-sentence descriptions | GPL-2+ / CC |
| Art4Apps drawings | inside Debian pysiogame | PNG | file names | CC-BY-SA-3.0 |
| GCompris drawings | Debian gcompris-qt-data (not its photographs) | SVG/PNG | file names, word lists | GPL-3+ / CC-BY-SA |
| openclipart | Debian openclipart-png / -svg (concrete folders) | PNG/SVG | titles | CC0 / public domain |
| CLDR annotations | Debian unicode-cldr-core | - | emoji names and keywords | Unicode licence |
| WordNet | Debian wordnet-base | - | hypernyms (parents) and categories of nouns | WordNet licence |

Evaluation photographs (never trained on): skimage's chelsea/coffee/rocket/astronaut, sklearn's
china/flower, matplotlib's grace_hopper.

Reproducibility: every step is a pure function of the package versions (recorded in SOURCES.md)
and SEED; images are written in a sorted order; the split into train and held-out concepts is a
hash of the concept name.
"""
import hashlib
import json
import os
import sys

SEED = 0
HELD_OUT_PERCENT = 8  # concepts (not images) kept out of training, for the zero-shot test


def unpack_sources(work):
    """apt-get download + dpkg-deb -x for the Debian packages; `npm pack` + tar for the npm ones,
    into work/src/<package>/. TODO: write (records each package's version and licence file)."""
    raise NotImplementedError("part 2 of issue 11: not implemented yet")


def cldr_names(work):
    """{emoji: (name, [keywords])} from unicode-cldr-core's annotations/en.xml and
    annotationsDerived/en.xml. TODO."""
    raise NotImplementedError


def wordnet_parents(work, noun):
    """The noun's hypernym chain from wordnet-base's data.noun/index.noun, most specific first
    ("wolf" -> ["canine", "carnivore", "mammal", "animal"]): appending it to captions was what made
    unseen concepts work in the prototype. TODO."""
    raise NotImplementedError


def render_emoji(work, out):
    """Each emoji in each style (Noto via the font at 109 px, Twemoji, Fluent 3D, OpenMoji), pasted on
    a plain or textured background, 96 px: yields (path, concept, None). TODO."""
    raise NotImplementedError


def drawings(work, out):
    """Tux Paint stamps (with their descriptions), Art4Apps, GCompris drawings, openclipart's concrete
    folders; SVGs rasterised with rsvg-convert at 96 px: yields (path, concept, description). TODO."""
    raise NotImplementedError


def caption(concept, keywords, parents, description=None):
    """'a drawing of a wolf, canine, carnivore, mammal, animal' (+ the description when there is one)."""
    parts = [concept] + [p for p in parents if p != concept]
    text = "a picture of a " + ", ".join(parts)
    return text + (". " + description if description else "")


def held_out(concept):
    h = int(hashlib.sha256(f"{SEED}:{concept}".encode()).hexdigest(), 16)
    return h % 100 < HELD_OUT_PERCENT


def main(out):
    os.makedirs(out, exist_ok=True)
    work = os.path.join(out, "work")
    unpack_sources(work)
    with open(os.path.join(out, "train.jsonl"), "w") as train, open(os.path.join(out, "heldout.jsonl"), "w") as test:
        for path, concept, description in list(render_emoji(work, out)) + list(drawings(work, out)):
            row = {"image": os.path.relpath(path, out),
                   "caption": caption(concept, [], wordnet_parents(work, concept), description)}
            (test if held_out(concept) else train).write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
