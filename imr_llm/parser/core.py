"""Run the parser steps for the detected layout and assemble the record."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from imr_llm.care import with_care
from imr_llm.care.drugs import ingredients_named
from imr_llm.errors import NotAnImrLetter
from imr_llm.parser.case_summary import denied_drugs_not_decided, parse_patient, prose_date, summary_span
from imr_llm.parser.context import ParseContext
from imr_llm.parser.diagnoses import parse_diagnoses, with_codes
from imr_llm.parser.header import header_end, parse_header
from imr_llm.parser.layouts import UNCOUNTED, Layout, detect_layout, first_letter
from imr_llm.parser.layouts.labelled import HEADER_DATE_LABEL
from imr_llm.parser.ocr_review import (
    blocks_not_read,
    corroborate_decisions,
    low_confidence_warnings,
    misread_word_warnings,
    unfinished_sentences,
    what_may_be_missing,
)
from imr_llm.parser.reasons import forget_sentences
from imr_llm.parser.reviewer import parse_reviewer
from imr_llm.parser.scan_requests import readable_requests
from imr_llm.schema import DisputedItem, LetterRecord, Source
from imr_llm.textclean import EXPLICIT_PAGE_MARK, PAGE_MARK, PageNumbers, page_numbers
from imr_llm.textnorm import FlatText, flatten

if TYPE_CHECKING:
    from imr_llm.loaders import LoadedLetter
    from imr_llm.loaders.ocr import OcrWord

# The longest real letters are a few tens of thousands of characters; reading more than this only
# costs time on inputs that are not one letter (the parser reads the first letter of a file anyway).
MAX_LETTER_CHARS = 250_000
_PROSE_DATES = ("date_of_injury", "ur_determination_date")
_SUMMARY_REACH = 12_000  # case summaries are a few thousand characters; bounded work on odd input


@dataclass(frozen=True)
class ParsedLetter:
    """One letter as read once: the text the parser and the prompt both read (capped, cleaned,
    de-wrapped, the first letter of a file that holds several), its layout (None: not an IMR letter),
    and what the reading noticed. The parser, the LLM prompt and the failure path share it."""

    text: FlatText
    layout: Layout | None
    warnings: tuple[str, ...] = ()


def read_letter(raw: str, source: Source | None = None) -> ParsedLetter:
    ocr = source is not None and source.ocr is not None
    cut = len(raw) > MAX_LETTER_CHARS
    raw = _without_running_case_lines(raw[:MAX_LETTER_CHARS] if cut else raw)
    text = flatten(raw, ocr=ocr)
    warnings = []
    if cut:
        warnings.append(
            f"text longer than {MAX_LETTER_CHARS:,} characters: only the start was read (one letter is far shorter)"
        )
    layout = detect_layout(text.flat)
    if layout is None:
        return ParsedLetter(text, None, tuple(warnings))
    text, more = first_letter(text, layout)
    if more == UNCOUNTED:
        warnings.append(
            "the file has too many lines that could open another letter to check them all: it may hold more than "
            "one letter (split the file if it does)"
        )
    elif more:
        warnings.append(
            f"the file holds {more + 1} letters; only the first was read (split the file to read the others)"
        )
    return ParsedLetter(text, layout, tuple(warnings))


_CASE_LINE = re.compile(r"(?m)^[^\S\n]*Case Number:[^\S\n]*(CM\d{2}-\d{5,7})[^\S\n]*$")


def _without_running_case_lines(raw: str) -> str:
    """The letter's own "Case Number: CM..." repeated alone on a line atop a later page (no header after it) is a
    running line, blanked (same length): it is neither a new letter nor part of the request heading below it."""
    if raw.count("Case Number:") < 2:
        return raw
    lines = list(_CASE_LINE.finditer(raw))
    if len(lines) < 2:
        return raw
    first = lines[0].group(1)
    out = raw
    for m in lines[1:]:
        if m.group(1) == first and HEADER_DATE_LABEL.search(raw, m.end(), m.end() + 200) is None:
            out = out[: m.start()] + " " * (m.end() - m.start()) + out[m.end() :]
    return out


def letter_text(raw: str, source: Source | None = None) -> FlatText:
    """The text the parser reads (see `read_letter`)."""
    return read_letter(raw, source).text


# "Page 2 of 4" anywhere on a line, and a fax's transmission line "... FROM: ... P. 2/4"
_PAGE_OF = re.compile(r"\b(?:Page|Pg|P)\.?:?[ \t]*(\d{1,3})[ \t]*(?:of|0f|/)[ \t]*(\d{1,3})\b", re.I)
_PAGE_WORDS = ("Page", "PAGE", "page", "Pg", "PG", "pg")  # neither these nor a fax's "P. 2/4": no search
_FAX_PAGE = re.compile(r"P\.? ?\d{1,3} ?/ ?\d")


_MARK_LINE = re.compile(r"(?m)^(?:" + PAGE_MARK.pattern + r")$", re.I)
_TEXT_LINE = re.compile(r"(?m)^[^\S\n]*\S.*$")


def _at_page_edge(raw: str, start: int, end: int) -> bool:
    """The line raw[start:end] is among the first two or the last two non-empty lines of its page."""
    page_start = raw.rfind("\f", 0, start) + 1
    page_end = raw.find("\f", end)
    page_end = len(raw) if page_end < 0 else page_end
    before = len(_TEXT_LINE.findall(raw, page_start, start))
    after = len(_TEXT_LINE.findall(raw, end, page_end))
    return before < 2 or after < 2


def pages_not_here(
    raw: str, scanned: bool = False, read: int | None = None, printed: PageNumbers | None = None
) -> str | None:
    """A letter whose pages are numbered ("Page 2 of 4", "Page 2/4", "2 of 4", "Page 2", "- 2 -", as other copies
    of a letter, or a fax, may be) says which pages are not here: numbered pages, two at least (a rationale
    citing "page 2 of 5" of a report is one), from the first one seen to the total, or to the last one seen
    when no total is printed. MAXIMUS's own letters carry no page numbers; then nothing is said. On a scan
    (`scanned`), whose page numbers OCR can misread, only the printed total against the pages `read` counts."""
    numbered: dict[int | None, set[int]] = {}
    labelled = any(word in raw for word in _PAGE_WORDS) or _FAX_PAGE.search(raw) is not None
    for m in _PAGE_OF.finditer(raw) if labelled else ():
        page, total = int(m.group(1)), int(m.group(2))
        if 1 <= page <= total:
            numbered.setdefault(total, set()).add(page)
    paged = "\f" in raw
    for found in _MARK_LINE.finditer(raw):  # candidate lines in one pass (C speed); each then judged
        line = found.group(0)
        mark = PAGE_MARK.fullmatch(line)
        if mark is None or (labelled and _PAGE_OF.search(line)):
            continue  # not a page number, or "Page N of M" already counted
        at = found.start() + len(line) - len(line.lstrip(" \t\f\r"))  # past a form feed that opens the line
        if not EXPLICIT_PAGE_MARK.fullmatch(line) and not (paged and _at_page_edge(raw, at, found.end())):
            continue  # a bare number counts only at a page's edge
        number = int(mark.group("n"))
        of = int(mark.group("m")) if mark.group("m") else None
        if of is None or 1 <= number <= of:
            numbered.setdefault(of, set()).add(number)
    # page numbers however written: a short line at a page edge whose one number rises (`printed`: as the
    # text's cleanup found them, so the edges are not read twice)
    shaped = printed if printed is not None else (page_numbers(raw) if "\f" in raw else {})
    for of, numbers in shaped.items():
        numbered.setdefault(of, set()).update(n for n in numbers if of is None or n <= of)
    if not numbered:
        return None
    most, seen = max(numbered.items(), key=lambda kv: len(kv[1]))
    if scanned:
        # OCR misreads a page number ("P. 2/4" as "P. 7/4"): on a scan only the count is trusted, the total
        # printed against the pages read
        if most is None or read is None or read >= most or len(seen) < 2:
            return None
        return f"the letter's pages are numbered 'of {most}' but {read} page(s) were read: a page may be missing"
    last = most if most is not None else max(seen)
    missing = [n for n in range(min(seen), last + 1) if n not in seen]
    if len(seen) < 2 or not missing:
        return None
    listed = ", ".join(str(n) for n in missing)
    how = f"'of {most}'" if most is not None else "in order"
    return f"the letter's pages are numbered {how} and page {listed} is not here: a page may be missing"


_EARLIEST_INJURY = 1950  # a date of injury before this is a slip ("11/02/1916"), not a working life
_CASE_SHAPE = re.compile(r"CM ?\d{2}-\d{7}")
# "01/01/2015 - Present", "01/01/2015 and 11/02/2016", "01/01/2015 / 11/02/2016", "01/01/2015, 11/02/2016"
_SECOND_DATE = re.compile(
    r"[ \t]*(?:-|–|to|through|thru|and|&|/|,|;)[ \t]*"
    r"(?:\d{1,2}[/-]\d{1,2}[/-]\d{2,4}|present|current|ongoing|continuing|now)\b",
    re.I,
)
_RANGE_AFTER = re.compile(r"\s*(?:-|–|to|through|thru)\s*\d{1,2}[/-]\d{1,2}[/-]\d{2,4}", re.I)
# "02/03/2017 (revised 02/10/2017)": a second date in brackets after the value
# (a bracket that opens the next label, "(UR Denial Date: 12/28/2016" on a scan, is not one)
_BRACKETED_DATE = re.compile(
    r"[ \t]*[(\[][ \t]*(?:(?:revised|amended|corrected|updated|re-?issued|reissue|formerly|originally|previously|"
    r"was|new|or|and|also)\b[ \t:]*)?\d{1,2}[/-]\d{1,2}[/-]\d{2,4}",
    re.I,
)
_SPACED_DATE = re.compile(r"[ \t]+(?P<date>\d{1,2}[/-]\d{1,2}[/-]\d{2,4})\b")
# the header's other dates: the decision date starts the appeal clock, so a second one is never passed over
_OTHER_DATES = ("decision_date", "ur_determination_date", "application_received_date", "date_assigned")


def _another_date_after(raw: str, end: int, values: frozenset[int] | None = None) -> bool:
    """A second date right after a header value: "10/23/2016, 11/02/2016", "02/03/2017 (revised 02/10/2017)", or
    only spaces between ("12/30/2016 12/31/2016"; asked only with `values`, where the header's values start, since
    a header printed in columns puts two labels' values on one line)."""
    if _SECOND_DATE.match(raw, end) or _BRACKETED_DATE.match(raw, end):
        return True
    spaced = _SPACED_DATE.match(raw, end) if values is not None else None
    return spaced is not None and values is not None and spaced.start("date") not in values


def _plausible_header(ctx: ParseContext, fields: dict[str, Any]) -> None:
    """Header values taken as written but unlike any IMR's: said, so the page does not state them as read."""
    injury = fields.get("date_of_injury")
    if isinstance(injury, dt.date) and injury.year < _EARLIEST_INJURY:
        ctx.warn(f"date_of_injury: {injury.isoformat()} is before {_EARLIEST_INJURY}; check it against the letter")
    span = ctx.evidence.get("date_of_injury")
    if span is not None and _RANGE_AFTER.match(ctx.text.raw, span["end"]):
        ctx.warn("date_of_injury: the letter gives a range (a cumulative injury); its first date was taken")
    # on a scan a date after a value may be a damaged label's (said by the header's own checks), so only typed text
    values = frozenset(at["start"] for at in ctx.evidence.values()) if ctx.ocr is None else None
    ranged = span is not None and _RANGE_AFTER.match(ctx.text.raw, span["end"]) is not None
    if span is not None and not ranged and _another_date_after(ctx.text.raw, span["end"], values):
        ctx.warn("date_of_injury: the letter gives more than one date (or a range to the present); its first was taken")
    for name in _OTHER_DATES:
        at = ctx.evidence.get(name)
        if at is not None and _another_date_after(ctx.text.raw, at["end"], values):
            ctx.warn(
                f"{name}: the letter gives more than one date here; its first was taken; check it against the letter"
            )
    age, decided = fields.get("patient_age"), fields.get("decision_date")
    born_by = decided.year - age - 1 if isinstance(age, int) and isinstance(decided, dt.date) else None
    if isinstance(injury, dt.date) and born_by is not None and injury.year < born_by:  # before the worker was born
        ctx.warn(
            f"date_of_injury: {injury.isoformat()} is before the worker was born (aged {age} at the decision); "
            "check it against the letter"
        )
    case = fields.get("case_number")
    if isinstance(case, str) and not _CASE_SHAPE.fullmatch(case):
        ctx.warn(f"case_number: {case!r} is not the usual CM##-####### shape; check it against the letter")
    elif isinstance(case, str) and (at := ctx.evidence.get("case_number")) and _case_goes_on(ctx.text.raw, at):
        # "CM16-02454660", "CM16-0245466A", "CM16-0245466-1", "CCM16-...", a second number beside it
        ctx.warn(f"case_number: the letter's number goes on past {case!r}; check it against the letter")


_ANOTHER_CASE = re.compile(r"[ \t]*(?:,|/|and|&)?[ \t]*CM ?\d{2}-\d")


def _case_goes_on(raw: str, at: dict[str, int]) -> bool:
    after, before = raw[at["end"] : at["end"] + 2], raw[max(0, at["start"] - 1) : at["start"]]
    return (
        after[:1].isalnum()
        or re.match(r"-\w", after) is not None
        or before.isalpha()
        or _ANOTHER_CASE.match(raw, at["end"]) is not None
    )


_PAGE_MIN = 300  # characters of a page worth comparing (a short last page may well repeat a closing)
_SAME_SCAN = 95.0  # rapidfuzz ratio of two OCR readings of one page


# a page that ends a sentence, then one that starts inside a sentence ("... not medically necessary." / "request a
# back support. However, ..."): on the 213 page breaks of the 149 real PDFs here, never; a page of another letter,
# or pages out of order, put there
_PAGE_SEAM = re.compile(r"[.!?][\"'\u201d\u2019)]*[ \t\r\n]*\f[ \t\r\n\f]*(?=[a-z])")


def page_out_of_place(raw: str) -> str | None:
    """The first page of a text layer that starts inside a sentence the page before it never began (see
    `_PAGE_SEAM`); None when each page goes on from the one before it."""
    m = _PAGE_SEAM.search(raw) if "\f" in raw else None
    if m is None:
        return None
    page = raw.count("\f", 0, m.end()) + 1
    return (
        f"page {page} starts inside a sentence though page {page - 1} ended one: a page may be missing, out of "
        "order, or from another letter; check the requests against the letter"
    )


def page_read_twice(raw: str, scanned: bool = False) -> str | None:
    """A page that repeats another word for word (a page fed twice, or sent twice): its requests would be read
    twice. On a scan, two readings of one page differ by OCR noise: near-equal counts."""
    if "\f" not in raw:
        return None
    pages = [p.strip() for p in raw.split("\f")]  # a page fed twice gives the same text; a scan's, near the same
    seen: dict[str, int] = {}
    for n, page in enumerate(pages):
        if len(page) < _PAGE_MIN:
            continue
        first = seen.get(page)
        if first is None and scanned:
            from rapidfuzz import fuzz

            first = next(
                (
                    k
                    for k, other in enumerate(pages[:n])
                    if len(other) >= _PAGE_MIN and fuzz.ratio(page, other) >= _SAME_SCAN
                ),
                None,
            )
        if first is not None:
            return f"page {n + 1} repeats page {first + 1} (a page read twice?): its requests may be counted twice"
        seen[page] = n
    return None


def _items_read_twice(items: list[DisputedItem]) -> list[tuple[int, int]]:
    """Pairs of items with the same request and the same rationale (an item cannot be decided twice)."""
    first: dict[tuple[str, str], int] = {}
    out = []
    for j, item in enumerate(items):
        if not item.rationale:
            continue
        key = (" ".join(item.request.split()).casefold(), " ".join(item.rationale.split()))
        if key in first:
            out.append((first[key], j))
        else:
            first[key] = j
    return out


def _same_request_two_decisions(items: list[DisputedItem]) -> list[tuple[int, int]]:
    """Pairs of items whose requests read the same and whose decisions differ: the page would tell the worker the
    one request was both approved and not (two copies of a heading, one edited or misread)."""
    first: dict[str, int] = {}
    out = []
    for j, item in enumerate(items):
        # "Back support", "Back support.", "Back supports": one request, written two ways
        key = " ".join(w.removesuffix("s") for w in re.findall(r"\w+", item.request.casefold()))
        i = first.setdefault(key, j)
        if i != j and None not in (items[i].decision, item.decision) and items[i].decision != item.decision:
            out.append((i, j))
    return out


def _injury_told(ctx: ParseContext, header: object, span: tuple[int, int]) -> dt.date | None:
    """The case summary's date of injury when it is not the header's (a header of one letter above another's
    pages, or a slip in the letter): None when they agree or either is missing. The header's evidence is kept."""
    if not isinstance(header, dt.date):
        return None
    kept = ctx.evidence.get("date_of_injury")
    told = prose_date(ctx, "date_of_injury", span[0], span[1])
    if kept is not None:
        ctx.evidence["date_of_injury"] = kept
    else:
        ctx.evidence.pop("date_of_injury", None)
    return told if told is not None and told != header else None


# a case summary this long tells the story of the request (every real letter's names a request it decides); a
# shorter one may be a note too brief to name it
_SUMMARY_TELLS = 400
_NOT_NAMING = frozenset(
    """the and for with per from into onto without request requested right left bilateral times week weeks sessions
    session visits visit unit units purchase rental each daily trial additional continued spine""".split()  # noqa: SIM905
)


def _summary_names_a_request(summary: str, items: list[DisputedItem]) -> bool:
    """Some item's request is named in the case summary: one of its words (4 letters or more, not a count or
    a side), or one of its drugs by any name ("Naprosyn" for "Naproxen 500mg"). A case summary about other care
    (page 1 of one letter, then the items of another) names none."""
    if len(summary) < _SUMMARY_TELLS:
        return True
    lowered = summary.lower()
    drugs: frozenset[str] | None = None
    for item in items:
        words = [w for w in re.findall(r"[a-z]{4,}", item.request.lower()) if w not in _NOT_NAMING]
        if not words or any(w in lowered for w in words):
            return True
        asked = ingredients_named(item.request)
        if asked:
            drugs = ingredients_named(summary) if drugs is None else drugs
            if asked & drugs:
                return True
    return False


def _denied_not_decided(summary: str, items: list[DisputedItem]) -> list[str]:
    asked = frozenset(name for item in items for name in ingredients_named(item.request))
    return denied_drugs_not_decided(summary, asked)


def parse_letter(
    letter: LoadedLetter, *, enrich: bool = True, codes: bool = True, read: ParsedLetter | None = None
) -> LetterRecord:
    """Parse a loaded letter: its text, and for a scan the words' layout too (`read`: the letter as
    already read, so it is not read twice). `codes=False`: no ICD-10-CM codes (a summary shows none)."""
    read = read or read_letter(letter.text, letter.source)
    return parse_read(read, letter.source, enrich=enrich, codes=codes, words=letter.words)


def agrees_in_part(date: dt.date, partial: str) -> bool:
    """Whether a month/day/year reading that was read only in part ("11/30/201", "11/30/201 a") can be `date`: the
    month and day read whole are the date's, and the year read in part is how its year begins. A reading without
    a month, a day and a year's first digits in that order says nothing either way."""
    m = re.search(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{1,4})(?!\d)", partial)
    if m is None:
        return True
    month, day, year = m.groups()
    return int(month) == date.month and int(day) == date.day and f"{date.year}".startswith(year)


def parse_text(
    raw: str, source: Source | None = None, *, enrich: bool = True, words: Sequence[OcrWord] = ()
) -> LetterRecord:
    """Parse one letter's text.

    `enrich=False` skips what does not change the items found (each item's reason, the diagnoses'
    ICD-10-CM codes): several times faster, for when only the items count (an answer's token budget).
    Raises NotAnImrLetter when the text is not an IMR determination letter or
    no disputed item can be read from it.
    """
    return parse_read(read_letter(raw, source), source, enrich=enrich, words=words)


def parse_read(
    read: ParsedLetter,
    source: Source | None = None,
    *,
    enrich: bool = True,
    codes: bool = True,
    words: Sequence[OcrWord] = (),
) -> LetterRecord:
    """The record of a letter already read (see `parse_text`)."""
    forget_sentences()  # what is remembered is this letter's (its summary reuses it); a letter never another's
    layout = read.layout
    if layout is None:
        if read.warnings:  # only the start of a long file was read: a letter further in was never looked at
            raise NotAnImrLetter(
                f"not an IMR determination letter in its first {MAX_LETTER_CHARS:,} characters (no known layout "
                "found; the rest of the file is not read: put each letter in a file of its own)"
            )
        raise NotAnImrLetter("not an IMR determination letter (no known layout found)")
    text = read.text
    ctx = ParseContext(text, enrich=enrich, words=words, ocr=source.ocr if source is not None else None)
    for warning in read.warnings:
        ctx.warn(warning)
    fields: dict[str, Any] = {}
    if layout.header:
        fields.update(parse_header(ctx))
    fields["reviewer"] = parse_reviewer(ctx)

    span = summary_span(text.flat, layout.summary_stop)
    if span is None:
        ctx.warn("clinical case summary not found")
        lo, hi = header_end(text.flat), len(text.flat)
    else:
        lo, hi = span[0], min(span[1], span[0] + _SUMMARY_REACH)
        fields["clinical_summary"] = text.flat[lo:hi].strip() or None
        ctx.cite("clinical_summary", lo, hi)
    hi = min(hi, lo + _SUMMARY_REACH)
    fields["patient_age"], fields["patient_sex"] = parse_patient(ctx, lo, hi)
    fields["diagnoses"] = parse_diagnoses(ctx, lo, hi)
    for name in _PROSE_DATES:
        if fields.get(name) is None:
            fields[name] = prose_date(ctx, name, 0, len(text.flat))
            partial = ctx.partly_read.get(name)
            if fields[name] is not None and partial is not None and not agrees_in_part(fields[name], partial):
                # the header's own reading, in part ("11/30/201"), says another date than the text's ("01/30/2016"):
                # one of two readings is wrong, and which cannot be told
                ctx.warn(
                    f"{name}: the letter's text gives {fields[name]:%m/%d/%Y}, which the header's partly read "
                    f"{partial!r} does not match; left empty"
                )
                fields[name] = None
            if fields[name] is not None and layout.header and name in layout.header_values:
                # its header value was lost (on a scan, or a text letter's row left out): the case summary's date
                # may be another event's ("a prior date of injury of 03/04/2010", "her coworker was injured on")
                where = "the scan's" if ctx.ocr is not None else "the letter's"
                ctx.warn(f"{name}: not read from {where} header, only from the letter's text; check it")
    for name in layout.prose_dates:
        fields[name] = prose_date(ctx, name, 0, len(text.flat))
    if not layout.header and (source is None or source.ocr is None):
        # a letter with no header table states these dates in its prose: one its wording hides is said, not lost
        for name in _PROSE_DATES:
            if fields.get(name) is None:
                ctx.warn(f"{name}: not found in the letter's text (no header table); check it against the letter")

    _plausible_header(ctx, fields)
    items = layout.items(ctx)
    if not items:
        cut = (
            f" in its first {MAX_LETTER_CHARS:,} characters (the rest of the file is not read)"
            if read.warnings and any(w.startswith("text longer than") for w in read.warnings)
            else ""
        )
        raise NotAnImrLetter(f"looks like an IMR letter ({layout.name}) but no disputed item could be read{cut}")
    scanned = source is not None and source.ocr is not None
    pages = source.pages if source is not None else None
    if (missing := pages_not_here(text.raw, scanned, pages, text.page_numbers)) is not None:
        ctx.warn(missing)
    if (twice := page_read_twice(text.raw, scanned)) is not None:
        ctx.warn(twice)
    for i, j in _items_read_twice(items):
        ctx.warn(f"item {j + 1} repeats item {i + 1} word for word (a page read twice?); check the letter")
    for i, j in _same_request_two_decisions(items):
        ctx.warn(f"items {i + 1} and {j + 1} name the same request with opposite decisions; check the letter")
    if span is not None and (told := _injury_told(ctx, fields.get("date_of_injury"), span)) is not None:
        ctx.warn(
            f"date_of_injury: the header gives {fields['date_of_injury']}, the case summary {told} (one of them "
            "may be a slip); check it against the letter"
        )
    if span is not None and not _summary_names_a_request(text.flat[span[0] : span[1]], items):
        ctx.warn(
            "the case summary names none of the requests decided below: the pages may come from two letters; check "
            "that every page is this letter's"
        )
    if span is not None and (lost := _denied_not_decided(text.flat[span[0] : span[1]], items)):
        ctx.warn(
            f"the case summary names {' and '.join(lost)} among the requests denied or cut before, but no item below "
            "decides it: a page with more requests may be missing; check the letter"
        )
    if (source is None or source.ocr is None) and layout.header:
        # a text letter whose header lacks a row (or its value) the layout always prints: said, so the page does
        # not quietly lose "decided on" (a scan says so through `what_may_be_missing`)
        said = " ".join(ctx.warnings)
        for name in layout.header_values:
            if fields.get(name) is None and f"{name}:" not in said:
                ctx.warn(f"{name}: not found in the letter's header; check it against the letter")
    if source is None or source.ocr is None:
        blocks_not_read(ctx, items)  # a scan says so through `what_may_be_missing`, after its page warnings
        if (seam := page_out_of_place(ctx.text.raw)) is not None:  # a scan's page may start with specks
            ctx.warn(seam)
    if source is not None and source.ocr is not None:
        readable_requests(ctx, items)
        corroborate_decisions(ctx, items)
        what_may_be_missing(ctx, items, fields, header=layout.header_values if layout.header else ())
        unfinished_sentences(ctx, items)
        misread_word_warnings(ctx, items, fields)
        for warning in low_confidence_warnings(ctx.evidence, source.ocr.low_confidence):
            ctx.warn(warning)
    record = LetterRecord(
        **fields,
        disputed_items=items,
        template=layout.name,
        source=source or Source(),
        evidence=ctx.evidence,
        warnings=ctx.warnings,
        needs_review=bool(ctx.warnings),  # whatever the parser noticed, a person should look at
    )
    # each item's kind of care, drug and body site (imr_llm.care), with spans into the text read
    if not enrich:
        return record
    return with_care(with_codes(record) if codes else record, text.raw)
