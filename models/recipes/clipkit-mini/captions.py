"""Caption builder for the clipkit-mini data recipe: CLDR emoji names/keywords joined with
WordNet noun parents ("wolf" -> "wolf, canine, carnivore, mammal, animal").

The prototype found that appending a concept's WordNet parents to its caption was what let the
model rank concepts it never saw in training: an unseen "wolf" shares "canine, mammal, animal"
with seen ones. Pure Python, no third-party modules, so the smoke test runs anywhere on a small
committed sample of the two packages' text files (tests/sample/).
"""
import re
import xml.etree.ElementTree as ET

# Top-of-hierarchy or bookkeeping synsets that say nothing visual; never appended.
GENERIC = {
    "entity", "physical entity", "object", "whole", "abstraction", "abstract entity", "thing",
    "matter", "causal agent", "cause", "causal agency", "unit", "part", "portion", "relation",
    "group", "grouping", "attribute", "psychological feature", "living thing", "organism",
    "being", "instrumentality", "instrumentation", "artifact", "artefact", "physical object",
    "measure", "quantity", "amount", "communication", "act", "deed", "human action",
    "human activity", "event", "state", "location", "substance", "body", "content",
    "cognitive content", "mental object", "information", "message", "signal", "sign",
    "symbol", "representation", "creation", "property", "social group", "collection",
    "aggregation", "assemblage", "chordate", "placental", "placental mammal", "eutherian",
    "eutherian mammal", "vertebrate", "craniate", "invertebrate", "arthropod", "device",
    "commodity", "trade good", "good", "covering", "structure", "construction", "natural object",
    "solid", "food product", "foodstuff", "nutriment", "nourishment", "sustenance", "aliment",
    "alimentation", "victuals", "way", "implement", "container", "equipment", "material",
    "stuff", "natural phenomenon", "phenomenon", "process", "physical process", "ware",
    "consumer goods", "vascular plant", "tracheophyte", "angiosperm", "flowering plant",
    "spermatophyte", "phanerogam", "seed plant", "woody plant", "ligneous plant", "herb",
    "herbaceous plant", "plant organ", "plant part", "plant structure", "reproductive structure",
    "produce", "conveyance", "craft", "self-propelled vehicle", "heavier-than-air craft",
    "metatherian", "female", "male", "exhibitionist", "green goods", "green groceries", "garden truck", "person",
    "individual", "someone", "somebody", "mortal", "soul", "adult", "grownup", "worker",
}

# WordNet lexicographer files (lexnames) that name a visual category, appended last.
CATEGORIES = {
    5: "animal", 6: "artifact", 13: "food", 17: "natural object", 18: "person", 20: "plant",
    27: "substance", 8: "body part",
}

