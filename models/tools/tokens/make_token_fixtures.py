"""Writes the tokenizer golden files from the reference tokenizer (reference_tokenizer.py).

models/fixtures/tokens/corpus.jsonl   designed corpus
models/fixtures/tokens/random.jsonl   seeded random mixes of the same pieces
models/fixtures/tokens/long.jsonl     a few long texts
Each line: {"text": ..., "ids": [49406, ..., 49407], "ftfy": ftfy.fix_text(text)} (ids unpadded).

Run: PYTHONPATH=/work/pydeps /usr/bin/python3 models/tools/tokens/make_token_fixtures.py [vocab.gz]
"""
import json
import os
import random
import sys

import ftfy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_tokenizer import SimpleTokenizer, default_vocab  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "fixtures", "tokens"))


def moji(s, enc):
    return s.encode("utf-8").decode(enc, errors="replace")


def sloppy(s, enc):
    return s.encode("utf-8").decode("sloppy-" + enc)


LABELS = ["cat", "dog", "car", "tabby cat", "golden retriever", "airplane", "bird", "fire truck",
          "bald eagle", "sports car", "Persian cat", "hot-dog", "T-shirt", "ice cream", "espresso",
          "jack-o'-lantern", "St. Bernard", "pickup truck", "go-kart", "ping-pong ball"]
TEMPLATES = ["a photo of a {}.", "a bad photo of the {}.", "a sculpture of a {}.", "itap of my {}.",
             "a close-up photo of a {}.", "a low resolution photo of the {}.", "art of the {}.",
             "a black and white photo of the {}.", "a {} in a video game.", "a tattoo of the {}."]

WORDS = ["hello", "world", "CLIP", "Tokenizer", "zero-shot", "photo", "naïve", "café", "résumé",
         "Straße", "über", "Ærøskøbing", "São Paulo", "Kraków", "İstanbul", "ΟΔΟΣ", "Σίσυφος",
         "Москва", "Київ", "日本語", "中文字", "한국어", "ภาษาไทย", "العربية", "עברית", "हिन्दी",
         "ქართული", "Ελληνικά", "😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇯🇵", "🇺🇸🇬🇧", "❤️", "#1",
         "3.14159", "1,000,000", "42", "٣٤٥", "१२३", "Ⅻ", "½", "²", "$5", "€10", "100%",
         "e-mail", "C++", "C#", "f(x)", "a.b.c", "don't", "I'M", "we'RE", "it'S", "y'all"]


