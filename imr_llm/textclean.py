"""Same-length clean-ups before de-wrapping: every change keeps each character's offset, so evidence
spans still point into the text the user gave.

- Running headers and footers: lines that repeat at the top or the bottom of several pages (a title,
  the case number, "Page 2 of 4") are blanked, wherever a converter or a scanner put them, so they
  never land inside a request or between an item's decision word and its labels.
- OCR confusions (OCR text only): the parser's anchor words misread with look-alike characters
  ("UpheId", "0verturned", "Decision rationaIe"), table borders read as "|" or "[", and l/1, O/0 inside
  dates and case numbers, where the format makes the reading unique; curly quotes OCR guessed are the
  letters' straight ones.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

from imr_llm.words import NUMBER_WORDS, english_words

_PAGE_LINE = re.compile(
    r"(?im)^[ \t]*(?:(?:IMR )?Case (?:Number|No\.?):?[ \t]*CM\d\d-\d{5,7}[ \t]+)?"
    r"(?:-[ \t]*)?Page[ \t]+\d+(?:[ \t]+of[ \t]+\d+)?(?:[ \t]*-)?[ \t]*$"
)
# a line that is only a page number: "Page 3 of 4", "Page 3/4", "Pg. 3 of 4", "P. 3/4", "Page: 3", "Page 3 0f 4",
# "3 of 4", "- 3 -", "(3/4)", "3/4", a bare "3"; `EXPLICIT_PAGE_MARK` without the bare forms, which count only at
# a page's edge
PAGE_MARK = re.compile(
    # no two runs of blanks side by side (a line of a million spaces would take hours to try): each run is
    # anchored by the character before it
    r"[ \t\f\r]*(?:\([ \t]*)?(?:-[ \t]*)?(?:(?:Page|Pg|P)\.?:?[ \t]*)?(?P<n>\d{1,3})"
    r"(?:[ \t]*(?:of|0f|/)[ \t]*(?P<m>\d{1,3}))?(?:[ \t]*-)?(?:[ \t]*\))?[ \t\r]*",
    re.I,
)
EXPLICIT_PAGE_MARK = re.compile(
    r"[ \t\f\r]*(?:\([ \t]*)?(?:(?:Page|Pg|P)\.?:?[ \t]*\d{1,3}(?:[ \t]*(?:of|0f|/)[ \t]*\d{1,3})?|"
    r"\d{1,3}[ \t]*(?:of|0f)[ \t]*\d{1,3}|-[ \t]*\d{1,3}[ \t]*-)(?:[ \t]*\))?[ \t\r]*",
    re.I,
)
_EDGE_LINES = 3  # lines at the top and the bottom of a page that may be a running header or footer
_MAX_PAGES = 200
# a running line looks like a header: the case number, a page number, or a short title-like line
# (a fax machine's transmission line, "02/23/2017 12:26 FROM: (555) 881-6889 P. 2/5", is one too)
_HEADERISH = re.compile(
    r"CM\d\d-\d{5,7}|\bPage\b|\bIMR\b|Final Determination|MAXIMUS|Independent Medical Review|"
    r"\b(?:P|Pg|Page)\.? ?\d{1,3} ?(?:/|of) ?\d{1,3}\b|\bFAX\b|\bFROM ?:",
    re.I,
)
# ... and is never one of the parser's anchors (a label or a decision at the top of two pages is content)
_ANCHOR = re.compile(
    r"guidelines? ?:|rationale ?:|\bUpheld\b|\bOverturned\b|medically necessary|original request|"
    r"CLINICAL CASE SUMMARY|DECISIONS AND RATIONALES|set forth below",
    re.I,
)


def _page_spans(text: str) -> list[tuple[int, int]]:
    """Pages: split at form feeds, and at "Page N of M" lines (converters that drop form feeds)."""
    cuts = {m.start() for m in re.finditer("\f", text)}
    cuts |= {m.end() for m in _PAGE_LINE.finditer(text)}
    bounds = [0, *sorted(c for c in cuts if 0 < c < len(text)), len(text)]
    spans = [(bounds[k], bounds[k + 1]) for k in range(len(bounds) - 1)]
    return [(s, e) for s, e in spans if text[s:e].strip()][:_MAX_PAGES]  # a form feed after a page line: one page


_VISIBLE = re.compile(r"[^\s]")


def _edge_lines(text: str, start: int, end: int) -> list[tuple[str, int, int, str]]:
    """(edge, line start, line end, key) of the first and last non-empty lines of text[start:end]."""
    lines: list[tuple[int, int]] = []
    at = start
    while at < end and len(lines) < _EDGE_LINES:
        visible = _VISIBLE.search(text, at, end)  # blank lines are skipped in one step, however many
        if visible is None:
            break
        at = text.rfind("\n", at, visible.start()) + 1 or at
        nl = text.find("\n", at, end)
        stop = end if nl < 0 else nl
        lines.append((at, stop))
        at = stop + 1
    tail: list[tuple[int, int]] = []
    at = end
    while at > start and len(tail) < _EDGE_LINES:
        last = start + len(text[start:at].rstrip())  # past trailing blank lines in one step
        if last <= start:
            break
        nl_after = text.find("\n", last, at)
        at = at if nl_after < 0 else nl_after
        nl = text.rfind("\n", start, at)
        begin = start if nl < 0 else nl + 1
        if (begin, at) not in lines and text[begin:at].strip(" \t\f\r"):
            tail.append((begin, at))
        at = begin - 1
    out = [("top", s, e, _key(text[s:e])) for s, e in lines]
    return out + [("bottom", s, e, _key(text[s:e])) for s, e in tail]


_NOT_KEY = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


# ASCII marks and spaces dropped, digits as "#", in one C call (the line's key is asked of every page edge)
_KEY_TABLE = str.maketrans(
    {**{c: None for c in map(chr, range(128)) if not c.isalnum()}, **{d: "#" for d in "0123456789"}}
)


def _key(line: str) -> str:
    """A line's identity across pages: its letters, each run of digits as #, spaces and marks aside (OCR
    reads one running line "P. 1/2" on a page and "P, 2/2" or "P.2/2" on the next; "P. 9/10", "P.10/10"). A case
    number is kept whole: a running "Case Number: CM16-..." line repeats one number, and a page that opens with
    another is another letter's first page (two letters in one PDF had been read as one, the second's header
    blanked; on a scan, a number a digit or two misread still joins its running line, `_near_key`)."""
    if not line.isascii():
        key = _DIGITS.sub("#", _NOT_KEY.sub("", line)).casefold()
    else:
        key = line.translate(_KEY_TABLE)
        while "##" in key:
            key = key.replace("##", "#")
        key = key.casefold()
    case = _CASE_NUMBER.search(line)
    return key + case.group(0).upper() if case is not None else key


_CASE_NUMBER = re.compile(r"\bCM\d{2}-\d{5,7}\b", re.I)


def _near_key(edge: str, key: str, seen: dict[tuple[str, str], set[int]]) -> str:
    """The key of a line already seen at this edge that `key` is a misreading or two from, else `key`."""
    if (edge, key) in seen or len(key) < 8:
        return key
    from rapidfuzz.distance import Levenshtein

    allowed = max(1, len(key) // 10)  # a misread letter in ten
    for other_edge, other in seen:
        if other_edge == edge and Levenshtein.distance(key, other, score_cutoff=allowed) <= allowed:
            return other
    return key


# an office's stamp at a page's edge, on one page or several: "RECEIVED FEB 03 2017", "FILED 02/06/2017", "COPY"
_STAMP = re.compile(
    r"[ \t]*(?:RECEIVED|FILED|SCANNED|FAXED|ENTERED|COPY|CONFIDENTIAL)"
    r"(?:[ \t]+(?:ON[ \t]+)?[A-Z0-9][A-Z0-9 ,./-]{0,24})?[ \t]*"
)


def _stamp_like(line: str) -> bool:
    """A short line that is no sentence ("CONFIDENTIAL", "COPY", "Smith & Lee LLP, Attorneys at Law"): one that
    stands at the same edge of every page is a stamp or a footer, not the letter's words."""
    words = line.split()
    return not _ANCHOR.search(line) and 0 < len(words) <= 10 and not line.rstrip().endswith((".", ",", ";", ":"))


