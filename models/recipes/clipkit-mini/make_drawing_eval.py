"""Writes KTuberling's stamps as a zero-shot drawing test in a style the training never saw.

KTuberling (Debian ktuberling-data, KDE's "potato guy" stamp toy; GPL-2+ / LGPL, evaluation only,
never training, never shipped) draws its stamps in one cartoon style that is none of the recipe's
sources. Each playground is one SVG whose stamps are elements named in its .theme file, with a
sound name saying what the stamp is ("tv_giraffe", "egypt_camel"). This script renders every
stamp whose sound names a concrete thing, one folder per label:

    OUT/eval-ktuberling-drawings/<label>/<theme>__<element>.png

Stamps are cropped to their visible pixels, rendered so that their longest side is 256 px, and
flattened on white, as the training images are. Stamps smaller than 12 px at the document's own
scale (specks, sparks) are left out. Deterministic: inputs sorted, PNGs re-encoded by PIL.

    /usr/bin/python3 make_drawing_eval.py --cache OUT/.sources --out OUT
"""
import argparse
import gzip
import io
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

# sound name -> label (plain English nouns, as a user would type them); sounds not here are left
# out: body parts, shapes, moods of Tux, scenery without a thing in it.
LABELS = {
    "tv_car": "car", "tv_lion": "lion", "tv_giraffe": "giraffe", "tv_elephant": "elephant",
    "tv_caravan": "caravan", "tv_ball": "ball", "tv_tree": "tree", "tv_train": "train",
    "tv_tipper": "dump truck", "tv_monkey": "monkey", "tv_lorry_tractor": "truck", "tv_lorry": "truck",
    "tv_house": "house", "tv_fireman": "firefighter", "tv_fireengine": "fire engine",
    "tv_fence": "fence", "tv_excavator": "excavator", "tv_wagon": "wagon", "tv_tunnel": "tunnel",
    "tv_shop": "shop", "tv_school": "school", "tv_rock": "rock", "tv_ladder": "ladder",
    "tv_guitar": "guitar", "tv_fisherman": "fisherman", "tv_fire": "fire",
    "tv_breakdown_lorry": "tow truck", "tv_bicycle": "bicycle", "tv_cyclist": "cyclist",
    "xmas_ball": "christmas ornament", "xmas_star": "star", "xmas_present": "gift", "xmas_boot": "boot",
    "xmas_tux": "penguin", "xmas_tree": "christmas tree", "xmas_rabbit": "rabbit",
    "xmas_snowflake": "snowflake", "xmas_moon": "moon", "xmas_mistletoe": "mistletoe",
    "xmas_comet": "comet", "xmas_candle": "candle", "xmas_turtle": "turtle", "xmas_snowman": "snowman",
    "xmas_shoe": "shoe", "xmas_reindeer": "reindeer", "xmas_owl": "owl", "xmas_angel": "angel",
    "pizzeria_olive": "olive", "pizzeria_pepper": "bell pepper", "pizzeria_onion": "onion",
    "pizzeria_cheese": "cheese", "pizzeria_tomato": "tomato", "pizzeria_salami": "salami",
    "pizzeria_pineapple": "pineapple", "pizzeria_mushroom": "mushroom", "pizzeria_cucumber": "cucumber",
    "pizzeria_brocolli": "broccoli", "pizzeria_bacon": "bacon", "pizzeria_anchovy": "anchovy",
    "moon_alien": "alien", "moon_rocket": "rocket", "moon_star": "star", "moon_satellite": "satellite",
    "moon_radar": "radar", "moon_monster": "monster", "moon_fallingstar": "shooting star",
    "moon_astronaut": "astronaut", "moon_ufo": "ufo", "moon_planet": "planet", "moon_earth": "earth",
    "egypt_palmtree": "palm tree", "egypt_pyramid": "pyramid", "egypt_donkey": "donkey",
    "egypt_cart": "cart", "egypt_camel": "camel", "egypt_well": "well", "egypt_sphynx": "sphinx",
    "egypt_column": "column", "egypt_bridge": "bridge", "egypt_birds": "bird",
    "shoe": "shoe", "hat": "hat", "coat": "coat", "sunglasses": "sunglasses", "spectacles": "glasses",
    "umbrella": "umbrella", "tie": "tie", "skirt": "skirt", "shorts": "shorts", "flower": "flower",
    "ball": "ball", "earring": "earring", "moustache": "moustache", "bow": "bow tie",
}
MIN_SIDE = 12  # px at the document's own scale


def stamps(theme_path):
    """(element id, sound) of every stamp in a .theme file, in file order."""
    text = open(theme_path, encoding="utf-8").read()
    return re.findall(r'<object\s+name="([^"]+)"[^>]*?sound="([^"]+)"', text)


def render(svg, element, side=256):
    """One element of an SVG, cropped to its visible pixels, longest side `side`; None if too small."""
    def run(zoom):
        r = subprocess.run(["rsvg-convert", "-i", element, "-z", "%.4f" % zoom], input=svg, capture_output=True)
        if r.returncode:
            raise RuntimeError(r.stderr.decode(errors="replace").strip()[:200])
        img = Image.open(io.BytesIO(r.stdout)).convert("RGBA")
        return img.crop(img.getbbox()) if img.getbbox() else None
    first = run(1.0)
    if first is None or max(first.size) < MIN_SIDE:
        return None
    img = run(side / max(first.size))
    if img is None:
        return None
    img.thumbnail((side, side), Image.LANCZOS)
    flat = Image.new("RGB", img.size, "white")
    flat.paste(img, mask=img.getchannel("A"))
    return flat


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", required=True, help="the recipe's source cache (holds deb/ktuberling-data)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    pics = os.path.join(a.cache, "deb/ktuberling-data/usr/share/ktuberling/pics")
    if not os.path.isdir(pics):
        print(f"make_drawing_eval: no {pics}, skipped", file=sys.stderr)
        return
    out = os.path.join(a.out, "eval-ktuberling-drawings")
    n, small, labels = 0, 0, set()
    for theme in sorted(f for f in os.listdir(pics) if f.endswith(".theme")):
        board = re.search(r'gameboard="([^"]+)"', open(os.path.join(pics, theme), encoding="utf-8").read())
        if not board:
            continue
        raw = open(os.path.join(pics, board.group(1)), "rb").read()
        svg = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        ET.fromstring(svg)  # fail here, naming nothing odd, if a board is not XML
        name = theme[:-len(".theme")]
        for element, sound in stamps(os.path.join(pics, theme)):
            label = LABELS.get(sound)
            if label is None:
                continue
            img = render(svg, element)
            if img is None:
                small += 1
                continue
            d = os.path.join(out, label.replace(" ", "_"))
            os.makedirs(d, exist_ok=True)
            img.save(os.path.join(d, f"{name}__{element}.png"), optimize=False)
            n += 1
            labels.add(label)
    print(f"make_drawing_eval: {n} images in {len(labels)} labels under {out} ({small} stamps too small, left out)")


if __name__ == "__main__":
    from PIL import Image
    main()
