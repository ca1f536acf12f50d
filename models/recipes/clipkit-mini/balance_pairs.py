#!/usr/bin/python3
"""Writes pairs-balanced.tsv (or .jsonl): pairs.tsv (or pairs.jsonl) with each drawing source's lines repeated, so that the drawing
styles weigh more against the four emoji styles (which share most concepts and were 65% of the pairs).

  balance_pairs.py PAIRS_TSV|PAIRS_JSONL OUT [--weights tuxpaint=2,art4apps=3,gcompris=4,openclipart=2]

A line's source is the folder after images/ in its path; each line is written weight times, in
place (clip train shuffles with its --seed). Deterministic: the same input gives the same bytes.
The default weights are the ones the fine-tuning experiments of the model card used: 24,572 pairs
from the full recipe's 17,102.
"""
import argparse
import json
import sys

DEFAULT = "tuxpaint=2,art4apps=3,gcompris=4,openclipart=2"


def parse_weights(text):
    weights = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        if not sep or not name or not value.isdigit() or int(value) < 1:
            raise ValueError("bad weight '%s': expected SOURCE=N with N >= 1" % part)
        weights[name] = int(value)
    return weights


def source(line):
    path = json.loads(line)["image"] if line.startswith("{") else line.split("\t", 1)[0]
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "images" else ""


def balance(lines, weights):
    out = []
    for line in lines:
        out.extend([line] * weights.get(source(line), 1))
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pairs")
    ap.add_argument("out")
    ap.add_argument("--weights", default=DEFAULT)
    a = ap.parse_args(argv)
    try:
        weights = parse_weights(a.weights)
    except ValueError as e:
        ap.error(str(e))
    with open(a.pairs, encoding="utf-8", newline="") as f:
        lines = f.read().splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    out = balance(lines, weights)
    with open(a.out, "w", encoding="utf-8", newline="") as f:
        f.writelines(out)
    print("%s: %d pairs from %d (%s)" % (a.out, len(out), len(lines), a.weights))


if __name__ == "__main__":
    main(sys.argv[1:])
