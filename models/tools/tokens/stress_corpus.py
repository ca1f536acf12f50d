"""Writes a large random stress corpus (not committed) for checking the Java tokenizer at scale.

    PYTHONPATH=/work/pydeps /usr/bin/python3 models/tools/tokens/stress_corpus.py 20000 7 /tmp/stress.jsonl
then run bench/tokenizer-check.sh /tmp/stress.jsonl (Java comparison, prints every mismatch).
Pieces: random code points from many blocks and planes, mojibake through every codec ftfy knows
(also doubled, with NBSP->space and lossy U+FFFD), HTML references of all shapes, odd whitespace,
controls, terminal escapes, '<' (switches ftfy's HTML unescaping off) and line breaks.
"""
import html.entities
import json
import random
import sys

import ftfy
import ftfy.bad_codecs  # noqa: F401  (registers the sloppy codecs)

sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
from reference_tokenizer import SimpleTokenizer, default_vocab  # noqa: E402
from make_token_fixtures import designed  # noqa: E402

BLOCKS = [(0x20, 0x7E)] * 6 + [(0xA0, 0x17F)] * 4 + [(0x180, 0x24F), (0x250, 0x2FF), (0x300, 0x36F),
          (0x370, 0x3FF), (0x370, 0x3FF), (0x400, 0x4FF), (0x530, 0x58F), (0x590, 0x5FF), (0x600, 0x6FF),
          (0x900, 0x97F), (0xE00, 0xE7F), (0x10A0, 0x10FF), (0x1100, 0x11FF), (0x13A0, 0x13FF),
          (0x1E00, 0x1FFF), (0x2000, 0x206F), (0x2070, 0x218F), (0x2190, 0x23FF), (0x2460, 0x24FF),
          (0x2500, 0x259F), (0x25A0, 0x27BF), (0x2C00, 0x2C7F), (0x3000, 0x30FF), (0x3400, 0x4DBF),
          (0x4E00, 0x9FFF), (0xA640, 0xA69F), (0xAB70, 0xABBF), (0xAC00, 0xD7A3), (0xE000, 0xE0FF),
          (0xF900, 0xFAFF), (0xFB00, 0xFB4F), (0xFE00, 0xFE6F), (0xFF00, 0xFFEF), (0xFFF0, 0xFFFF),
          (0x10000, 0x1007F), (0x10400, 0x1044F), (0x1D400, 0x1D7FF), (0x1E900, 0x1E95F),
          (0x1F000, 0x1FAFF), (0x1F1E6, 0x1F1FF), (0x20000, 0x2A6DF), (0xE0000, 0xE007F),
          (0xF0000, 0xF00FF), (0x0, 0x1F), (0x7F, 0x9F)]
CODECS = ["latin-1", "windows-1252", "sloppy-windows-1252", "sloppy-windows-1251", "sloppy-windows-1250",
          "sloppy-windows-1253", "sloppy-windows-1254", "sloppy-windows-1257", "iso-8859-2",
          "macroman", "cp437"]
NAMES = sorted(html.entities.html5)
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\r", "\xa0", "\u2028", "\u2029", "\x85", "\x1c", "\x1f",
          "\u3000", "\u2009", "\u200b", "\ufeff", "\x0b", "\x0c"]


def rand_text(rnd, n):
    out = []
    for _ in range(n):
        a, b = rnd.choice(BLOCKS)
        c = rnd.randint(a, b)
        if 0xD800 <= c <= 0xDFFF:
            continue
        out.append(chr(c))
    return "".join(out)


def entity(rnd):
    r = rnd.random()
    if r < 0.4:
        name = rnd.choice(NAMES)
        if rnd.random() < 0.2:
            name = name.upper()
        elif rnd.random() < 0.2:
            name = name.rstrip(";")
        return "&" + name + (rnd.choice(["", "x", "1", ";"]) if rnd.random() < 0.2 else "")
    if r < 0.7:
        num = rnd.choice([rnd.randint(0, 300), rnd.randint(0, 0x10FFFF), rnd.randint(0xD800, 0xDFFF),
                          rnd.randint(0x110000, 10 ** 12), rnd.randint(0xFDD0, 0xFDEF)])
        return "&#" + rnd.choice([str(num), "x%x" % num, "X%X" % num]) + rnd.choice([";", "", ";;", " "])
    return rnd.choice(["&", "&amp;amp;", "&#;", "&#x;", "&;", "& amp;", "&amp", "&lt;&gt;", "&a", "&#0"])


def mojibake(rnd, s):
    for _ in range(rnd.choice([1, 1, 1, 2])):
        enc = rnd.choice(CODECS)
        b = s.encode("utf-8", "surrogatepass")
        try:
            s = b.decode(enc)
        except UnicodeDecodeError:
            s = b.decode(enc, errors="replace")
    r = rnd.random()
    if r < 0.15:
        s = s.replace("\xa0", " ")
    elif r < 0.25:
        s = "".join("\ufffd" if 0x80 <= ord(ch) < 0xA0 or rnd.random() < 0.03 else ch for ch in s)
    return s


def make(rnd, pieces):
    parts = []
    for _ in range(rnd.randint(1, 6)):
        r = rnd.random()
        if r < 0.25:
            parts.append(rand_text(rnd, rnd.randint(1, 12)))
        elif r < 0.45:
            parts.append(mojibake(rnd, rnd.choice(pieces)[:30] if rnd.random() < 0.6 else rand_text(rnd, 6)))
        elif r < 0.6:
            parts.append(entity(rnd))
        elif r < 0.75:
            parts.append(rnd.choice(SPACES))
        elif r < 0.8:
            parts.append(rnd.choice(["<", "\x1b[1;31m", "\x1b[0m", "'s", "'S", "'ll", "’", "ﬁ", "Ｗ",
                                     "<|endoftext|>", "\ud800", "Σ", "ΑΣ"]))
        else:
            parts.append(rnd.choice(pieces)[:40])
    s = "".join(parts)
    if rnd.random() < 0.1:
        s = s.upper()
    return s


def main():
    n, seed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rnd = random.Random(seed)
    pieces = designed()
    tok = SimpleTokenizer(default_vocab())
    with open(out, "w", encoding="utf-8") as f:
        for _ in range(n):
            s = make(rnd, pieces)
            rec = {"text": s, "ids": tok.encode_with_specials(s), "ftfy": ftfy.fix_text(s)}
            f.write(json.dumps(rec, ensure_ascii=True) + "\n")
    print("wrote", out, n)


if __name__ == "__main__":
    main()
