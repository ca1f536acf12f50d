"""Generates clip-core's text data tables from the reference implementations (not hand-typed).

Writes clip-core/src/main/resources/io/clipkit/text/text-tables.txt with:
- the character classes of CLIP's pre-tokenization regex as the `regex` module sees them
  (IGNORECASE), Python `re`'s \\s, \\w and \\d, Python str.lower() and its Final_Sigma context;
- Python's html.unescape tables (HTML5 entities, invalid character references);
- ftfy 6.3.1 data: its HTML entity table, single-byte codecs (incl. its "sloppy" ones),
  ligature/width/control-character maps, and its regexes translated to java.util.regex syntax.

Run: PYTHONPATH=/work/pydeps /usr/bin/python3 models/tools/tokens/make_text_tables.py
"""
import html
import html.entities
import os
import re as stdre
import sys
import unicodedata

import regex
import ftfy
from ftfy import badness, chardata, fixes

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                   "clip-core", "src", "main", "resources", "io", "clipkit", "text", "text-tables.txt")

ALL = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)


def hexs(s):
    return " ".join("%X" % ord(c) for c in s)


def ranges(cps):
    cps = sorted(cps)
    out = []
    for c in cps:
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return out


def class_members(pattern, flags=0, mod=regex):
    return {ord(m.group()) for m in mod.compile(pattern, flags).finditer(ALL)}


def emit_set(lines, name, cps):
    lines.append("[set %s]" % name)
    for a, b in ranges(cps):
        lines.append("%X %X" % (a, b))


# --- regex translation: Python (verbose or not) -> java.util.regex -------------------------

PY_SPACE = sorted(class_members(r"\s", 0, stdre))
PY_WORD = sorted(class_members(r"\w", 0, stdre))


def java_class(cps):
    parts = []
    for a, b in ranges(cps):
        parts.append("\\x{%X}" % a if a == b else "\\x{%X}-\\x{%X}" % (a, b))
    return "[" + "".join(parts) + "]"


def to_java(pattern, verbose):
    """Translates the subset of Python regex syntax ftfy uses. Literal characters are written as
    \\x{...} escapes; \\s and \\w become explicit classes with Python's members."""
    out = []
    i = 0
    in_class = False
    class_start = False
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1]
            if nxt in "sw" and not in_class:
                out.append(java_class(PY_SPACE if nxt == "s" else PY_WORD))
                i += 2
                continue
            if nxt in "sw" and in_class:
                raise ValueError("\\s/\\w inside a class: " + pattern)
            if nxt == "x":
                out.append("\\x{%s}" % pattern[i + 2:i + 4].upper())
                i += 4
                continue
            if nxt.isalnum():
                raise ValueError("unsupported escape \\" + nxt)
            out.append("\\x{%X}" % ord(nxt))
            i += 2
            continue
        if in_class:
            if c == "]" and not class_start:
                in_class = False
                out.append("]")
            elif c == "^" and class_start:
                out.append("^")
                i += 1
                continue  # still at class start for ']' purposes in Python? keep simple
            elif c == "-" and not class_start and pattern[i + 1] != "]":
                out.append("-")
            else:
                out.append("\\x{%X}" % ord(c))
            class_start = False
            i += 1
            continue
        if verbose and c in " \t\n\r\v\f":
            i += 1
            continue
        if verbose and c == "#":
            while i < n and pattern[i] != "\n":
                i += 1
            continue
        if c == "[":
            in_class = True
            class_start = True
            out.append("[")
        elif c in "()|?*+{},^$.!<=":
            out.append(c)
        elif c.isdigit() and out and (out[-1] == "{" or out[-1] == ","):
            out.append(c)
        elif c.isdigit() and out and out[-1].isdigit():
            out.append(c)
        else:
            out.append("\\x{%X}" % ord(c))
        i += 1
    return "".join(out)