def designed():
    t = []
    # plain prompts
    for tpl in TEMPLATES:
        for lab in LABELS[:8]:
            t.append(tpl.format(lab))
    t += ["", " ", "   \t\n ", "a", "A", "I", ".", "...", "!!!", "?!", "a photo of a cat.",
          "A PHOTO OF A CAT.", "The quick brown fox jumps over the lazy dog.",
          "Hello, world!", "hello,world", "email me at someone@example.com",
          "https://example.com/path?q=1&r=2#frag", "C:\\Users\\photo.jpg", "tab\tseparated\tvalues",
          "line one\nline two\r\nline three\rline four", "snake_case_identifier", "camelCaseIdentifier",
          "(parentheses) [brackets] {braces} <angles>", "quotes \"double\" and 'single'",
          "~`!@#$%^&*()_+-=[]{}|;':\",./<>?", "a--b---c", "wait... what?!", "-- dashes --"]
    # digits
    t += ["0", "7", "12", "123", "2024", "3.14", "1/2", "10,000", "v1.2.3", "0xFF", "1e-9",
          "phone: +1 (555) 123-4567", "IPv4 192.168.0.1", "42nd street", "the 1990s", "4K HDR 60fps",
          "١٢٣ Arabic-Indic digits", "०१२ Devanagari digits", "①②③ circled", "Ⅷ roman", "¼ cup",
          "x² + y³", "𝟙𝟚𝟛 math digits", "໑໒ lao digits"]
    # contractions, incl. upper case
    t += ["don't", "DON'T", "it's", "IT'S", "It'S", "it'S", "they're", "THEY'RE", "we've", "WE'VE",
          "I'm", "I'M", "you'll", "YOU'LL", "he'd", "HE'D", "isn't", "'s", "'S", "''s", "'ss",
          "rock'n'roll", "o'clock", "the cat's toy", "the cats' toys", "'tis", "'Twas",
          "it’s curly", "IT’S CURLY", "l'été", "aujourd'hui", "can't won't shan't",
          "it'ſ long s", "<|ſtartoftext|>", "x'ſ", "'LL'VE'RE'D'M'T'S"]
    # accented / scripts
    t += ["café", "CAFÉ", "naïve façade", "Ångström", "Øresund", "Dvořák", "Łódź", "Škoda",
          "Ñandú", "Straße", "STRASSE", "ß", "ẞ", "İstanbul", "DİYARBAKIR", "ıi", "Iı",
          "ΟΔΟΣ", "ΣΟΦΟΣ ΣΟΦΟΣ", "Σ", "ΑΣ.", "ΑΣ'", "ΑΣ́Α", "Ἀθῆναι", "ᾼ", "Москва", "ПРИВЕТ мир",
          "Україна", "Српска ћирилица", "日本語のテキスト", "東京タワー", "ｶﾀｶﾅ half-width",
          "中文分词测试", "繁體中文", "한국어 텍스트", "ひらがな", "العربية لغة", "مرحبا بالعالم",
          "שלום עולם", "עִבְרִית", "हिन्दी भाषा", "नमस्ते", "ภาษาไทย", "สวัสดีครับ", "ქართული",
          "Հայերեն", "አማርኛ", "தமிழ்", "বাংলা", "ગુજરાતી", "ᚠᚢᚦ", "𐌰𐌱𐌲 gothic", "𝒜𝒷𝒸 script",
          "𝔄𝔟𝔠 fraktur", "Ⓐⓑⓒ", "e\u0301 combining", "a\u0308o\u0308u\u0308", "n\u0303",
          "\u1100\u1161\u11a8 jamo", "ǅemal", "ǈjubljana", "ĳssel", "Ĳssel", "ŉ", "ꭓ", "ꮜ cherokee",
          "Ꭰ cherokee upper", "ᏸ", "𐐀 deseret", "𞤀 adlam", "ǰ", "ﬅ ligature st", "ᾈ", "ﬀ",
          "ǲ", "ὒ", "ǅ", "Å", "K kelvin", "Ω ohm", "ℌ", "µ micro", "ª º", "ŀl",
          # combining marks newer than the JDK's Unicode data (NFC ordering and blocking)
          "a\u0898\u0316", "e\u1ac1\u0301", "e\u0898\u0301", "o\u0301\u1ac5\u0316", "\u0627\u08ca\u0655",
          "\u1100\u1161\u11a8\u0898", "A\u030a\u1ac1"]
    # emoji
    t += ["😀", "😀😃😄", "I ❤️ NY", "👍", "👍🏻👍🏼👍🏽👍🏾👍🏿", "👨‍👩‍👧‍👦", "👩‍💻", "🧑🏽‍🚀",
          "🏳️‍🌈", "🏴‍☠️", "🇯🇵", "🇺🇸🇬🇧🇫🇷", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "1️⃣", "#️⃣", "©️ ®️ ™️", "🐱 cat", "dog🐶",
          "🍕🍔🍟", "☕ coffee", "✔ done", "✨sparkles✨", "🤷‍♀️", "🙇🏼‍♂️", "⌚⌛", "🫠 melting",
          "🫶🏽", "😀!", "!😀", "a😀b", "🪿 goose"]
    # HTML entities
    t += ["&amp;", "&amp;amp;", "&amp;amp;amp;", "&lt;b&gt;bold&lt;/b&gt;", "&quot;quoted&quot;",
          "&#39;apos&#39;", "&#x27;hex&#x27;", "&#X41;", "&#65;&#66;&#67", "&eacute;t&eacute;",
          "&EACUTE;T&EACUTE;", "&nbsp;nbsp", "caf&eacute;", "&copy; 2024", "&reg;&trade;",
          "&hellip;", "&mdash;&ndash;", "&lsquo;x&rsquo;", "&ldquo;x&rdquo;", "&euro;5", "&pound;",
          "&amp", "&lt", "&copy2024", "&notit;", "&notin;", "this&not that", "&ampere;", "&amp ;",
          "&#0;", "&#128;", "&#150;", "&#x80;", "&#x9F;", "&#xD800;", "&#x110000;", "&#1114112;",
          "&#99999999999999999999;", "&#x1F600;", "&#128512;", "&#xFFFE;", "&#x1;", "&#11;",
          "&#13;", "&#x7F;", "&#xFDD0;", "&#x;", "&#;", "&;", "& amp;", "&AMP;", "&Amp;", "&AElig;",
          "&aelig;", "&NTILDE;", "&nTILDE;", "&SZLIG;", "&Jscr;", "&HilbertSpace;", "&checkmark;",
          "&NotNestedLessLess;", "&acE;", "&fjlig;", "&ThickSpace;", "&amp;lt;", "&amp;#39;",
          "&amp;eacute;", "&amp;amp;lt;", "a &lt; b", "a < b &amp; c", "<b>&amp;</b>",
          "x &gt; y\n&lt; z", "&lt;\n&amp;", "R&D", "AT&T", "Q&A", "&", "&&", "&#", "&#x",
          "&lang;&rang;", "&Aacute", "&aacute", "&Aacutex", "&ETH;", "&eth", "&yuml;&YUML;",
          "&#x2019;s", "it&#8217;s", "&#8220;quote&#8221;", "&#x1F1EF;&#x1F1F5;",
          "&amp;#x1F600;", "&zwj;", "&shy;soft", "&ensp;&emsp;&thinsp;"]
    # mojibake of several kinds
    base = ["café", "naïve", "It’s", "“quoted”", "— dash", "résumé", "Straße", "São Paulo", "ü",
            "✔ No problems", "😀 emoji", "日本語", "Москва", "ΟΔΟΣ", "Łódź", "İstanbul", "…",
            "€5", "señor", "Größe", "¯\\_(ツ)_/¯", "à la mode", "Ò", "ß", "•", "™", "©"]
    for s in base:
        t.append(moji(s, "latin-1"))
        t.append(sloppy(s, "windows-1252"))
    for s in ["Москва", "привет мир", "café", "Łódź", "ΟΔΟΣ", "Ελληνικά", "İstanbul", "Ærø", "ü", "—"]:
        for enc in ["windows-1251", "windows-1250", "windows-1253", "windows-1254", "windows-1257",
                    "iso-8859-2", "mac_roman", "cp437"]:
            try:
                t.append(s.encode("utf-8").decode(enc))
            except UnicodeDecodeError:
                t.append(sloppy(s, enc) if enc.startswith("windows") else s.encode("utf-8").decode(enc, "replace"))
    t += [sloppy(sloppy("café", "windows-1252"), "windows-1252"),  # double mojibake
          sloppy(sloppy("It’s", "windows-1252"), "windows-1252"),
          moji("voilà le travail", "latin-1").replace("\xa0", " "),
          moji("à la mode", "latin-1").replace("\xa0", " "),
          "Ã la mode", "Ã  la", "Ã s", "Ã quele", "fÃ cil", "Ã¢â‚¬Å“",
          "â€œ like this â€\ufffd", "â€œ", "â€", "â€™", "Ã©", "Ã", "Â", "Â ", "Â£5", "Â©",
          "soem Ã©l", "The Mona Lisa doesnÃƒÂ¢Ã¢â€šÂ¬Ã¢â€žÂ¢t have eyebrows.",
          "Ã¨n Ã¨s", "ÃƒÂ©", "Ã\xa0 la", "Ã¼ber", "schÃ¶n", "sÃ³", "latin-1 + cp1252: café â€” done",
          "mixed: café and cafÃ©", "Iâ€™m here and I’m there", "â”” box", "Ð¿Ñ€Ð¸Ð²ÐµÑ‚",
          "Ð\xa0Ð¾ÑÑÐ¸Ñ", "Ã¦Ã¸Ã¥", "Ãƒ", "ï»¿BOM mojibake", "ã\x83\x84", "&macr;\\_(ã\x83\x84)_/&macr;",
          "\x80\x93", "\x91quoted\x92", "\x93c1 quotes\x94", "\x85 ellipsis", "price \x80 5",
          "\x81\x8d\x8f\x90\x9d", "caf\xe9 latin1", "\xc3\xa9", "\xed\xa0\xbd\xed\xb8\x80",
          "Ã\xad\xc2\xa0", "\xed\xa0\xbd\xed\xb8\x80".encode("latin-1").decode("windows-1252", "replace"),
          "\xc0\x80 java null", "CESU: " + "\xed\xa0\xbd\xed\xb8\x80".encode("latin-1").decode("latin-1"),
          "Ã¢â‚¬Å“Hello Ã¢â‚¬Å“", "dÃ©jÃ  vu", "Ã¢Å“â€", "Ã¡Ã©Ã­Ã³Ãº", "â‚¬", "Â¿QuÃ©?", "Â¡Hola!",
          "ÐšÐ¸Ñ—Ð²", "×©×œ×•×", "Ø§Ù„Ø¹Ø±Ø¨ÙŠØ©", "à¤¹à¤¿à¤¨à¥à¤¦à¥€", "à¸ à¸²à¸©à¸²", "ðŸ˜€", "ðŸ‘", "ðŸ‡¯ðŸ‡µ",
          "ð\x9f\x98\x80", "ðŸ˜", "â˜º", "Ã¢â‚¬Ëœ", "EspaÃ±a", "Ã‘", "Ã±", "MÃ¼ller", "Ã‡a", "Ã‰cole",
          "â€¦", "â€“", "â€”", "â€˜", "â€š", "â€ž", "â€¢", "â„¢", "Â°C", "Â±", "Â½", "Ã—", "Ã·", "Âµ",
          "Ã¥", "Ã¸", "Ã†", "Ã˜", "Ã…", "Ã¯", "Ã®", "Ã´", "Ã»", "Ã§", "Ã¤", "Ã¶", "Ã¼", "ÃŸ"]
    # ligatures, width, quotes
    t += ["ﬁsh ﬂower", "ﬀ ﬃ ﬄ ﬅ ﬆ", "ĲSSEL ĳssel", "Ǳ ǲ ǳ Ǆ ǅ ǆ Ǉ ǈ ǉ Ǌ ǋ ǌ", "ŉ", "Broken text&hellip; it&#x2019;s ﬂubberiﬁc!",
          "ＬＯＵＤ　ＮＯＩＳＥＳ", "ｆｕｌｌ－ｗｉｄｔｈ　ｔｅｘｔ！", "１２３４５", "Ｕﾀｰﾝ", "ﾊﾝｶｸ ｶﾀｶﾅ", "￥１００", "＄＄", "ｈｔｔｐ：／／",
          "\uffe3macron", "\uffe8", "\uffa0hangul filler", "\uff65", "ﾞﾟ",
          "“double”", "‘single’", "‚low‛", "„low‟", "ʼmodifier apostrophe", "it‘s", "don’t", "I’M",
          "«guillemets»", "‹single›", "「brackets」", "″prime″ ′"]
    # odd whitespace and control characters
    t += ["non\xa0breaking\xa0space", "a\u2028b\u2029c", "file\x1cgroup\x1drecord\x1eunit\x1fsep",
          "tabs\t\tand\t spaces", "  leading and trailing  ", "\u3000ideographic\u3000space",
          "en\u2002em\u2003thin\u2009hair\u200a", "zero\u200bwidth", "zwnj\u200cjoiner\u200d",
          "nnbsp\u202fx", "mmsp\u205fx", "ogham\u1680x", "mongolian\u180ex", "\x85next line",
          "vertical\x0btab", "form\x0cfeed", "bell\x07char", "null\x00char", "esc\x1b[31mred\x1b[0m text",
          "\x1b[1;32mbold green\x1b[0m", "\x1b[٣mx", "del\x7fchar", "bom\ufeffinside", "\ufeffbom start",
          "\ufff9annotation\ufffb", "\ufffcobject", "\u206adeprecated\u206f", "soft\xadhyphen",
          "rtl\u200fmark", "\u202aembed\u202c", "\U000e0041tag", "\r", "\r\n", "\n\n\n", "\t",
          "\x1c", "\x1c\x1d", " \xa0 ", "\u2028", "\x0b\x0c", "a\x1cb", "lone\ud800surrogate",
          "pair\ud83d\ude00", "reversed\ude00\ud83d", "\ufffd replacement", "\uffff nonchar",
          "\U0010FFFF max", "\U000F0000 private", "\ue000 pua", "\uf8ff apple"]
    # special tokens
    t += ["<|startoftext|>", "<|endoftext|>", "<|startoftext|>hello<|endoftext|>",
          "a <|endoftext|> b", "<|ENDOFTEXT|>", "<|EndOfText|>", "x<|endoftext|>y",
          "!<|endoftext|>", "<|endoftext|><|endoftext|>", "<|endoftext", "|endoftext|>",
          "< |endoftext| >", "&lt;|endoftext|&gt;", "<|startoftext|><b>",
          "<tag>&amp;</tag>\n&amp; next line", "a&amp;b\n<\n&amp;"]
    # long texts
    lorem = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
             "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
             "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.")
    t += [lorem, lorem * 2, " ".join(LABELS), "word " * 80, "a" * 300, "😀" * 60,
          "supercalifragilisticexpialidocious " * 5, "日本語" * 40, "1234567890" * 10,
          ", ".join(WORDS), "Ã©" * 50, "&amp;" * 40]
    # label prompts with all templates over many labels
    for i, lab in enumerate(LABELS + WORDS):
        t.append(TEMPLATES[i % len(TEMPLATES)].format(lab))
    for w in WORDS:
        t.append(w)
        t.append(w.upper())
    return t


