"""Values read from words that OCR was unsure of: named in the warnings, so the record needs review."""

from __future__ import annotations

import re
from bisect import bisect_right

from imr_llm.schema import Span

# the values a reader acts on: an unsure reading of one of these must be checked against the letter
_KEY_VALUE = re.compile(
    r"^(?:case_number|date_of_injury|ur_determination_date|application_received_date|decision_date|"
    r"date_assigned|patient_age|disputed_items\.\d+\.(?:request|decision))$"
)


def low_confidence_warnings(evidence: dict[str, dict[str, int]], low: list[Span]) -> list[str]:
    """One warning per key value whose evidence overlaps a low-confidence OCR span (sorted, merged)."""
    if not low:
        return []
    starts = [s.start for s in low]
    out = []
    for path, span in evidence.items():
        if not _KEY_VALUE.match(path):
            continue
        k = bisect_right(starts, span["end"] - 1) - 1  # the last low span starting inside or before
        if k >= 0 and low[k].end > span["start"]:
            out.append(f"{path}: read by OCR with low confidence; check it against the letter")
    return sorted(out)