def sre_atoms(pattern, flags):
    """BADNESS_RE as alternatives of atoms for a simple matcher in Java (java.util.regex is slow on
    its large character classes). Atom syntax: '^' (start anchor), '?' prefix (optional), '!' prefix
    (negated set), then comma-separated hex code points or ranges."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import sre_constants as C
        import sre_parse
    tree = sre_parse.parse(pattern, flags)
    assert len(tree.data) == 1 and tree.data[0][0] == C.BRANCH
    alts = []

    def items_to_set(items):
        neg = False
        cps = set()
        for op, av in items:
            if op == C.NEGATE:
                neg = True
            elif op == C.LITERAL:
                cps.add(av)
            elif op == C.RANGE:
                cps.update(range(av[0], av[1] + 1))
            elif op == C.CATEGORY and av == C.CATEGORY_SPACE:
                cps.update(PY_SPACE)
            elif op == C.CATEGORY and av == C.CATEGORY_WORD:
                cps.update(PY_WORD)
            else:
                raise ValueError((op, av))
        return neg, cps

    def fmt(neg, cps, optional=False):
        body = ",".join("%X" % a if a == b else "%X-%X" % (a, b) for a, b in ranges(cps))
        return ("?" if optional else "") + ("!" if neg else "") + body

    for alt in tree.data[0][1][1]:
        atoms = []
        for op, av in alt.data:
            if op == C.LITERAL:
                atoms.append((False, {av}, False))
            elif op == C.IN:
                neg, cps = items_to_set(av)
                atoms.append((neg, cps, False))
            elif op == C.ANY:
                atoms.append((True, {10}, False))
            elif op == C.AT and av == C.AT_BEGINNING:
                atoms.append("^")
            elif op == C.MAX_REPEAT and av[0] == 0 and av[1] == 1 and len(av[2].data) == 1 \
                    and av[2].data[0][0] == C.IN:
                neg, cps = items_to_set(av[2].data[0][1])
                atoms.append((neg, cps, True))
            else:
                raise ValueError((op, av))
        alts.append(atoms)
    return alts


def atoms_search(alts, text):
    """Python twin of the Java matcher, to check the translation against BADNESS_RE."""
    def match(atoms, k, i):
        if k == len(atoms):
            return True
        a = atoms[k]
        if a == "^":
            return i == 0 and match(atoms, k + 1, i)
        neg, cps, opt = a
        if i < len(text) and ((ord(text[i]) in cps) != neg) and match(atoms, k + 1, i + 1):
            return True
        return opt and match(atoms, k + 1, i)
    return any(match(atoms, 0, i) for i in range(len(text) + 1) for atoms in alts)


def utf8_detector_spans(sets, text):
    """Python twin of the Java UTF8_DETECTOR_RE matcher: spans of re.finditer."""
    spans = []
    i = 0
    n = len(text)
    cont = sets["utf8_continuation"]
    while i < n:
        if i > 0 and ord(text[i - 1]) in sets["utf8_continuation_strict"]:
            i += 1
            continue
        j = i
        while True:
            for first, k in (("utf8_first_of_2", 1), ("utf8_first_of_3", 2), ("utf8_first_of_4", 3)):
                if j + k < n and ord(text[j]) in sets[first] and all(ord(text[j + q]) in cont for q in range(1, k + 1)):
                    j += k + 1
                    break
            else:
                break
        if j > i:
            spans.append((i, j))
            i = j
        else:
            i += 1
    return spans


def main():
    lines = ["# Generated by models/tools/tokens/make_text_tables.py from Python %s, regex %s, ftfy %s."
             % (sys.version.split()[0], regex.__version__, ftfy.__version__),
             "# Do not edit. Code points are hexadecimal."]

    # CLIP pre-tokenizer classes, exactly as the regex module matches them with IGNORECASE.
    emit_set(lines, "clip.letter", class_members(r"[\p{L}]", regex.IGNORECASE))
    emit_set(lines, "clip.number", class_members(r"[\p{N}]", regex.IGNORECASE))
    emit_set(lines, "clip.other", class_members(r"[^\s\p{L}\p{N}]", regex.IGNORECASE))
    lines.append("[map clip.fold]")  # characters equal to an ASCII letter of the fixed alternatives
    for ch in sorted(set("startofextndrvml<|>'")):
        eq = sorted(class_members(regex.escape(ch), regex.IGNORECASE))
        lines.append("%X\t%s" % (ord(ch), " ".join("%X" % c for c in eq)))

    # Python `re` (str patterns) classes: whitespace_clean and ftfy use them.
    emit_set(lines, "py.space", PY_SPACE)
    assert set(PY_SPACE) == {ord(c) for c in ALL if c.isspace()}, "re \\s != str.isspace"
    emit_set(lines, "py.digit", class_members(r"\d", 0, stdre))

    # str.lower()
    lines.append("[map py.lower]")
    for c in ALL:
        lc = c.lower()
        if lc != c:
            lines.append("%X\t%s" % (ord(c), hexs(lc)))
    sig = "\u03a3"
    ignorable, cased = set(), set()
    for c in ALL:
        x = ("A" + c + sig).lower()[-1] == "\u03c2"
        y = (c + sig).lower()[-1] == "\u03c2"
        if x and not y:
            ignorable.add(ord(c))
        if y:
            cased.add(ord(c))
    emit_set(lines, "py.case_ignorable", ignorable)
    emit_set(lines, "py.cased", cased)

    # canonical combining classes (Python's Unicode data is newer than the JDK's; NFC needs them
    # for combining marks the JDK does not know yet)
    lines.append("[values py.ccc]")
    run = None
    for c in range(0x110000):
        v = unicodedata.combining(chr(c)) if not 0xD800 <= c <= 0xDFFF else 0
        if run and run[2] == v and run[1] == c - 1:
            run[1] = c
            continue
        if run and run[2]:
            lines.append("%X %X %d" % tuple(run))
        run = [c, c, v]
    if run and run[2]:
        lines.append("%X %X %d" % tuple(run))

    # html.unescape
    lines.append("[map html5]")
    for name, val in sorted(html.entities.html5.items()):
        lines.append("%s\t%s" % (hexs(name), hexs(val)))
    lines.append("[map html.invalid_charrefs]")
    for num, val in sorted(html._invalid_charrefs.items()):
        lines.append("%X\t%s" % (num, hexs(val)))
    emit_set(lines, "html.invalid_codepoints", html._invalid_codepoints)

    # ftfy
    lines.append("[map ftfy.entities]")
    for name, val in sorted(chardata.HTML_ENTITIES.items()):
        lines.append("%s\t%s" % (hexs(name), hexs(val)))
    for enc in chardata.CHARMAP_ENCODINGS + ["windows-1252"]:
        lines.append("[codec %s]" % enc)
        row = []
        for b in range(256):
            try:
                ch = bytes([b]).decode(enc)
                assert len(ch) == 1
                row.append("%X" % ord(ch))
            except UnicodeDecodeError:
                row.append("-")
        lines.append(" ".join(row))
        # the encoder must be the inverse of the decoder (no duplicates)
        decoded = [r for r in row if r != "-"]
        assert len(set(decoded)) == len(decoded), enc
        for b, r in enumerate(row):
            if r != "-" and enc != "windows-1252":
                assert chr(int(r, 16)).encode(enc) == bytes([b]), (enc, b)
    lines.append("[map ftfy.ligatures]")
    for cp, val in sorted(chardata.LIGATURES.items()):
        lines.append("%X\t%s" % (cp, hexs(val)))
    lines.append("[map ftfy.width]")
    for cp, val in sorted(chardata.WIDTH_MAP.items()):
        lines.append("%X\t%s" % (cp, hexs(val)))
    emit_set(lines, "ftfy.control", chardata.CONTROL_CHARS.keys())
    alts = sre_atoms(badness.BADNESS_RE.pattern, badness.BADNESS_RE.flags)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from make_token_fixtures import designed
    import random
    rnd = random.Random(3)
    samples = designed()
    pool = "".join(sorted({c for alt in alts for a in alt if a != "^" and not a[0] for c in map(chr, a[1])}))
    samples += ["".join(rnd.choice(pool + "abc XY.\n") for _ in range(rnd.randint(1, 8))) for _ in range(20000)]
    for t in samples:
        assert atoms_search(alts, t) == bool(badness.BADNESS_RE.search(t)), repr(t)
    lines.append("[badness]")
    for atoms in alts:
        out = []
        for a in atoms:
            if a == "^":
                out.append("^")
            else:
                neg, cps, opt = a
                body = ",".join("%X" % x if x == y else "%X-%X" % (x, y) for x, y in ranges(cps))
                out.append(("?" if opt else "") + ("!" if neg else "") + body)
        lines.append(" ".join(out))
    # UTF8_DETECTOR_RE's classes, for a hand-written matcher (a regex with a repeated group
    # overflows Java's stack on long mojibake); the Python twin below checks the semantics.
    clue_sets = {}
    bmp = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF)
    for name, clue in chardata.UTF8_CLUES.items():
        cps = {ord(m.group()) for m in stdre.finditer("[" + clue + "]", bmp)}
        clue_sets[name] = cps
        emit_set(lines, "ftfy." + name, cps)
    samples2 = samples[:]
    pool2 = "".join(sorted({chr(c) for v in clue_sets.values() for c in v if c < 0x3000}))
    samples2 += ["".join(rnd.choice(pool2 + "ab \u00e9") for _ in range(rnd.randint(1, 12))) for _ in range(20000)]
    for t in samples2:
        want = [m.span() for m in chardata.UTF8_DETECTOR_RE.finditer(t)]
        assert utf8_detector_spans(clue_sets, t) == want, repr(t)
    lines.append("[regex]")
    lines.append("badness\t" + to_java(badness.BADNESS_RE.pattern, True))
    for name, rx in [("altered_utf8", chardata.ALTERED_UTF8_RE), ("lossy_utf8", chardata.LOSSY_UTF8_RE),
                     ("a_grave_word", fixes.A_GRAVE_WORD_RE)]:
        lines.append(name + "\t" + to_java(rx.pattern.decode("latin-1"), False))
    assert fixes.ANSI_RE.pattern == "\033\\[((?:\\d|;)*)([a-zA-Z])"
    assert chardata.SINGLE_QUOTE_RE.pattern == "[\u02bc\u2018-\u201b]"
    assert chardata.DOUBLE_QUOTE_RE.pattern == "[\u201c-\u201f]"
    assert chardata.HTML_ENTITY_RE.pattern == r"&#?[0-9A-Za-z]{1,24};"
    lines.append("[end]")
    with open(OUT, "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", os.path.normpath(OUT), os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