def randomized(n, seed):
    rnd = random.Random(seed)
    pieces = designed()
    extras = [" ", "  ", "\t", "\n", "\xa0", "&amp;", "&", "'", "'s", "’", "“", "\u2028", "\x1c",
              "<", "ﬁ", "Ａ", "Ã", "Â", "â€", "©", "\x80", "\x92", "\u200d", "🏽", "\ufe0f"]
    out = []
    for _ in range(n):
        k = rnd.randint(1, 5)
        parts = []
        for _ in range(k):
            p = rnd.choice(pieces) if rnd.random() < 0.7 else rnd.choice(extras)
            if len(p) > 40:
                p = p[:rnd.randint(1, 40)]
            parts.append(p)
        s = "".join(parts)
        r = rnd.random()
        if r < 0.15:
            s = s.upper()
        elif r < 0.25:
            s = sloppy(s, "windows-1252")
        elif r < 0.3:
            s = s.encode("utf-8", "surrogatepass").decode("latin-1")
        out.append(s)
    return out


def long_texts():
    """Long inputs: long mojibake runs (deep regex repetition in a naive port), many lines."""
    return ["Ã©" * 6000 + "😀", "Ã©x " * 800 + "😀", "Ð¿Ñ€Ð¸" * 500, ("a photo of a cat. " * 10 + "\n") * 10,
            "&amp;" * 500, "😀" * 400, "Ã©" * 500 + "\n" + "€Ã" * 500 + "\n<p>&amp;</p>\n&amp;",
            "supercalifragilistic" * 100]


def write(path, texts, tok):
    seen = set()
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for s in texts:
            if s in seen:
                continue
            seen.add(s)
            rec = {"text": s, "ids": tok.encode_with_specials(s), "ftfy": ftfy.fix_text(s)}
            f.write(json.dumps(rec, ensure_ascii=True) + "\n")
            n += 1
    print("wrote", path, n, "strings")


def main():
    tok = SimpleTokenizer(sys.argv[1] if len(sys.argv) > 1 else default_vocab())
    os.makedirs(OUT_DIR, exist_ok=True)
    write(os.path.join(OUT_DIR, "corpus.jsonl"), designed(), tok)
    write(os.path.join(OUT_DIR, "random.jsonl"), randomized(400, 20261126), tok)
    write(os.path.join(OUT_DIR, "long.jsonl"), long_texts(), tok)


if __name__ == "__main__":
    main()