def _headerish(line: str) -> bool:
    if _ANCHOR.search(line):
        return False
    if _HEADERISH.search(line):
        return True
    words = line.split()
    return 0 < len(words) <= 8 and not line.rstrip().endswith((".", ",", ";", ":")) and line.strip().istitle()


# -- page numbers however written ---------------------------------------------------------------------
#
# A page number is a short line at the same edge of several pages that reads the same on each but for one
# number that rises with the page: "Page - 3 -", "[3]", "Page iii", "CM16-0245466 - 3", "Pag e 3 of 4",
# "Página 3 de 4", "Page three of four". Found by that shape, not by a list of formats (each new format had
# passed a list unnoticed: a dropped page not seen, or a last page's "Page iv" read as the rationale's last words).
_PAGE_LINE_MAX = 48
_NOT_THE_NUMBER = re.compile(  # a case number, a date, a time, a phone number on the same line
    r"CM ?\d\d-\d{5,7}|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}:\d{2}(?::\d{2})?\b|\(?\d{3}\)?[ -]?\d{3}-\d{4}",
    re.I,
)
_PAGE_WORD_RX = re.compile(r"\bp(?:a ?g ?e|ág|ag|g)?(?:ina)?\b|\bp\.", re.I)
_NUMBER_WORDS = {w: k for w, k in NUMBER_WORDS.items() if k}  # a page is never page zero
_ROMAN = re.compile(r"^(?=[ivxl]+$)x{0,3}(?:ix|iv|v?i{0,3})$|^(?=[ivxl]+$)(?:xl|l?x{0,3})(?:ix|iv|v?i{0,3})$", re.I)
_PAGE_TOKEN = re.compile(r"[0-9]{1,6}|[A-Za-z]+")  # a Bates number is zero-padded ("WCAB000002")
_OF = frozenset({"of", "de", "0f", "/"})


