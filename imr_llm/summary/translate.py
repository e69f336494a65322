"""The reviewer's quoted words, machine-translated for a page in another language, or nothing.

Why: a Spanish page quoted the reviewer only in English, so a Spanish reader got the reason in a language
they may not read (an independent reader found the Why in Spanish words for 1 of 17 items). Translating
medical English is what a maintained engine does better than a phrase table: Apertium (Debian's
`apertium-eng-spa`), a rule-based engine that runs offline, in one child process per summary, and is
deterministic (the same words give the same translation, so a page can be checked and cached).

A machine translation can be wrong, so the page always shows the reviewer's English first and marks the
translation as machine-made. It is shown only when it keeps what a worker acts on (`faithful`): every
number of the English, no number it does not have, and its negation (a "not" lost or added turns a
reason round). Otherwise, or when the engine is not installed, the page quotes the English alone.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import signal
import subprocess
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from imr_llm.summary.languages.catalogue import TranslationSpec

TIMEOUT_S = 15.0  # a letter's quotes take well under a second; a stuck engine is given up on, never waited for
MAX_CHARS = 20_000  # a summary's quotes are a few sentences; more is not a quote, and is not sent

# what turns a reason round, by language and kind: each kind the source has, the translation must have at least as
# often, and a kind the source lacks it must lack (a Spanish "no hay ninguna" doubles an English "no", so only
# presence, and never fewer, is compared). "Unable" and "lacks" carry a negation without a "not".
_NEGATION = {
    "eng": {
        "not": r"\b(?:not|no|never|without|none|neither|nor|cannot|nothing|nobody|nowhere)\b|n['\u2019]t\b",
        "unable": r"\b(?:unable|incapable|inability)\b",
        "lack": r"\b(?:lack(?:s|ed|ing)?|absen(?:t|ce))\b",
    },
    "spa": {
        "not": r"\b(?:no|ni|nunca|jam[aá]s|sin|ning[uú]n[oa]?s?|nada|nadie|tampoco)\b",
        "unable": r"\b(?:incapa\w*|no pued\w*|imposib\w*)\b",
        "lack": r"\b(?:carenc\w*|carec\w*|falta\w*|ausen\w*)\b|\bsin\b|\bno\b",
    },
}
_NEGATORS = {lang: re.compile("|".join(kinds.values()), re.I) for lang, kinds in _NEGATION.items()}
_ENGLISH_NOT = re.compile(r"\b(?:not|never|without|cannot|nothing|nobody)\b|n['\u2019]t\b", re.I)
# a number in digits, or in words (a fake or a slip turned "eight weeks" into "cero semanas", "twice weekly" into
# "quincenales", "a quarter tablet" into "una pastilla de barrio"); "one" and "un/una" are left out: they are
# articles and pronouns as often as numbers
_NUMBER_WORDS = {
    "eng": {
        "zero": "0", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
        "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15", "twenty": "20", "thirty": "30",
        "forty": "40", "fifty": "50", "sixty": "60", "ninety": "90", "hundred": "100", "twice": "2", "half": "1/2",
        "quarter": "1/4", "double": "2", "dozen": "12", "thrice": "3",
    },
    "spa": {
        "cero": "0", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5", "seis": "6", "siete": "7", "ocho": "8",
        "nueve": "9", "diez": "10", "once": "11", "doce": "12", "quince": "15", "veinte": "20", "treinta": "30",
        "cuarenta": "40", "cincuenta": "50", "sesenta": "60", "noventa": "90", "cien": "100", "ciento": "100",
        "veces": "", "medio": "1/2", "media": "1/2", "mitad": "1/2", "cuarto": "1/4", "doble": "2", "docena": "12",
    },
}  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+|\d+(?:[.,/]\d+)*")


def _numbers(text: str, lang: str) -> list[str]:
    """The numbers of `text` in order, in digits (a number written as a word too)."""
    words = _NUMBER_WORDS.get(lang, {})
    out = []
    for token in _WORD.findall(text):
        if token[0].isdigit():
            out.append(token)
        elif (value := words.get(token.lower())) is not None and value:
            out.append(value)
    return out


# Apertium's marks on words it could not translate (*), could not generate (#) or has no entry for (@)
_MARK = re.compile(r"(?<![\w#])[*@#](?=[^\W\d_])")


def available(pair: str) -> bool:
    """The engine and this language pair are installed."""
    return _installed(pair)


@functools.cache
def _installed(pair: str) -> bool:
    if shutil.which("apertium") is None:
        return False
    done = _run(["apertium", "-l"], "")
    return done is not None and pair in done[1].split()


def _run(args: list[str], source: str) -> tuple[int, str] | None:
    """(exit code, output) of the engine, or None when it cannot start or takes longer than TIMEOUT_S. The
    engine is a shell pipeline: it runs in its own process group, and the whole group is killed on a timeout
    (killing the shell alone left its pipeline running). No Python runs in the child before it starts (the web
    app calls this from threads); if we die, its input closes and the pipeline ends."""
    try:
        child = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
    except OSError:
        return None
    try:
        out, _ = child.communicate(source, timeout=TIMEOUT_S)
    except (subprocess.TimeoutExpired, OSError, ValueError):
        with contextlib.suppress(OSError):
            os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        return None
    return child.returncode, out


Terms = tuple[tuple[str, str], ...]  # (English pattern, words to put for it)


def translate(
    texts: list[str], pair: str, terms: Terms = (), synonyms: Terms = (), joined: Terms = ()
) -> list[str | None]:
    """Each text translated (None where the engine failed or the translation is not `faithful`): first each
    of `synonyms` put in its English words the engine knows, then each of `terms` given in its own words (the
    target language's), never the engine's; last, the word pairs the target language always joins (`joined`,
    its patterns in the target language: a term's article after a preposition, "de el" -> "del")."""
    if not texts or not available(pair):
        return [None] * len(texts)
    out = list(_translated(tuple(texts), pair, terms, synonyms))
    for pattern, words in joined:

        def put(m: re.Match[str], words: str = words) -> str:
            return words[:1].upper() + words[1:] if m.group(0)[0].isupper() else words

        out = [None if t is None else re.sub(rf"\b(?:{pattern})\b", put, t, flags=re.I) for t in out]
    # a sentence the source opens with a capital opens with one in the translation too (the engine lowers the
    # "hay" of "There is no ...": "hay no documentación")
    return [
        t[:1].upper() + t[1:] if t is not None and source[:1].isupper() and t[:1].islower() else t
        for source, t in zip(texts, out, strict=True)
    ]


def translate_for(texts: list[str], spec: TranslationSpec) -> list[str | None]:
    """`translate` with a language's own pair, terms and synonyms (its catalogue's `[translation]`)."""
    terms = tuple((t.pattern, t.text) for t in spec.terms)
    synonyms = tuple((t.pattern, t.text) for t in spec.synonyms)
    return translate(texts, spec.pair, terms, synonyms, tuple((t.pattern, t.text) for t in spec.joined))


def _replaced(text: str, synonyms: Terms) -> str:
    for pattern, words in synonyms:

        def put(m: re.Match[str], words: str = words) -> str:
            return words.capitalize() if m.group(0)[0].isupper() else words

        text = re.sub(rf"\b(?:{pattern})\b", put, text, flags=re.I)
    return text


# a stand-in for a term the engine must not translate: letters no English or Spanish word has, which the
# engine passes through unchanged as an unknown word
_STAND_IN = "qxz{}"
_STAND_INS = re.compile(r"\b[Qq]xz([a-z]{2})\b")


def _code(k: int) -> str:
    return chr(ord("a") + k // 26) + chr(ord("a") + k % 26)


def _protected(text: str, terms: Terms) -> str:
    if not terms:
        return text
    pattern = re.compile("|".join(f"(?P<t{k}>\\b(?:{p})\\b)" for k, (p, _) in enumerate(terms)), re.I)

    def stand_in(m: re.Match[str]) -> str:
        # a capital kept at a sentence's start ("The date ..."): else the engine capitalises the word after it (a
        # month's name mid-sentence is not capitalised in Spanish)
        words = _STAND_IN.format(_code(int((m.lastgroup or "t0")[1:])))
        start = re.search(r"(?:^|[.!?:]\s+)$", text[: m.start()]) is not None
        return words.capitalize() if start and m.group(0)[0].isupper() else words

    return pattern.sub(stand_in, text)


def _restored(text: str, terms: Terms) -> str:
    def back(m: re.Match[str]) -> str:
        code = m.group(1)
        k = (ord(code[0]) - ord("a")) * 26 + ord(code[1]) - ord("a")
        if k >= len(terms):
            return m.group(0)
        words = terms[k][1]
        return words[:1].upper() + words[1:] if m.group(0)[0] == "Q" else words

    # the engine capitalises the word after a word it did not know ("la fecha De primer uso"): lowered again
    return _STAND_INS.sub(back, _AFTER_STAND_IN.sub(lambda m: m.group(1) + m.group(2).lower(), text))


_AFTER_STAND_IN = re.compile(
    r"(\b[Qq]xz[a-z]{2} )([A-Z\u00c1\u00c9\u00cd\u00d3\u00da\u00d1][a-z\u00e1\u00e9\u00ed\u00f3\u00fa\u00f1\u00fc]*\b)"
)


@functools.lru_cache(maxsize=512)
def _translated(texts: tuple[str, ...], pair: str, terms: Terms, synonyms: Terms) -> tuple[str | None, ...]:
    out: list[str | None] = [None] * len(texts)
    wanted = [k for k, t in enumerate(texts) if t.strip() and len(t) <= MAX_CHARS and not _STAND_INS.search(t)]
    if not wanted:
        return tuple(out)
    # one paragraph per text (a blank line between): one engine run for the whole summary
    source = "\n\n".join(_protected(_replaced(" ".join(texts[k].split()), synonyms), terms) for k in wanted) + "\n"
    done = _run(["apertium", pair], source)
    if done is None:
        return tuple(out)
    parts = [p for p in re.split(r"\n\s*\n", done[1]) if p.strip()]
    if done[0] != 0 or len(parts) != len(wanted):
        return tuple(out)
    source_lang, target_lang = pair.split("_")[0].split("-", 1)
    for k, part in zip(wanted, parts, strict=True):
        translated = _restored(_unmarked(" ".join(part.split()), texts[k]), terms)
        if faithful(texts[k], translated, source_lang, target_lang):
            out[k] = translated
    return tuple(out)


def adds_a_number_or_negation(words: str, pair: str) -> bool:
    """Words that would change a translation's count of numbers or negations (in either language of `pair`)."""
    langs = pair.split("_")[0].split("-", 1)
    return any(
        bool(_numbers(words, lang)) or ((negators := _NEGATORS.get(lang)) is not None and bool(negators.search(words)))
        for lang in langs
    )


def _unmarked(translated: str, source: str) -> str:
    """The translation without the engine's marks on words it did not know (a "*", "@" or "#" the source does
    not have: "10/325*mg", "@1990s"); a "#" the source has ("#60") stays where it stands before a number."""
    out = _MARK.sub("", translated)
    for mark in "*@#":
        if mark not in source:
            out = out.replace(mark, "")
    return out


def faithful(source: str, translated: str, source_lang: str, target_lang: str) -> bool:
    """The translation keeps every number of the source (in digits or words), in order, and adds none; it has
    each kind of negation the source has ("not", "unable", "lacks"), a "not" only when the source has one, and no
    English "not" left in it; it is not the source left untranslated."""
    if not translated.strip() or " ".join(translated.split()) == " ".join(source.split()):
        return False
    if _numbers(source, source_lang) != _numbers(translated, target_lang):
        return False  # the same numbers, in the same order ("from 8/10 to 4/10" never turned round)
    kinds, targets = _NEGATION.get(source_lang), _NEGATION.get(target_lang)
    if kinds is None or targets is None or (source_lang != target_lang and _ENGLISH_NOT.search(translated)):
        return False  # an English "not" or "n't" left in the translation: the engine did not read it
    for kind, pattern in kinds.items():
        said = len(re.findall(pattern, source, re.I))
        kept = len(re.findall(targets.get(kind, "(?!)"), translated, re.I))
        if ((said == 0) != (kept == 0) and kind == "not") or kept < said:
            return False
    return True
