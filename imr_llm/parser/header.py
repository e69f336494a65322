"""The header block: case number, dates, priority.

The block is two label/value columns. `pdftotext -raw` interleaves them line by
line, `-layout` may put a value between the two words of a label
("Application 12/19/2016 Received:"), and plain `pdftotext` prints all labels
of a column and then all its values. So labels and values are read as one
token stream and each value goes to the oldest waiting label that accepts it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from imr_llm.parser.context import ParseContext
from imr_llm.parser.dates import NUMERIC_DATE, parse_date

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
    "date": NUMERIC_DATE,
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
    m = _HEADER_END.search(flat, 0, 4000)
    return m.start() if m else min(len(flat), 1500)


def parse_header(ctx: ParseContext) -> dict[str, object]:
    """Header fields found in the block, with their evidence cited."""
    flat = ctx.flat
    end = header_end(flat)
    waiting: list[str] = []
    out: dict[str, object] = {}
    converters: dict[str, Callable[[str], object]] = {
        "case": lambda s: s.replace(" ", ""),
        "date": parse_date,
        "priority": lambda s: s,
    }
    for m in _TOKEN.finditer(flat, 0, end):
        kind = m.lastgroup
        assert kind is not None
        if kind.startswith("L"):
            field = _LABELS[int(kind[1:])][1]
            if field is not None and field not in out and field not in waiting:
                waiting.append(field)
            continue
        for i, field in enumerate(waiting):
            if kind in _ACCEPTS[field]:
                if kind == "baddate":
                    ctx.warn(f"{field}: {m.group(0)!r} is not a readable date; left empty")
                    del waiting[i]
                    break
                value = converters[kind](m.group(0))
                if value is not None:
                    out[field] = value
                    ctx.cite(field, m.start(), m.end())
                del waiting[i]
                break
    return out
