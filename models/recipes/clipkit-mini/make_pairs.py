"""Renders the clipkit-mini training images and writes the image-caption pairs (issue 11, part 2).

    /usr/bin/python3 make_pairs.py --cache SOURCES --out OUT [--size 96] [--no-textures] [--jobs 2]

SOURCES is the folder make-data.sh fills (deb/<package>/ and npm/<package>/). Writes into OUT:
  pairs.tsv      path<TAB>caption, training pairs (paths relative to OUT), the format `clip train` reads
  heldout.tsv    the same for the held-out concepts (never in pairs.tsv), for zero-shot evaluation
  heldout/       the held-out images as a folder per concept (`clip train --eval`'s layout)
  eval-photos/   the package photographs, a folder per class: evaluation only, never training
  concepts.tsv   concept id, name, source, style, split, images
  counts.tsv     images per source and split;  sources.tsv: package, version, licence file

No photographs go into training: the sources are emoji, clip art and drawings only.
"""
import argparse
import hashlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from multiprocessing import Pool

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import captions  # noqa: E402

SEED = 0
# About 20 openclipart PNGs are 170-620 megapixels: decoding one takes seconds and gigabytes for a
# 96-pixel result, so inputs over this are left out (and counted in the log).
MAX_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = None  # trusted package files; MAX_PIXELS above is the limit that applies
HELD_OUT_PERCENT = 10  # of concepts (not images): never in training, for the zero-shot test

DEB = {
    "noto": "fonts-noto-color-emoji", "tuxpaint": "tuxpaint-stamps-default",
    "art4apps": "pysiogame", "gcompris": "gcompris-qt-data", "openclipart": "openclipart-png",
    "cldr": "unicode-cldr-core", "wordnet": "wordnet-base", "skimage": "python3-skimage",
    "sklearn": "python3-sklearn", "matplotlib": "python-matplotlib-data",
}
NPM = {"twemoji": "emoji-datasource-twitter", "fluent": "lobehub-fluent-emoji-3d",
       "openmoji": "openmoji"}
# Image sources whose licence asks nothing of a model trained on them beyond attribution
# (public domain, MIT, OFL, CC-BY); the others are copyleft (GPL, CC-BY-SA): see MODEL_CARD.md.
PERMISSIVE = ["noto", "twemoji", "fluent", "openclipart"]
STYLE = {"noto": "emoji", "twemoji": "emoji", "fluent": "3d emoji", "openmoji": "emoji",
         "tuxpaint": "clip art", "art4apps": "drawing", "gcompris": "drawing",
         "openclipart": "clip art"}

# GCompris activities whose SVGs are drawings of named things (the rest are game UI, letters,
# maps, or .webp photographs, which are never used).
GCOMPRIS_ACTIVITIES = ["babymatch", "babyshapes", "explore_farm_animals", "family", "instruments",
                       "memory", "mosaic", "railroad", "traffic", "watercycle", "chronos"]
GCOMPRIS_NAMES = {"fusee": "rocket", "raquette": "racket", "flute_traversiere": "flute",
                  "tuxhelico": "helicopter", "tuxplane": "airplane", "fishingboat": "fishing boat",
                  "sailingboat": "sailboat", "windflag5": "windsock", "eggpot": "egg cup",
                  "redbird": "red bird", "bluebirds": "blue birds", "gnu": "wildebeest",
                  "loco": "locomotive", "mongolfiere": "hot air balloon", "wright_flyer": "airplane",
                  "bleriot": "airplane", "lindbergh": "airplane", "helico_cornu": "helicopter",
                  "celerifere": "bicycle", "fardier": "steam car", "st_rocket": "locomotive",
                  "benz1885": "car", "renault1899": "car", "lancia1923": "car", "1955ds19": "car",
                  "bolle1878": "steam car", "tuxhouse": "house", "tuxbath": "bathtub",
                  "watertower": "water tower", "babyboy": "baby boy", "babygirl": "baby girl",
                  "oldman": "old man", "oldwoman": "old woman", "dice": "dice",
                  "drum_kit": "drum kit", "snare_drum": "snare drum", "electric_guitar": "electric guitar"}
GCOMPRIS_SKIP = {"background", "babymatch", "babyshapes", "explore_farm_animals", "farm-animals",
                 "family", "instruments", "memory", "mosaic", "railroad", "railroad-bg", "traffic",
                 "watercycle", "chronos", "tux", "backcard", "emptycard", "bluebaby", "greenbaby",
                 "error", "sound", "postpoint", "rape", "light", "jambox", "landscape", "city",
                 "sky", "motor", "fillwater", "watertowerfill", "waste", "vapor", "eole", "rafale",
                 "bell_x1", "autumn", "spring", "summer", "winter", "child", "rings",
                 "pencils_paper", "oil_paint", "boat_parked", "wastewater"}