def _roman(word: str) -> int | None:
    if not word or not _ROMAN.match(word):
        return None
    values = {"i": 1, "v": 5, "x": 10, "l": 50}
    total = 0
    low = word.lower()
    for k, c in enumerate(low):
        v = values[c]
        total += -v if k + 1 < len(low) and values[low[k + 1]] > v else v
    return total or None


def page_number(line: str) -> tuple[str, int, int | None] | None:
    """(the line's shape, its page number, the total printed) when `line` can be a page number line."""
    text = line.strip(" \t\f\r")
    if not text or len(text) > _PAGE_LINE_MAX or text.endswith((".", ",", ";", ":")):
        return None
    text = _NOT_THE_NUMBER.sub(" ", text)
    worded = _PAGE_WORD_RX.search(text) is not None
    numbers: list[tuple[int, int, int]] = []  # value, start, end
    for m in _PAGE_TOKEN.finditer(text):
        word = m.group(0)
        if word.isdigit():
            value: int | None = int(word)
        elif worded:
            value = _NUMBER_WORDS.get(word.lower()) or _roman(word)
        else:
            value = None
        if value is not None:
            numbers.append((value, m.start(), m.end()))
    if not numbers or len(numbers) > 2:
        return None
    n, total = numbers[0][0], None
    if len(numbers) == 2:
        between = text[numbers[0][2] : numbers[1][1]].strip().lower()
        if between not in _OF:
            return None
        total = numbers[1][0]
        if not 1 <= n <= total:
            return None
    words = [w for w in _PAGE_TOKEN.findall(text) if not w.isdigit()]
    padded = text[numbers[0][1]] == "0" and numbers[0][2] - numbers[0][1] >= 4  # a Bates number: any value
    if len(words) > 4 or not 1 <= n <= (999_999 if padded else 200):
        return None
    shape = text
    for _, a, b in reversed(numbers):
        shape = shape[:a] + "#" + shape[b:]
    return " ".join(shape.casefold().split()), n, total


