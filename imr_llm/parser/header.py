"""The header block: case number, dates, priority.

The block is two label/value columns. `pdftotext -raw` interleaves them line by
line, `-layout` may put a value between the two words of a label
("Application 12/19/2016 Received:"), and plain `pdftotext` prints all labels
of a column and then all its values. So labels and values are read as one
token stream and each value goes to the oldest waiting label that accepts it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence

from imr_llm.fields import HEADER_DATE_FIELDS
from imr_llm.parser.context import ParseContext
from imr_llm.parser.dates import HEADER_DATE, NUMERIC_DATE, parse_date
from imr_llm.parser.header_layout import CHECK_CONFIDENCE, MIN_CONFIDENCE, LayoutValue, layout_values
from imr_llm.parser.layouts.labelled import header_start
from imr_llm.schema import Span

_HEADER_END = re.compile(
    r"HOW THE IMR FINAL|Dear\b|DEAR\b|Final Determination:|INDEPENDENT MEDICAL REVIEW DECISION|"
    r"CLINICAL CASE SUMMARY|ISSUE AT DISPUTE|DOCUMENTS REVIEWED|has completed the Independent"
)

# label text -> field; None marks labels we recognise but do not keep (redacted in posted letters)
_LABELS: tuple[tuple[str, str | None], ...] = (
    (r"(?:IMR )?Case ?(?:Number|No\.?):", "case_number"),
    (r"Date ?Assigned:", "date_assigned"),
    (r"Date ?of ?Injury:", "date_of_injury"),
    (r"Decision ?Date:", "decision_date"),
    (r"Dated:", "decision_date"),
    (r"UR ?Denial ?Date:", "ur_determination_date"),
    (r"Priority:", "priority"),
    (r"Application(?: ?Received:|(?= \d)| ?Date:)", "application_received_date"),
    (r"Received:", None),
    (r"(?:Claim|Employee|Provider|Employer) ?(?:Number|Name):", None),
)
_VALUE_KINDS = {
    "case": r"CM ?\d{2}-\d{5,7}",
    "date": HEADER_DATE,
    # a date-shaped value that does not read as a date (OCR damage): it still belongs to its label,
    # so the next label's value is not shifted onto this one
    "baddate": r"\d\S{0,2}[/-]\S{1,3}[/-]\S{2,4}(?=\s|$)",
    "priority": r"(?i:Standard|Expedited|Urgent)\b",
}
_TOKEN = re.compile(
    "|".join(f"(?P<L{i}>{pat})" for i, (pat, _) in enumerate(_LABELS))
    + "|"
    + "|".join(f"(?P<{kind}>{pat})" for kind, pat in _VALUE_KINDS.items())
)
_ACCEPTS: dict[str, tuple[str, ...]] = {
    "case_number": ("case",),
    "date_assigned": ("date", "baddate"),
    "date_of_injury": ("date", "baddate"),
    "decision_date": ("date", "baddate"),
    "ur_determination_date": ("date", "baddate"),
    "priority": ("priority",),
    "application_received_date": ("date", "baddate"),
}


def header_end(flat: str) -> int:
    m = _HEADER_END.search(flat, header_start(flat), 4000 + header_start(flat))
    return m.start() if m else min(len(flat), 1500)


def parse_header(ctx: ParseContext) -> dict[str, object]:
    """Header fields found in the block, with their evidence cited."""
    flat = ctx.flat
    start, end = header_start(flat), header_end(flat)
    waiting: list[str] = []
    out: dict[str, object] = {}
    label_at: dict[str, int] = {}  # where each field's label was read (flat offset)
    last_label = -1  # where the latest label was read
    next_to_label: set[str] = set()  # fields whose value follows their label with no other label between
    converters: dict[str, Callable[[str], object]] = {
        "case": lambda s: s.replace(" ", ""),
        "date": parse_date,
        "priority": lambda s: s,
    }
    tokens = list(_TOKEN.finditer(flat, start, end))
    scanned = bool(ctx.words)  # a scan's header is read by its layout (`_by_layout`), which says what it finds
    interleaved = _interleaved(tokens) and not scanned
    previous: str | None = None  # the field whose label was the last token read, still without its value
    for m in tokens:
        kind = m.lastgroup
        assert kind is not None
        if kind.startswith("L"):
            field = _LABELS[int(kind[1:])][1]
            if field is None:
                continue  # a label we do not keep (its value redacted): it separates nothing
            if interleaved and previous is not None and previous in waiting:
                # label, value, label, value ...: a label followed by the next label has no value of its own; the
                # next value is the next label's ("Decision Date: UR Denial Date: 11/29/2016")
                waiting.remove(previous)
                ctx.warn(f"{previous}: no value after its label; left empty")
            last_label = m.start()
            previous = None
            if field not in out and field not in waiting:
                waiting.append(field)
                label_at[field] = m.start()
                previous = field
            continue
        previous = None
        for i, field in enumerate(waiting):
            if kind in _ACCEPTS[field]:
                if kind == "baddate":
                    ctx.warn(f"{field}: {m.group(0)!r} is not a readable date; left empty")
                    ctx.partly_read.setdefault(field, m.group(0))
                    del waiting[i]
                    break
                value = converters[kind](m.group(0))
                if value is not None:
                    out[field] = value
                    ctx.cite(field, m.start(), m.end())
                    if last_label == label_at[field]:
                        next_to_label.add(field)
                elif not scanned:  # "02/30/2017": no such day; said, not dropped without a word
                    ctx.warn(f"{field}: {m.group(0)!r} is not a valid date; left empty")
                del waiting[i]
                break
    if not ctx.words and _value_first(tokens):
        for name in HEADER_DATE_FIELDS:
            if out.pop(name, None) is not None:
                ctx.evidence.pop(name, None)
        ctx.warn(
            "the header prints a date before its first date label (each value before its label?): which label a "
            "date is for cannot be told, so no header date was taken; check them"
        )
    elif not interleaved and not ctx.words:
        out = _paired(ctx, tokens, out)
    if ctx.words:
        out = _by_layout(ctx, out, next_to_label)
    return _in_order(ctx, out)


def _paired(ctx: ParseContext, tokens: list[re.Match[str]], out: dict[str, object]) -> dict[str, object]:
    """A header printed column by column (all its labels, then all its values): a date label with no value
    shifts every later date onto the wrong label, and which one lacks it cannot be told. With fewer dates than
    date labels, no date is taken from the header (each is said; the case summary's own dates may still be read)."""
    labels = [m for m in tokens if (m.lastgroup or "").startswith("L") and _field(m) in HEADER_DATE_FIELDS]
    dates = [m for m in tokens if m.lastgroup in ("date", "baddate")]
    if len(dates) == len({_field(m) for m in labels}):
        return out
    # more dates than labels: a label was damaged ("Date Assigned;"), and the dates after it moved onto the next
    # labels; fewer: a value is missing. Either way which date is whose cannot be told.
    for name in HEADER_DATE_FIELDS:
        if out.pop(name, None) is not None:
            ctx.evidence.pop(name, None)
    ctx.warn(
        f"the header has {len(dates)} date(s) for {len(labels)} date label(s), printed label column then value "
        "column: which date is whose cannot be told, so no header date was taken; check them"
    )
    return out


def _value_first(tokens: list[re.Match[str]]) -> bool:
    """A date read before any date label: the header gives each value before its label ("12/19/2016 Decision
    Date: 11/09/2016 UR Denial Date:"), and reading label then value would give each label the next row's date."""
    for m in tokens:
        if m.lastgroup in ("date", "baddate"):
            return True
        if (m.lastgroup or "").startswith("L") and _field(m) in HEADER_DATE_FIELDS:
            return False
    return False


def _interleaved(tokens: list[re.Match[str]]) -> bool:
    """The header is read label, value, label, value (`pdftotext -raw`, a text layer, OCR by lines), not all
    labels of a column and then their values: most labels we keep are followed at once by a value."""
    kept = [k for k, m in enumerate(tokens) if m.lastgroup and m.lastgroup.startswith("L") and _field(m) is not None]
    if len(kept) < 3:
        return False
    valued = sum(1 for k in kept if k + 1 < len(tokens) and not (tokens[k + 1].lastgroup or "L").startswith("L"))
    return valued * 5 >= len(kept) * 3


def _field(m: re.Match[str]) -> str | None:
    return _LABELS[int((m.lastgroup or "L0")[1:])][1]


# a scanned case number is taken only whole: every one of the 149 real letters here has 7 digits after the dash,
# and a shorter one read from a scan has lost a digit to a speck ("CM16-090019" + "g")
_CASE = re.compile(r"^CM ?\d{2}-\d{7}$")
_KIND = {
    "case_number": "case",
    "priority": "priority",
}


def _by_layout(ctx: ParseContext, text_order: dict[str, object], next_to_label: set[str]) -> dict[str, object]:
    """A scanned header: each field from the value on its label's row. A value read unsure, or not as
    its kind, is left empty with a warning; a field is never given another label's value. When a label is
    not found among the word boxes, the text's reading stands only when no other label was read between the
    label and its value (a value read after other labels is theirs: "UR Denial Date:" whose date OCR garbled
    had taken the application date, two labels on)."""
    found = layout_values(ctx.words, ctx.ocr.unconfirmed if ctx.ocr is not None else ())
    out: dict[str, object] = {}
    for field in _ACCEPTS:
        value = found.get(field)
        if value is None:  # the label itself was not read: keep the text's reading next to it, for review
            if field in text_order and field in next_to_label:
                out[field] = text_order[field]
                ctx.warn(f"{field}: its label was not found in the header's layout; check it against the letter")
            elif field in text_order:
                ctx.evidence.pop(field, None)
                ctx.warn(f"{field}: its label was not found in the header's layout, nor a value next to it; left empty")
            continue
        ctx.evidence.pop(field, None)
        if not value.text:
            ctx.warn(f"{field}: no value on its label's row; left empty")
            continue
        parsed = _convert(field, value.text)
        if parsed is None:
            ctx.warn(f"{field}: {value.text!r} is not a readable {_what(field)}; left empty")
            continue
        value = _without_specks(field, value, ctx.ocr.unconfirmed if ctx.ocr is not None else ())
        if not value.confirmed or (value.confidence < MIN_CONFIDENCE and not _read_twice(value.text)):
            ctx.warn(f"{field}: {value.text!r} was read by OCR without enough confidence; left empty")
            continue
        if value.confidence < MIN_CONFIDENCE:
            ctx.warn(f"{field}: read by OCR with low confidence (a second reading agreed); check it against the letter")
        elif value.confidence < CHECK_CONFIDENCE and not _read_twice(value.text):
            # a fair reading (60-80) of one clean case-number or date token that its second reading, alone and
            # enlarged, agreed on is corroborated: over the 280 scanned dev letters all 316 such values were
            # right, and the warning only made correct records look unsure. Other values still ask for a look.
            ctx.warn(f"{field}: read by OCR with low confidence; check it against the letter")
        if field in text_order and text_order[field] != parsed:
            ctx.warn(f"{field}: the layout gives {value.text!r}, the text order another value; the layout's is kept")
        out[field] = parsed
        ctx.cite_raw(field, value.start, value.end)
    return out


# one word of each kind, as MAXIMUS prints it: CM16-0233904, 01/06/2017 (two-digit month and day), Standard
_ALONE = {
    "case": _CASE,
    "date": re.compile(r"\d{2}/\d{2}/\d{4}"),
    "priority": re.compile(r"(?i:Standard|Expedited|Urgent)"),
}
_EDGE_SPECKS = re.compile(r"^[^0-9A-Za-z]+|[^0-9A-Za-z]+$")


def _core(token: str) -> str:
    """A token without the marks a speck, a table rule or a cell's edge left at its ends ("(01/11/2017)",
    "‘CM16-0247287", "|.CM17-0004738-", "—«01/20/2017"): no case number, date or priority begins or ends
    with anything but a letter or a digit. A digit or letter beside it is never cut ("1.CM17-...", "4 12/09/2016")."""
    return _EDGE_SPECKS.sub("", token)


def _without_specks(field: str, value: LayoutValue, unconfirmed: Sequence[Span]) -> LayoutValue:
    """A value whose run holds, besides one word of the field's kind, only specks without a digit ("aad
    01/06/2017", "~ Standard", or marks glued to the word itself: "(01/06/2017)"): judged by that word alone (its
    confidence, its second reading), so a blot beside a clean date does not empty it. A digit beside it
    ("4 12/09/2016") may be part of a damaged value: the whole run is judged, as before."""
    shape = _ALONE[_KIND.get(field, "date")]
    of_kind = [w for w in value.words if shape.fullmatch(_core(w.text))]
    if len(of_kind) != 1:
        return value
    word = of_kind[0]
    if any(c.isdigit() for w in value.words if w is not word for c in w.text):
        return value
    token = _core(word.text)
    if len(value.words) == 1 and token == value.text:
        return value
    lead = word.text.index(token)
    return value.narrowed(word, token, word.start + lead, word.start + lead + len(token), unconfirmed)


def _read_twice(text: str) -> bool:
    """A value that is one clean token of a case number or a date: its digits were read a second time, alone
    and enlarged, and the two readings agreed (an unsure word alone is never enough). Over the 280 scanned dev
    letters, 270 of 272 such values left empty for low confidence were right; the two wrong ones had a stray
    digit beside them (not one clean token) and are still left empty."""
    token = _core(text)
    # a priority is one of three words, none a misreading of another: its second reading agreeing is enough too
    return bool(_CASE.match(token) or re.fullmatch(NUMERIC_DATE, token) or _ALONE["priority"].fullmatch(token))


def _what(field: str) -> str:
    return {"case_number": "case number", "priority": "priority"}.get(field, "date")


def _convert(field: str, text: str) -> object | None:
    kind = _KIND.get(field, "date")
    text = _core(text)
    # the value's token among specks read beside it ("4 12/09/2016", "= Standard"): exactly one of its kind
    tokens = [_core(t) for t in text.split()]
    if kind == "case":
        found = [t for t in [text.replace(" ", ""), *tokens] if _CASE.match(t)]
        return found[0] if len({*found}) == 1 else None
    if kind == "priority":
        found = [t for t in tokens if re.fullmatch(_VALUE_KINDS["priority"], t)]
        return found[0] if len(found) == 1 else None
    found = [t for t in tokens if re.fullmatch(NUMERIC_DATE, t)]
    return parse_date(found[0]) if len(found) == 1 else None


# the order every IMR's dates keep: injury, UR denial, application, assignment, decision
_ORDER = HEADER_DATE_FIELDS
MAX_DECISION_DAYS = 90  # an IMR decides within weeks of the application; far more means a misread


def out_of_order(fields: Mapping[str, object]) -> dict[str, int]:
    """The header's date fields that break the order every IMR keeps (injury, UR denial, application, assignment,
    decision; a decision within `MAX_DECISION_DAYS` of the application), each with how many pairs it breaks."""
    dates = {f: v for f, v in fields.items() if f in _ORDER and isinstance(v, dt.date)}
    broken: dict[str, int] = {}
    names = [f for f in _ORDER if f in dates]
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            late = (
                a == "application_received_date"
                and b == "decision_date"
                and (dates[b] - dates[a]).days > MAX_DECISION_DAYS
            )
            if dates[a] > dates[b] or late:
                broken[a] = broken.get(a, 0) + 1
                broken[b] = broken.get(b, 0) + 1
    return broken


def _in_order(ctx: ParseContext, out: dict[str, object]) -> dict[str, object]:
    """Dates that break the order every IMR keeps are misread, or a neighbour's (a label with no value of its
    own took the next one's): the field(s) that break it are left empty with a warning, on a scan and in a text
    letter alike (none of the 150 real letters here breaks it; a wrong decision date moves the appeal window)."""
    while True:
        broken = out_of_order(out)
        if not broken:
            return out
        worst = max(broken.values())
        for field in [f for f, n in broken.items() if n == worst]:
            ctx.warn(f"{field}: {out[field]} breaks the order of the header dates; left empty")
            out.pop(field)
            ctx.evidence.pop(field, None)