# openclipart-png's folders of concrete things (its computer icons, shapes, signs, logos, maps,
# buttons and "special"/"unsorted" are left out).
OPENCLIPART_FOLDERS = ["animals", "buildings", "containers", "education", "electronics", "food",
                       "office", "people", "plants", "recreation", "tools", "transportation"]
# Filename words that are authors, languages or noise rather than things.
NOT_A_THING = {"architetto", "francesco", "franc", "fra", "bw", "simple", "ganson", "nicu",
               "buculei", "gerald", "leigh", "purdie", "mimooh", "anton", "andremarcel", "goneri",
               "le", "bouder", "tanguy", "jacq", "rollandin", "clipart", "clip", "art", "icon",
               "cartoon", "image", "picture", "symbol", "sign", "drawing", "line", "color",
               "colour", "black", "white", "red", "blue", "green", "yellow", "old", "new",
               "little", "big", "small", "one", "two", "three", "de", "la", "el", "il", "des",
               "the", "and", "with", "of", "on", "in", "a", "an", "for", "by", "ryan", "lerch",
               "jean", "victor", "balin", "johnny", "automatic", "ben", "peter", "david",
               "architet", "archit", "ar", "fr", "et", "set", "sketch", "outline", "silhouette",
               "style", "part", "thing", "stuff", "sample", "example", "design", "ui",
               "abstract", "pattern", "background", "texture", "misc", "various", "cute",
               "happy", "funny", "pd", "public", "domain", "ocal", "openclipart", "machovka",
               "rfc", "gnokii", "tom", "molumen", "papapishu", "liftarn", "johnny_automatic",
               "hash", "mark", "con", "per", "del", "di", "da", "une", "les", "und", "der",
               "die", "das", "dei", "delle", "della", "mio", "mia", "man", "woman", "people", "person", "boy", "girl"}
PEOPLE_WORDS = {"man", "woman", "boy", "girl", "people", "person"}

# WordNet lexname (captions.CATEGORIES) of what a source folder holds, to pick the right sense.
FOLDER_CATEGORY = {"animals": 5, "food": 13, "fruit_n_veg": 13, "plants": 20,
                   "body": 8, "clothes": 6, "clothes_n_accessories": 6,
                   "transport": 6, "transportation": 6, "vehicles": 6, "construction": 6,
                   "household": 6, "tools": 6, "office": 6, "electronics": 6, "containers": 6,
                   "buildings": 6, "education": 6, "recreation": 6, "sport": 6, "sports": 6,
                   "hobbies": 6, "medical": 6, "military": 6, "town": 6, "nature": 17}

PHOTOS = [  # (class folder, package key, path inside the package)
    ("cat", "skimage", "usr/lib/python3/dist-packages/skimage/data/chelsea.png"),
    ("coffee_cup", "skimage", "usr/lib/python3/dist-packages/skimage/data/coffee.png"),
    ("rocket", "skimage", "usr/lib/python3/dist-packages/skimage/data/rocket.jpg"),
    ("astronaut", "skimage", "usr/lib/python3/dist-packages/skimage/data/astronaut.png"),
    ("temple", "sklearn", "usr/lib/python3/dist-packages/sklearn/datasets/images/china.jpg"),
    ("flower", "sklearn", "usr/lib/python3/dist-packages/sklearn/datasets/images/flower.jpg"),
    ("woman", "matplotlib", "usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"),
]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def concept_id(name):
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def held_out(cid):
    """A fixed 10% of concepts by a hash of the id: stable when sources are added or missing."""
    h = int(hashlib.sha256(f"{SEED}:{cid}".encode()).hexdigest(), 16)
    return h % 100 < HELD_OUT_PERCENT


def rng_for(*key):
    return random.Random(hashlib.sha256(":".join(map(str, (SEED,) + key)).encode()).digest())


# ---------------------------------------------------------------- items: (source, name, caption, how)

def emoji_ok(chars):
    """Emoji concepts kept: no skin-tone variants (same concept), no flags, no lone components."""
    cps = [ord(c) for c in chars]
    if any(0x1F3FB <= c <= 0x1F3FF for c in cps):
        return False
    if any(0x1F1E6 <= c <= 0x1F1FF or 0xE0020 <= c <= 0xE007F for c in cps):
        return False
    if len(cps) == 1 and (0x1F9B0 <= cps[0] <= 0x1F9B3 or cps[0] < 0x2000):
        return False  # hair components; ASCII/Latin-1 (digits, #, *, (c), (r))
    return True


def hex_to_chars(h):
    return "".join(chr(int(x, 16)) for x in re.split(r"[-_]", h))