PageNumbers = dict[int | None, set[int]]  # the page numbers printed, by the total printed with them


def page_numbers(text: str) -> PageNumbers:
    """The page numbers printed at the pages' edges, by the total printed with them (None: no total): lines of
    one shape at the edges of two pages or more, whose number rises with the page."""
    pages = _page_spans(text)
    return _as_numbers(_numbered_edges(text, [_edge_lines(text, s, e) for s, e in pages]))


def _as_numbers(groups: list[tuple[int | None, list[tuple[int, int, int, int]]]]) -> PageNumbers:
    return {total: {n for _, n, _, _ in entries} for total, entries in groups}


def _numbered_edges(
    text: str, edges: list[list[tuple[str, int, int, str]]]
) -> list[tuple[int | None, list[tuple[int, int, int, int]]]]:
    """(total, [(page index, number, line start, line end)]) for each page-number shape found (see above), from
    each page's edge lines."""
    # by shape, whichever edge: a short last page's only lines are both its top and its bottom
    groups: dict[tuple[str, int | None], list[tuple[int, int, int, int]]] = defaultdict(list)
    for index, lines in enumerate(edges):
        for _, s, e, _ in lines:
            found = page_number(text[s:e])
            if found is not None:
                shape, n, total = found
                entries = groups[(shape, total)]
                if not entries or entries[-1][0] != index:  # one per page
                    entries.append((index, n, s, e))
    out = []
    for (_, total), entries in groups.items():
        pages_seen = [index for index, _, _, _ in entries]
        numbers = [n for _, n, _, _ in entries]
        if len(set(pages_seen)) >= 2 and len(set(pages_seen)) == len(pages_seen) and numbers == sorted(set(numbers)):
            out.append((total, entries))
    return out


def blank_running_lines(text: str, misread: bool = False, numbers: PageNumbers | None = None) -> str:
    """Blank (same length) the header and footer lines that repeat at the same edge of several pages.
    `misread` (OCR text): a line read a little differently on each page ("FR0M" for "FROM") still repeats.
    `numbers`, when given, is filled with the page numbers found (see `page_numbers`): one pass over the edges."""
    pages = _page_spans(text)
    if len(pages) < 2:
        return text
    seen: dict[tuple[str, str], set[int]] = defaultdict(set)
    where: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    marks: list[tuple[int, int]] = []  # a page number alone on its line, at a page's edge: blanked, however written
    edges = [_edge_lines(text, start, end) for start, end in pages]
    for index, lines in enumerate(edges):
        for edge, s, e, key in lines:
            if PAGE_MARK.fullmatch(text[s:e]) or _STAMP.fullmatch(text[s:e]):
                marks.append((s, e))
                continue
            if len(key) >= 4:
                if misread:
                    key = _near_key(edge, key, seen)
                seen[(edge, key)].add(index)
                where[(edge, key)].append((s, e))
    groups = _numbered_edges(text, edges)
    if numbers is not None:
        numbers.update(_as_numbers(groups))
    numbered = [(s, e) for _, entries in groups for _, _, s, e in entries]
    spans = (
        marks
        + numbered
        + [
            span
            for group, found in seen.items()
            if len(found) >= 2
            and len(found) * 2 >= len(pages)
            and (
                _headerish(line := text[where[group][0][0] : where[group][0][1]])
                or (len(found) == len(pages) and _stamp_like(line))
            )
            for span in where[group]
        ]
    )
    if not spans:
        return text
    chars = list(text)
    for s, e in spans:
        chars[s:e] = " " * (e - s)
    return "".join(chars)