SUFFIXES = [("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
            ("men", "man"), ("ies", "y"), ("s", "")]


class WordNet:
    """Noun index and hypernym graph from wordnet-base's index.noun, data.noun and noun.exc."""

    def __init__(self, directory):
        self.index = {}      # lemma -> [synset offsets], most frequent sense first
        self.synsets = {}    # offset -> (lexname id, [words], [hypernym offsets])
        with open(f"{directory}/index.noun", encoding="utf-8") as f:
            for line in f:
                if line.startswith(" "):
                    continue
                parts = line.split()
                p_cnt = int(parts[3])
                self.index[parts[0]] = parts[6 + p_cnt:]
        with open(f"{directory}/data.noun", encoding="utf-8") as f:
            for line in f:
                if line.startswith(" "):
                    continue
                parts = line.split(" | ")[0].split()
                w_cnt = int(parts[3], 16)
                words = [parts[4 + 2 * i].lower() for i in range(w_cnt)]
                words = [re.sub(r"\(.*\)$", "", w).replace("_", " ") for w in words]
                at = 4 + 2 * w_cnt
                p_cnt = int(parts[at])
                hypernyms = []
                for i in range(p_cnt):
                    sym, off, pos = parts[at + 1 + 4 * i:at + 4 + 4 * i]
                    if sym in ("@", "@i") and pos == "n":
                        hypernyms.append(off)
                self.synsets[parts[0]] = (int(parts[1]), words, hypernyms)
        self.exceptions = {}
        try:
            with open(f"{directory}/noun.exc", encoding="utf-8") as f:
                for line in f:
                    inflected, base = line.split()[:2]
                    self.exceptions[inflected] = base
        except FileNotFoundError:
            pass

    def lemma(self, word):
        """The WordNet noun lemma for a word or phrase (spaces or underscores), plurals reduced
        as WordNet's morphy does; None if WordNet has no such noun."""
        w = word.strip().lower().replace(" ", "_").replace("-", "_")
        if w in self.index:
            return w
        if w in self.exceptions and self.exceptions[w] in self.index:
            return self.exceptions[w]
        for suffix, repl in SUFFIXES:
            if w.endswith(suffix) and w[:-len(suffix)] + repl in self.index:
                return w[:-len(suffix)] + repl
        return None

    def head(self, name):
        """The noun a concept name is about: the whole name if WordNet has it, else the longest
        run of trailing words it has ("red apple" -> "apple"); "cat face" -> "cat" (emoji faces)."""
        words = re.findall(r"[a-z]+", name.lower())
        if not words:
            return None
        if len(words) > 1 and words[-1] == "face" and self.lemma(" ".join(words[:-1])):
            return self.lemma(" ".join(words[:-1]))
        for start in range(len(words)):
            lemma = self.lemma(" ".join(words[start:]))
            if lemma:
                return lemma
        return None

    def sense(self, lemma, category=None):
        """The sense a picture of `lemma` most likely shows: the first one in the lexname
        `category` when the source's folder says what it holds (an Art4Apps "fruit" kiwi is the
        fruit); else an animal (seal, otter, crane), else a food (hot dog, not the show-off), else
        the most frequent visual one (person included), else the most frequent."""
        offsets = self.index[lemma]
        tries = [lambda c: c == category] if category else []
        tries += [lambda c: c == 5, lambda c: c == 13, lambda c: c in CATEGORIES]
        for wanted in tries:
            for off in offsets:
                if wanted(self.synsets[off][0]):
                    return off
        return offsets[0]

    def parents(self, lemma, limit=4, category=None):
        """Parents of the lemma's most frequent sense, most specific first, generic ones dropped
        ("wolf" -> ["canine", "carnivore", "mammal", "animal"]), then its category."""
        if lemma not in self.index:
            return []
        first = self.sense(lemma, category)
        out, seen, off = [], {lemma.replace("_", " ")}, first
        while True:
            lexname, words, hyper = self.synsets[off]
            if off != first:
                w = words[0]
                if w not in GENERIC and w not in seen:
                    out.append(w)
                seen.add(w)
            if not hyper:
                break
            off = hyper[0]
        if len(out) > limit:  # keep both the specific and the broad end of the chain
            out = out[:limit - 2] + out[-2:]
        category = CATEGORIES.get(self.synsets[first][0])
        if category and category not in out and category not in seen:
            out.append(category)
        return out


def load_cldr(paths):
    """{emoji (without U+FE0F): (name, [keywords])} from CLDR annotation files (annotations/en.xml,
    annotationsDerived/en.xml): the `type="tts"` entry is the name, the other the keywords."""
    out = {}
    for path in paths:
        root = ET.parse(path).getroot()
        for a in root.iter("annotation"):
            cp = a.get("cp", "").replace("\ufe0f", "")
            name, kws = out.get(cp, (None, []))
            text = (a.text or "").strip()
            if a.get("type") == "tts":
                name = text
            else:
                kws = [k.strip() for k in text.split("|") if k.strip()]
            out[cp] = (name, kws)
    return {cp: v for cp, v in out.items() if v[0]}


def caption(name, wordnet, keywords=(), description=None, max_keywords=3, category=None):
    """The training caption of a concept: its description (Tux Paint's sentence) or name, up to
    `max_keywords` CLDR keywords not already said, then its WordNet parents (of the sense in
    lexname `category`, when the source says); comma-joined."""
    first = (description or name).strip().rstrip(".")
    said = {w for w in re.findall(r"[a-z]+", first.lower())}
    parts = [first]
    for k in keywords:
        if len(parts) > max_keywords:
            break
        if k.lower() != name.lower() and not set(re.findall(r"[a-z]+", k.lower())) <= said:
            parts.append(k)
            said.update(re.findall(r"[a-z]+", k.lower()))
    head = wordnet.head(name) if wordnet else None
    if head:
        if description and head.replace("_", " ") not in first.lower():
            parts.append(head.replace("_", " "))
        for p in wordnet.parents(head, category=category):
            if p not in parts and p != name.lower():
                parts.append(p)
    return ", ".join(parts)