def emoji_items(src, cldr, wn):
    items = []

    def add(source, chars, how):
        key = chars.replace("\ufe0f", "")
        if key not in cldr or not emoji_ok(key):
            return
        name, kws = cldr[key]
        items.append((source, name, captions.caption(name, wn, kws), how))

    font = os.path.join(src["noto"], "usr/share/fonts/truetype/noto/NotoColorEmoji.ttf") if "noto" in src else None
    if font and os.path.exists(font):
        for key in sorted(cldr):
            add("noto", key, ("noto", font, key))
    if "twemoji" in src:
        base = os.path.join(src["twemoji"], "package")
        with open(os.path.join(base, "emoji.json"), encoding="utf-8") as f:
            for e in sorted(json.load(f), key=lambda e: e["unified"]):
                png = os.path.join(base, "img/twitter/64", e["image"])
                if e.get("has_img_twitter") and os.path.exists(png):
                    add("twemoji", hex_to_chars(e["unified"]), ("file", png))
    if "fluent" in src:
        base = os.path.join(src["fluent"], "package/assets")
        for fn in sorted(os.listdir(base)):
            if fn.endswith(".webp"):
                add("fluent", hex_to_chars(fn[:-5]), ("file", os.path.join(base, fn)))
    if "openmoji" in src and shutil.which("rsvg-convert"):
        base = os.path.join(src["openmoji"], "package/color/svg")
        for fn in sorted(os.listdir(base)):
            if fn.endswith(".svg"):
                try:
                    chars = hex_to_chars(fn[:-4])
                except ValueError:
                    continue  # OpenMoji's own extras (not Unicode) have no CLDR text
                add("openmoji", chars, ("svg", os.path.join(base, fn)))
    return items


def split_compound(word, wn):
    """"firetruck" -> "fire truck", "coffeecup" -> "coffee cup": Tux Paint's file names often
    run two nouns together; the split is kept when WordNet knows the phrase or both halves."""
    for i in range(3, len(word) - 2):
        left, right = word[:i], word[i:]
        if wn.lemma(left + " " + right):
            return left + " " + right
    for i in range(len(word) - 3, 2, -1):  # longest head noun first
        left, right = word[:i], word[i:]
        if wn.lemma(left) and wn.lemma(right):
            return left + " " + right
    return None


def tuxpaint_name(stem, desc, wn):
    """The concept a stamp shows: its file name (digits and one-letter parts dropped, run-together
    nouns split) when WordNet knows its head noun; else its description ("The letter a" ->
    "letter a"), so that alphabet stamps named filled/*.png are separate concepts."""
    words = [re.sub(r"\d+$", "", w) for w in re.split(r"[-_ ]+", stem.lower())]
    words = [w for w in words if len(w) > 1 and not re.match(r"\d", w)]
    if words and not wn.head(" ".join(words)):
        split = split_compound(words[-1], wn)
        if split:
            words[-1] = split
    name = " ".join(words)
    if name and wn.head(name):
        return name
    d = re.sub(r"^(a|an|the|some)\s+", "", desc.strip().rstrip(".!").lower())
    return " ".join(d.split()[:5]) if 0 < len(d.split()) <= 5 else name


def tuxpaint_items(root, wn):
    base = os.path.join(root, "usr/share/tuxpaint/stamps")
    items = []
    for d, _, files in sorted(os.walk(base)):
        files = set(files)
        for fn in sorted(files):
            stem, ext = os.path.splitext(fn)
            if ext not in (".png", ".svg") or stem.endswith(("_mirror", "_back", "_flip")):
                continue
            if ext == ".svg" and stem + ".png" in files:
                continue  # one picture per stamp
            if ext == ".svg" and not shutil.which("rsvg-convert"):
                continue
            if stem + ".txt" not in files:
                continue
            with open(os.path.join(d, stem + ".txt"), encoding="utf-8", errors="replace") as f:
                desc = f.readline().strip()
            name = tuxpaint_name(stem, desc, wn)
            letter = [w for w in re.split(r"[-_ ]+", stem) if len(w) == 1 and w.isalpha()]
            if "alphabets" in d.split(os.sep) and letter:
                # a_outline.png, A.png, asl_a.png: the concept is the letter, not "outline"
                name = ("sign language letter " if "asl" in stem.lower() else "letter ") + letter[0].lower()
            if not desc or not name:
                continue
            how = ("svg" if ext == ".svg" else "file", os.path.join(d, fn))
            cat = FOLDER_CATEGORY.get(os.path.relpath(d, base).split(os.sep)[0])
            items.append(("tuxpaint", name, captions.caption(name, wn, description=desc, category=cat), how))
    return items