# -- OCR confusions -----------------------------------------------------------------------------

_LOOKALIKE = {"l": "lI1|i", "I": "Il1|", "i": "il1|", "1": "1lI|", "O": "O0Q", "o": "o0", "0": "0OoQ"}
_ANCHOR_WORDS = (
    "Upheld",
    "Overturned",
    "Decision",
    "rationale",
    "guideline",
    "Claims",
    "Administrator",
    "MAXIMUS",
    "CLINICAL",
    "SUMMARY",
    "Application",
    "Received",
    "Assigned",
    "Injury",
    "Denial",
    "Priority",
    "original",
    "authorized",
    "medically",
    "necessary",
    "Certification",
    "Specialty",
    "Licensure",
    "remaining",
    "eligible",
)
_BY_LENGTH: dict[int, tuple[str, ...]] = {}
for _word in _ANCHOR_WORDS:
    _BY_LENGTH[len(_word)] = (*_BY_LENGTH.get(len(_word), ()), _word)
_TOKEN = re.compile(r"[A-Za-z]{6,}")


def _tolerant(word: str) -> re.Pattern[str]:
    parts = []
    for char in word:
        options = set(_LOOKALIKE.get(char, "")) | set(_LOOKALIKE.get(char.lower(), "")) | {char}
        if char.isalpha():
            options |= {char.lower(), char.upper()} if char in "lIiOo" else {char}
        parts.append("[" + "".join(sorted(re.escape(o) for o in options)) + "]")
    return re.compile(r"(?<![A-Za-z0-9])" + "".join(parts) + r"(?![A-Za-z0-9])")


_TOLERANT = tuple((word, _tolerant(word)) for word in _ANCHOR_WORDS)
# a label read with a semicolon for its colon ("Certification(s)/Specialty;", "30; Overturned")
_LABEL_SEMICOLON = re.compile(
    r"\b(?:Number|Assigned|Injury|Date|Priority|Received|Licensure|Specialty|guideline|rationale|Section\(s\)) ?;"
    r"|[;,](?=[ \t]*\n?[ \t]*(?:Upheld|Overturned)\b)"
)
_BORDER = re.compile(r"(?:(?<=\s)|^)[|\[\]](?=\s|\d|$)|(?<=\d)[|\]](?=\s|$)", re.M)
_DATE_LIKE = re.compile(r"(?<![\w/])[\dOoIl|]{1,2}/[\dOoIl|]{1,2}/[\dOoIl|]{2,4}(?![\w/])")
_CASE_LIKE = re.compile(r"\bC[MW][\dOoIl|]{2}-[\dOoIl|]{5,7}\b")
_DIGIT_FIX = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "W": "M"})


def _canonical(word: str) -> Callable[[re.Match[str]], str]:
    def replace(m: re.Match[str]) -> str:
        return m.group(0) if m.group(0).lower() == word.lower() else word

    return replace


def _near_anchor(m: re.Match[str]) -> str:
    """A token one letter away from an anchor word of the same length ("Deciston", "Certitication"), when
    it is not itself an English word ("dental", "maximum", "uphold", "receives" stay as printed) or it
    stands as a label, a colon or a mark read for one after it ("Specially:", "Specially\u2019")."""
    token = m.group(0)
    folded = token.casefold()
    for word in _BY_LENGTH.get(len(token), ()):
        target = word.casefold()
        if folded == target:
            return token
        if folded[0] == target[0] and sum(a != b for a, b in zip(folded, target, strict=True)) == 1:
            after, before = m.string[m.end() : m.end() + 1], m.string[m.start() - 1 : m.start()]
            labelled = after in _LABEL_MARKS or (before == "/" and word == "Specialty")  # "...(s)/Specially"
            return word if labelled or folded not in english_words() else token
    return token


_LABEL_MARKS = frozenset(":;")


# a line that ends a sentence with a comma for its period (1-bit faxes), before a new heading or label. A
# guideline's last words ("Special Studies,") are not enough without a label next: the comma may be the
# letter's own ("Section(s): Special Studies,\nSummary.")
_LINE_END_COMMA = re.compile(
    r"(?:\b(?:necessary|supported|indicated|warranted|reasonable|appropriate))?"
    r",(?=[ \t]*\n(?:[ \t]*[A-Z]))"
)
_BLOCK_LABEL = r"(?:Claims Administrator guideline|MAXIMUS guideline|Decision rationale)"  # an item's blocks
_LABEL_NEXT = re.compile(rf"[ \t]*\n[ \t]*{_BLOCK_LABEL}")


def _sentence_end(m: re.Match[str]) -> str:
    """A line-end comma is a period when the line ends a conclusion word, or a label line follows."""
    word = m.group(0)[:-1]
    if word or _LABEL_NEXT.match(m.string, m.end()):
        return word + "."
    return m.group(0)


# the partial-authorization heading's sentences, read with commas for periods
_HEADING_COMMA = re.compile(
    r"(?<=\S),(?=\s+(?:The remaining IMR e[lI1]igib[lI1]e|The original request|The Claims Administrator authorized)\b)"
    r"|(?<=was the original request),(?=\s)"
)
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d+ ?(?:mg|mcg|ml|g|%|mEq)\b)", re.I)
# a strength per one unit read with a letter for the 1 ("10mg/Iml", "5 mg/lml"): no word is "Iml"
_PER_ONE_UNIT = re.compile(r"(?:(?<=\dmg/)|(?<=\d mg/))[Il|](?=\s?ml\b)", re.I)
# IMR letters print straight quotes (35 of the 36 quoted lines in the dev letters' text layers); Tesseract's
# English model reads a quote as curly, by its guess of the side. OCR text gets the letters' own quotes.
_OCR_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'"})


# A speck read as a mark between words (same length: the mark becomes a space). A period between two
# lower-case words ("lumbar.spine", "times.a week"): a sentence that ends there starts with a capital, and
# the letters' prose has no such period (twice in 40 text layers, both "i.e."); web and mail addresses
# ("dir.ca.gov") are left alone. An apostrophe glued before a number ("Baclofen'100mg"), opening a word it
# never closes ("Right 'L5-S1"), or alone between spaces. The words stay marked unsure (`unlikely_marks` reads
# the words as OCR gave them), so a record they fall in still asks for a look.
_SPECK_PERIOD = re.compile(r"(?<=[a-z][a-z])\.(?=[a-z])|(?<=\s[a-z])\.(?=[a-z][a-z])")
_SPECK_APOSTROPHE = re.compile(
    r"(?<=[A-Za-z])'(?=\d+(?:\.\d+)? ?(?:mg|mcg|ml|gm|g|grams?|%)\b)"  # "Baclofen'100mg" (not "Jan'16": a year)
    r"|(?:(?<=\s)|^)'(?=[A-Z][^\s']*(?:\s|$))"  # "Right 'L5-S1" (not "Dec '16")
    r"|(?<=\s)'(?=\s|$)"
    r"|(?<=[a-rt-z])'(?=[ \t]+[A-Z\d])"  # "Treatment' 2016", "Initial' Care" (not "workers' comp", "Ruiz' back")
    r"|(?<=[a-z])''(?=[a-z])",  # "based''on"
    re.M,
)
# a mark alone between spaces (" . ", " , ", but not between digits: "0 . 5"), after a colon ("Section(s):.
# Manual"), a period doubled ("Methods.. Decision", not an ellipsis), a period glued between a word and a year
# and its comma ("Treatment.2016,"; never before other digits: "Xanax.25mg" is a dose)
_SPECK_MARK = re.compile(
    r"(?<![0-9][ \t])(?<=[ \t])[.,](?=[ \t])(?![ \t][0-9])|(?<=:)[.,](?=[ \t])|(?<=[a-z][.])[.](?![.])(?<![.]{3})"
    r"|(?<=[a-z]{3})\.(?=20\d\d[,;])"
)
_ADDRESS = re.compile(r"(?:https?:|www\.|@|\.(?:gov|com|org|edu|net|us)\b)", re.I)