def art4apps_items(root, wn):
    base = os.path.join(root, "usr/share/games/pysiogame/res/images/art4apps")
    items = []
    for folder in sorted(os.listdir(base)):
        if folder == "actions":
            continue  # verbs (run, jump): not things a zero-shot label names
        for fn in sorted(os.listdir(os.path.join(base, folder))):
            stem, ext = os.path.splitext(fn)
            if ext.lower() not in (".jpg", ".png"):
                continue
            name = re.sub(r"\d+$", "", stem).replace("_", " ").strip()
            cat = FOLDER_CATEGORY.get(folder)
            items.append(("art4apps", name, captions.caption(name, wn, category=cat),
                          ("file", os.path.join(base, folder, fn))))
    return items


def gcompris_items(root, wn, cache):
    import rcc
    base = os.path.join(root, "usr/share/gcompris-qt/rcc")
    out_dir = os.path.join(cache, "gcompris-svg")
    os.makedirs(out_dir, exist_ok=True)
    items = []
    for act in GCOMPRIS_ACTIVITIES:
        path = os.path.join(base, act + ".rcc")
        if not os.path.exists(path):
            log(f"gcompris: no {act}.rcc, skipped")
            continue
        for res, data in rcc.entries(path):
            if not res.endswith(".svg"):
                continue
            stem = os.path.basename(res)[:-4]
            key = re.sub(r"^\d+_", "", stem).lower()
            if key.startswith("t_") or key in GCOMPRIS_SKIP:
                continue  # T_*: babyshapes' shadows
            if key not in GCOMPRIS_NAMES:
                key = re.sub(r"(?<=[a-z])\d+$", "", key)
            name = GCOMPRIS_NAMES.get(key, key.replace("_", " "))
            if name in GCOMPRIS_SKIP or not wn.head(name):
                continue
            svg = os.path.join(out_dir, f"{act}__{stem}.svg")
            with open(svg, "wb") as f:
                f.write(data)
            items.append(("gcompris", name, captions.caption(name, wn), ("svg", svg)))
    return items


def openclipart_name(stem, wn, category=None):
    """The thing an openclipart file shows, from its noisy file name (titles with author names,
    often Italian/French): the first word pair, else word, that WordNet knows as a concrete noun."""
    words = [w for w in re.findall(r"[a-z]+", stem.lower()) if len(w) > 2 or w in ("ox",)]
    words = [w for w in words if w not in NOT_A_THING or w in PEOPLE_WORDS]
    for n in (2, 1):
        for i in range(len(words) - n + 1):
            phrase = " ".join(words[i:i + n])
            lemma = wn.lemma(phrase)
            if not lemma:
                continue
            lexname = wn.synsets[wn.sense(lemma, category)][0]
            if lexname == category or (category is None and lexname in captions.CATEGORIES):
                return lemma.replace("_", " ")
    return None


def openclipart_items(root, wn):
    base = os.path.join(root, "usr/share/openclipart/png")
    items, dropped = [], 0
    for folder in OPENCLIPART_FOLDERS:
        for d, _, files in sorted(os.walk(os.path.join(base, folder))):
            for fn in sorted(files):
                if not fn.endswith(".png"):
                    continue
                cat = FOLDER_CATEGORY.get(folder)
                name = openclipart_name(fn[:-4], wn, cat)
                if not name:
                    dropped += 1
                    continue
                items.append(("openclipart", name, captions.caption(name, wn, category=cat),
                              ("file", os.path.join(d, fn))))
    log(f"openclipart: {dropped} files without a recognisable thing in their name, left out")
    return items


# ---------------------------------------------------------------- rendering