def _speck_period(m: re.Match[str]) -> str:
    text = m.string
    start = max(text.rfind(" ", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
    ends = [i for i in (text.find(" ", m.end()), text.find("\n", m.end())) if i >= 0]
    word = text[start : min(ends) if ends else len(text)]
    return "." if _ADDRESS.search(word) else " "


_QUOTE_OPENS = re.compile(r"(?:^|(?<=[\s(]))'(?=\S)", re.M)
_QUOTE_CLOSES = re.compile(r"(?<=\S)'(?=[\s.,;:)!?]|$)", re.M)


def _speck_apostrophe(m: re.Match[str]) -> str:
    """A mark that opens or closes a quotation on its line ('Norco', 'physical therapy') is the letter's."""
    text = m.string
    line_start = text.rfind("\n", 0, m.start()) + 1
    line_end = text.find("\n", m.end())
    line_end = len(text) if line_end < 0 else line_end
    if _QUOTE_OPENS.match(text, m.start()) and _QUOTE_CLOSES.search(text, m.end(), line_end):
        return m.group(0)
    if _QUOTE_CLOSES.match(text, m.start()) and any(
        q.start() < m.start() for q in _QUOTE_OPENS.finditer(text, line_start, m.start())
    ):
        return m.group(0)
    return " " * len(m.group(0))


def repair_ocr(text: str) -> str:
    """Undo common OCR misreadings where the reading is unique (same length, OCR text only)."""
    text = text.translate(_OCR_QUOTES)
    if "." in text:
        text = _SPECK_PERIOD.sub(_speck_period, text)
    if "'" in text:
        text = _SPECK_APOSTROPHE.sub(_speck_apostrophe, text)
    text = _SPECK_MARK.sub(" ", text)
    for word, pattern in _TOLERANT:
        text = pattern.sub(_canonical(word), text)
    text = _TOKEN.sub(_near_anchor, text)
    text = _LINE_END_COMMA.sub(_sentence_end, text)
    text = _DECIMAL_COMMA.sub(".", text)
    text = _PER_ONE_UNIT.sub("1", text)
    text = _HEADING_COMMA.sub(".", text)
    text = _BORDER.sub(" ", text)
    text = _LABEL_SEMICOLON.sub(lambda m: m.group(0)[:-1] + ":", text)

    def digits(m: re.Match[str]) -> str:
        value = m.group(0)
        return value.translate(_DIGIT_FIX) if sum(c.isdigit() for c in value) >= 2 else value

    text = _DATE_LIKE.sub(digits, text)
    text = _LABEL_MID_LINE.sub(lambda m: m.group(1)[:-1] + "\n", text)
    text = _DECISION_JUNK.sub(lambda m: m.group(1) + " " * len(m.group(2)), text)
    return _CASE_LIKE.sub(lambda m: "CM" + m.group(0)[2:].translate(_DIGIT_FIX), text)


# "Lumbar support: Upheld -", "... Overturned'" : marks a speck or a rule left after a heading's decision word
_DECISION_JUNK = re.compile(
    r"(:\s*(?:Upheld|Overturned))([ \t]*[-_~|.,:;'\u2019\u2014\u2013]{1,3})(?=[ \t]*(?:\n|\f|$))"
)
# an item's block labels start their own line in every letter; OCR sometimes reads the line before onto the
# same line ("... day supply: 30: Overturned Claims Administrator guideline: ..."): the break is put back
_LABEL_MID_LINE = re.compile(rf"(?<=\S)([ \t]+)(?={_BLOCK_LABEL}[ \t]*:)")