def to_square(img, size):
    """RGBA -> alpha-cropped, centred on a square transparent canvas with a small margin, resized."""
    img = img.convert("RGBA")
    bbox = img.getchannel("A").getbbox()
    if bbox is None:
        return None
    img = img.crop(bbox)
    side = int(max(img.size) * 1.08) + 2
    canvas = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    canvas.paste(img, ((side - img.width) // 2, (side - img.height) // 2))
    return canvas.resize((size, size), Image.LANCZOS)


_fonts = {}


def load(how, size):
    kind = how[0]
    if kind == "noto":
        _, path, chars = how
        font = _fonts.get(path) or _fonts.setdefault(path, ImageFont.truetype(path, 109))
        canvas = Image.new("RGBA", (109 * 3, 128 + 40), (0, 0, 0, 0))
        ImageDraw.Draw(canvas).text((10, 10), chars, font=font, embedded_color=True)
        bbox = canvas.getchannel("A").getbbox()
        if bbox is None or bbox[2] - bbox[0] > 150:
            return None  # not in the font, or a sequence the font draws as several glyphs
        arr = np.asarray(canvas.convert("RGB"), dtype=np.int16)
        if np.abs(arr[..., 0] - arr[..., 1]).max() < 8 and np.abs(arr[..., 1] - arr[..., 2]).max() < 8:
            return None  # a monochrome fallback glyph, not a colour emoji
        return to_square(canvas, size)
    if kind == "svg":
        png = subprocess.run(["rsvg-convert", "-w", str(size * 2), "-a", how[1]],
                             capture_output=True, check=True).stdout
        return to_square(Image.open(io.BytesIO(png)), size)
    img = Image.open(how[1])
    if img.width * img.height > MAX_PIXELS:
        raise ValueError(f"{img.width}x{img.height} pixels, over the recipe's limit of {MAX_PIXELS}")
    if img.mode in ("RGBA", "LA", "P", "PA"):
        return to_square(img, size)
    # Opaque drawings (Art4Apps JPEGs): white is the background; keep the frame, make it square.
    img = img.convert("RGB")
    side = max(img.size)
    canvas = Image.new("RGB", (side, side), (255, 255, 255))
    canvas.paste(img, ((side - img.width) // 2, (side - img.height) // 2))
    return canvas.resize((size, size), Image.LANCZOS).convert("RGBA")


def texture(rng, size):
    """A procedural background (value noise, stripes, checks or a gradient in random colours): the
    prototype's 'drawings on real textures' without photographs of objects."""
    nrng = np.random.default_rng(rng.getrandbits(64))
    c1, c2 = nrng.uniform(0, 255, 3), nrng.uniform(0, 255, 3)
    y, x = np.mgrid[0:size, 0:size] / size
    kind = rng.randrange(4)
    if kind == 0:  # value noise, a few octaves
        t = _noise(nrng, size, (4, 8, 16))
    elif kind == 1:  # stripes at an angle
        a, f = nrng.uniform(0, np.pi), nrng.uniform(3, 12)
        t = 0.5 + 0.5 * np.sin(2 * np.pi * f * (x * np.cos(a) + y * np.sin(a)))
    elif kind == 2:  # checks
        n = rng.randrange(3, 10)
        t = ((np.floor(x * n) + np.floor(y * n)) % 2).astype(float)
    else:  # gradient
        a = nrng.uniform(0, 2 * np.pi)
        t = (x * np.cos(a) + y * np.sin(a))
        t = (t - t.min()) / (np.ptp(t) + 1e-6)
    img = c1 * (1 - t[..., None]) + c2 * t[..., None]
    img += nrng.normal(0, 6, img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")


# Natural colour ranges (RGB lows and highs) for the photo-like scenes: skies, grounds, walls.
SKIES = [((110, 150, 190), (170, 210, 250)), ((170, 175, 180), (225, 228, 232)), ((200, 160, 120), (250, 210, 170))]
GROUNDS = [((50, 80, 30), (110, 150, 80)), ((90, 70, 45), (160, 130, 95)), ((100, 100, 95), (170, 165, 155)),
           ((150, 130, 100), (215, 195, 160))]
WALLS = [((170, 160, 140), (235, 228, 215)), ((120, 110, 100), (190, 180, 165)), ((60, 55, 50), (120, 110, 100))]


def _noise(nrng, size, octaves):
    """Value noise in 0..1, a sum of bicubically upsampled random grids."""
    t = np.zeros((size, size))
    for octave in octaves:
        g = nrng.uniform(0, 1, (octave + 1, octave + 1))
        t += np.asarray(Image.fromarray((g * 255).astype(np.uint8)).resize((size, size), Image.BICUBIC)) / 255 / octave
    return (t - t.min()) / (np.ptp(t) + 1e-6)


def _colour(nrng, ranges):
    lo, hi = ranges[nrng.integers(len(ranges))]
    return nrng.uniform(lo, hi)


def scene(rng, size):
    """A photo-like background: sky over ground, a wall over a floor, or an out-of-focus blur, in
    natural colours, with value-noise texture. Procedural: no photograph is used."""
    nrng = np.random.default_rng(rng.getrandbits(64))
    y = (np.mgrid[0:size, 0:size][0] / size)[..., None]
    kind = rng.randrange(3)
    if kind < 2:
        top = _colour(nrng, SKIES if kind == 0 else WALLS)
        bottom = _colour(nrng, GROUNDS)
        horizon = nrng.uniform(0.25, 0.8)
        soft = nrng.uniform(0.01, 0.08)
        m = 1 / (1 + np.exp(-(y - horizon) / soft))
        upper = top * (1 - 0.25 * y) + _noise(nrng, size, (2, 4))[..., None] * nrng.uniform(-30, 30, 3)
        lower = bottom * (0.8 + 0.4 * y) + (_noise(nrng, size, (8, 16, 32))[..., None] - 0.5) * nrng.uniform(20, 80)
        img = upper * (1 - m) + lower * m
    else:
        c1, c2 = _colour(nrng, GROUNDS + WALLS), _colour(nrng, SKIES + GROUNDS)
        t = _noise(nrng, size, (2, 3, 5))[..., None]
        img = c1 * (1 - t) + c2 * t
    out = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
    return out.filter(ImageFilter.GaussianBlur(rng.choice([0.5, 1.0, 2.0, 3.0]) * size / 96))


def photo_like(rng, img, size):
    """A photo-like copy of an RGBA drawing (the '_p.jpg' images): the thing scaled to fill most of
    the frame (sometimes cut by its edges), its flat colours given shading and grain, outlines
    softened, a soft shadow, on a procedural scene; then a camera's colour cast, gamma, vignette,
    sensor noise, blur and JPEG. Drawings have flat colours, black outlines and white space;
    photographs have none of these, and this copy teaches the model not to rely on them."""
    nrng = np.random.default_rng(rng.getrandbits(64))
    bg = scene(rng, size)
    side = max(8, int(round(size * rng.uniform(0.75, 1.2))))
    obj = img.resize((side, side), Image.LANCZOS)
    lo, hi = min(0, size - side), max(0, size - side)
    x0, y0 = rng.randint(lo, hi), rng.randint(lo, hi)
    a = np.asarray(obj, dtype=np.float64)
    rgb, alpha = a[..., :3], a[..., 3:] / 255
    # shading: a low-frequency light field and a fine multiplicative grain, as on fur, wood or metal
    gy, gx = np.mgrid[0:side, 0:side] / side
    ang = nrng.uniform(0, 2 * np.pi)
    light = 0.75 + 0.35 * (gx * np.cos(ang) + gy * np.sin(ang)) + 0.3 * (_noise(nrng, side, (2, 3)) - 0.5)
    grain = 1 + nrng.uniform(0.05, 0.3) * (_noise(nrng, side, (12, 24, 48)) - 0.5)
    rgb = rgb * (light * grain)[..., None]
    grey = rgb @ np.array([0.299, 0.587, 0.114])
    sat = nrng.uniform(0.45, 1.0)  # cartoon colours are more saturated than a photograph's
    rgb = grey[..., None] * (1 - sat) + rgb * sat
    thing = Image.fromarray(np.clip(np.concatenate([rgb, alpha * 255], -1), 0, 255).astype(np.uint8), "RGBA")
    thing = thing.filter(ImageFilter.GaussianBlur(nrng.uniform(0.3, 1.0) * size / 96))
    # soft shadow: the silhouette, blurred and offset down, darkening the scene
    shadow = Image.new("L", (size, size), 0)
    sil = obj.getchannel("A").point(lambda v: int(v * 0.45))
    shadow.paste(sil, (x0 + rng.randint(-3, 3), y0 + rng.randint(2, 6)))
    shadow = shadow.filter(ImageFilter.GaussianBlur(3 * size / 96))
    bg = Image.composite(Image.new("RGB", (size, size), (20, 20, 20)), bg, shadow)
    bg.paste(thing, (x0, y0), thing)
    # camera: colour cast, gamma, vignette, sensor noise
    f = np.asarray(bg, dtype=np.float64) / 255
    f = f * nrng.uniform(0.85, 1.15, 3)
    f = np.clip(f, 0, 1) ** nrng.uniform(0.8, 1.25)
    yy, xx = (np.mgrid[0:size, 0:size] / size) - 0.5
    f = f * (1 - nrng.uniform(0, 0.5) * (xx * xx + yy * yy))[..., None]
    f = f + nrng.normal(0, nrng.uniform(0.005, 0.03), f.shape)
    out = Image.fromarray(np.clip(f * 255, 0, 255).astype(np.uint8), "RGB")
    radius = rng.choice([0, 0, 0.5, 0.8])
    if radius:
        out = out.filter(ImageFilter.GaussianBlur(radius * size / 96))
    return out


def sketch(rng, img, size):
    """A line-drawing copy of an RGBA drawing (the '_s.png' images): its outlines and colour edges as
    pencil or ink lines on paper, no fill. Teaches shape over colour, for drawing styles the sources
    lack (sketches, line art, colouring pages)."""
    nrng = np.random.default_rng(rng.getrandbits(64))
    white = Image.new("RGB", img.size, (255, 255, 255))
    white.paste(img, mask=img.getchannel("A"))
    grey = white.convert("L")
    edges = np.maximum(np.asarray(grey.filter(ImageFilter.FIND_EDGES), dtype=np.float64),
                       np.asarray(img.getchannel("A").filter(ImageFilter.FIND_EDGES), dtype=np.float64))
    line = Image.fromarray(np.clip(edges * nrng.uniform(1.5, 4.0), 0, 255).astype(np.uint8), "L")
    if rng.random() < 0.5:
        line = line.filter(ImageFilter.MaxFilter(3))  # a thicker pen
    line = line.filter(ImageFilter.GaussianBlur(nrng.uniform(0.3, 0.8) * size / 96))
    ink = np.asarray(line, dtype=np.float64)[..., None] / 255
    ink = ink * (1 + nrng.uniform(-0.3, 0.3) * (_noise(nrng, size, (16, 32)) - 0.5))[..., None]  # uneven pressure
    paper = np.array([nrng.uniform(238, 255), nrng.uniform(235, 252), nrng.uniform(225, 250)])
    pen = [np.array([40.0, 40, 45]), np.array([20.0, 30, 90]), np.array([90.0, 85, 80])][rng.randrange(3)]
    f = paper * (1 - ink) + pen * ink + nrng.normal(0, 3, (size, size, 3))
    return Image.fromarray(np.clip(f, 0, 255).astype(np.uint8), "RGB")


def render(task):
    """Writes one item's image(s); returns the relative paths written (empty if unrenderable)."""
    out, rel, how, size, textures, styles = task
    try:
        img = load(how, size)
    except Exception as e:  # one bad file is recorded, the recipe goes on
        return rel, [], f"{how[-1]}: {e}"
    if img is None:
        return rel, [], None
    white = Image.new("RGB", img.size, (255, 255, 255))
    white.paste(img, mask=img.getchannel("A"))
    os.makedirs(os.path.dirname(os.path.join(out, rel)), exist_ok=True)
    white.save(os.path.join(out, rel + ".png"), optimize=False)
    written = [rel + ".png"]
    if textures:
        rng = rng_for("texture", rel)
        bg = texture(rng, size)
        bg.paste(img, mask=img.getchannel("A"))
        radius = rng.choice([0, 0, 0.6, 1.0, 1.5])
        if radius:
            bg = bg.filter(ImageFilter.GaussianBlur(radius))
        bg.save(os.path.join(out, rel + "_t.jpg"), quality=rng.randrange(30, 91))
        written.append(rel + "_t.jpg")
    if styles:
        photo_like(rng_for("photo", rel), img, size).save(os.path.join(out, rel + "_p.jpg"),
                                                          quality=rng_for("jpeg", rel).randrange(40, 91))
        sketch(rng_for("sketch", rel), img, size).save(os.path.join(out, rel + "_s.png"), optimize=False)
        written += [rel + "_p.jpg", rel + "_s.png"]
    return rel, written, None


def caption_list(cap, name):
    """The captions of one training image in pairs.jsonl: its caption and, when different, its bare
    name (what a zero-shot label looks like through the model's template "{}")."""
    name = name.strip()
    return [cap] if not name or name.lower() == cap.strip().lower() else [cap, name]


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", type=int, default=96, help="side of the square images (default 96)")
    ap.add_argument("--no-textures", action="store_true",
                    help="no second copy on a procedural texture (with blur and JPEG noise)")
    ap.add_argument("--no-style-copies", action="store_true",
                    help="no photo-like copy (shaded, on a procedural scene, camera noise) and no sketch copy")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--sources", default=",".join(STYLE),
                    help="comma-separated image sources to use (default: all): " + ",".join(STYLE))
    ap.add_argument("--permissive-only", action="store_true",
                    help="only " + ",".join(PERMISSIVE) + " (no GPL / CC-BY-SA images)")
    args = ap.parse_args()
    wanted = set(PERMISSIVE if args.permissive_only else args.sources.split(","))
    unknown = wanted - set(STYLE)
    if unknown:
        ap.error(f"unknown source(s) {sorted(unknown)}; known: {','.join(STYLE)}")
    out = os.path.abspath(args.out)
    for sub in ("images", "heldout", "eval-photos"):
        shutil.rmtree(os.path.join(out, sub), ignore_errors=True)

    src, versions = {}, []
    for key, pkg in DEB.items():
        d = os.path.join(args.cache, "deb", pkg)
        if os.path.exists(os.path.join(d, ".done")):
            src[key] = d
            versions.append((pkg, "debian", open(os.path.join(d, ".version")).read().strip(),
                             f"/usr/share/doc/{pkg}/copyright"))
        else:
            log(f"SKIP {key}: Debian package {pkg} not available")
    for key, pkg in NPM.items():
        d = os.path.join(args.cache, "npm", pkg)
        if os.path.exists(os.path.join(d, ".done")):
            src[key] = d
            lic = [f for f in sorted(os.listdir(os.path.join(d, "package"))) if f.upper().startswith("LICEN")]
            versions.append((pkg, "npm", open(os.path.join(d, ".version")).read().strip(),
                             "package/" + (lic[0] if lic else "package.json (license field)")))
        else:
            log(f"SKIP {key}: npm package {pkg} not available")
    if "wordnet" not in src or "cldr" not in src:
        sys.exit("wordnet-base and unicode-cldr-core are required (captions)")

    wn = captions.WordNet(os.path.join(src["wordnet"], "usr/share/wordnet"))
    cldr_dir = os.path.join(src["cldr"], "usr/share/unicode/cldr/common")
    cldr = captions.load_cldr([os.path.join(cldr_dir, "annotations/en.xml"),
                               os.path.join(cldr_dir, "annotationsDerived/en.xml")])

    items = emoji_items(src, cldr, wn)
    if "tuxpaint" in src:
        items += tuxpaint_items(src["tuxpaint"], wn)
    if "art4apps" in src:
        items += art4apps_items(src["art4apps"], wn)
    if "gcompris" in src:
        items += gcompris_items(src["gcompris"], wn, args.cache)
    if "openclipart" in src:
        items += openclipart_items(src["openclipart"], wn)

    tasks, meta, n_per = [], {}, Counter()
    for source, name, cap, how in items:
        if source not in wanted:
            continue
        cid = concept_id(name)
        if not cid:
            continue
        split = "heldout" if held_out(cid) else "train"
        n_per[(source, cid)] += 1
        stem = f"{cid}__{n_per[(source, cid)]:02d}"
        rel = f"images/{source}/{stem}" if split == "train" else f"heldout/{cid}/{source}-{stem}"
        train = split == "train"
        tasks.append((out, rel, how, args.size, train and not args.no_textures, train and not args.no_style_copies))
        meta[rel] = (source, cid, name, cap, split)

    log(f"rendering {len(tasks)} items with {args.jobs} processes")
    pairs, heldout, errors, named = [], [], [], []
    per_concept = defaultdict(int)
    with Pool(args.jobs) as pool:
        for rel, written, err in pool.imap(render, tasks, chunksize=16):
            if err:
                errors.append(err)
            source, cid, name, cap, split = meta[rel]
            for path in written:
                (pairs if split == "train" else heldout).append((path, cap))
                if split == "train":
                    named.append((path, cap, name))
            if written:
                per_concept[(cid, name, source, STYLE[source], split)] += len(written)

    def write_tsv(name, rows, header=None):
        with open(os.path.join(out, name), "w", encoding="utf-8", newline="\n") as f:
            if header:
                f.write("\t".join(header) + "\n")
            for r in rows:
                f.write("\t".join(str(x).replace("\t", " ") for x in r) + "\n")

    write_tsv("pairs.tsv", pairs)
    write_tsv("heldout.tsv", heldout)
    # The same pairs with the bare name as a second caption: zero-shot labels are bare names (the
    # model's template is "{}"), and a caption list makes clip train pick one of the two per step.
    with open(os.path.join(out, "pairs.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for path, cap, name in named:
            f.write(json.dumps({"image": path, "captions": caption_list(cap, name)}, ensure_ascii=False) + "\n")
    write_tsv("concepts.tsv", [k + (v,) for k, v in sorted(per_concept.items())],
              ["id", "name", "source", "style", "split", "images"])
    write_tsv("sources.tsv", versions, ["package", "registry", "version", "licence"])

    photos = 0
    for label, key, path in PHOTOS:
        if key not in src or not os.path.exists(os.path.join(src[key], path)):
            log(f"SKIP evaluation photo {label}: {DEB[key]} not available")
            continue
        d = os.path.join(out, "eval-photos", label)
        os.makedirs(d, exist_ok=True)
        shutil.copyfile(os.path.join(src[key], path), os.path.join(d, os.path.basename(path)))
        photos += 1

    counts = Counter()
    for (cid, name, source, style, split), n in per_concept.items():
        counts[(source, split, "images")] += n
        counts[(source, split, "concepts")] += 1
    rows = [(s, sp, counts[(s, sp, "concepts")], counts[(s, sp, "images")])
            for s in STYLE for sp in ("train", "heldout") if counts[(s, sp, "concepts")]]
    cids = {sp: {k[0] for k in per_concept if k[4] == sp} for sp in ("train", "heldout")}
    rows.append(("all", "train", len(cids["train"]), len(pairs)))
    rows.append(("all", "heldout", len(cids["heldout"]), len(heldout)))
    rows.append(("eval-photos", "eval", photos, photos))
    write_tsv("counts.tsv", rows, ["source", "split", "concepts", "images"])
    for r in rows:
        log("\t".join(map(str, r)))
    if errors:
        log(f"{len(errors)} unreadable inputs, skipped; first: {errors[:3]}")


if __name__ == "__main__":
    main()
