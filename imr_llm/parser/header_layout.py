"""The header table of a scanned letter, read by its layout: each label paired with the value on its row.

OCR returns a two-column table's words in an order that depends on the scan (a skew of a degree
can put the right column's value on the left label's line), so reading the header in text order
can give a field its neighbour's value: a decision date that is really the UR denial date. Here
each label is found among the words of the top of the first page, and its value is the run of
words to its right whose vertical middle lies within the label's row, up to the next label on that
row. A value is kept only when every word of it was read with good confidence and its second
reading agreed (`OcrInfo.unconfirmed`); otherwise the field is left empty with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from imr_llm.schema import Span

if TYPE_CHECKING:
    from imr_llm.loaders.ocr import OcrWord

HEADER_SHARE = 0.45
MIN_CONFIDENCE = 60.0  # below this a header value is left empty
CHECK_CONFIDENCE = 80.0  # below this it is kept, and the record asks for a look

# field -> the label's words (lower case, letters only); a label may wrap onto the next line
LABELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("case_number", ("case", "number")),
    ("date_assigned", ("date", "assigned")),
    ("date_of_injury", ("date", "of", "injury")),
    ("decision_date", ("decision", "date")),
    ("ur_determination_date", ("ur", "denial", "date")),
    ("priority", ("priority",)),
    ("application_received_date", ("application", "received")),
)


@dataclass(frozen=True)
class LayoutValue:
    field: str
    text: str  # the value's words as read, joined by spaces ("" when the label has nothing on its row)
    start: int  # raw offsets of the value in the OCR text
    end: int
    confidence: float  # the least sure word
    confirmed: bool  # no word of it was read differently the second time
    words: tuple[OcrWord, ...] = ()  # the words of the run, left to right

    def narrowed(self, word: OcrWord, token: str, start: int, end: int, unconfirmed: Sequence[Span]) -> LayoutValue:
        """The value as one word of its run (`token`, at raw [start, end) inside it), without the specks beside it."""
        confirmed = not any(s.start < word.end and word.start < s.end for s in unconfirmed)
        return LayoutValue(self.field, token, start, end, word.confidence, confirmed, (word,))


@dataclass(frozen=True)
class _Label:
    field: str
    words: tuple[OcrWord, ...]

    @property
    def left(self) -> int:
        return min(w.left for w in self.words)

    @property
    def right(self) -> int:
        return max(w.right for w in self.words if w.line == self.words[0].line)

    @property
    def top(self) -> int:
        return min(w.top for w in self.words if w.line == self.words[0].line)

    @property
    def bottom(self) -> int:
        return max(w.bottom for w in self.words if w.line == self.words[0].line)


_INK = re.compile(r"[A-Za-z0-9]")


def _token(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _same(word: str, wanted: str) -> bool:
    if len(wanted) <= 3:
        return word == wanted
    return word == wanted or fuzz.ratio(word, wanted) >= 75


def _labels(words: Sequence[OcrWord]) -> list[_Label]:
    found: list[_Label] = []
    used: set[int] = set()
    tokens = [_token(w.text) for w in words]
    for field, label in LABELS:
        for k in range(len(words)):
            if k in used or not _same(tokens[k], label[0]):
                continue
            picked = [k]
            at = k
            for part in label[1:]:
                nxt = at + 1
                # the next word of the label: on the same line, or (a wrapped cell) the first word below it
                candidates = [j for j in range(nxt, min(len(words), nxt + 12)) if j not in used]
                match = next(
                    (
                        j
                        for j in candidates
                        if _same(tokens[j], part) and _near(words[at], words[j]) and _opens_its_cell(words, at, j)
                    ),
                    None,
                )
                if match is None:
                    break
                picked.append(match)
                at = match
            if len(picked) == len(label):
                used.update(picked)
                found.append(_Label(field, tuple(words[j] for j in picked)))
                break
    return found


def _opens_its_cell(words: Sequence[OcrWord], at: int, j: int) -> bool:
    """Word j, on the line below word `at`, is where its cell's line starts: no word of that line stands
    between the label's left edge and it. A label wraps onto the cell's next line ("Application" /
    "Received:"); "Decision" above the next row's garbled "Briesuon Date:" is no "Decision Date" (that
    reading gave the decision date the Date Assigned row's date)."""
    a, b = words[at], words[j]
    if b.line == a.line:
        return True
    height = max(1, a.bottom - a.top)
    return not any(w.line == b.line and a.left - height <= w.left < b.left for w in words if w is not b)


def _near(a: OcrWord, b: OcrWord) -> bool:
    """b follows a within a label: next on the same line, or the cell's next line just below."""
    height = max(1, a.bottom - a.top)
    if b.line == a.line:
        return 0 <= b.left - a.right < 4 * height
    # the line below (a blot beside a word widens its box on a dark copy, so the two boxes may overlap):
    # starting where it starts, or under it
    below = (b.top + b.bottom) / 2 - (a.top + a.bottom) / 2 > 0.5 * height and b.top - a.bottom < 1.5 * height
    return below and (abs(b.left - a.left) < 3 * height or a.left <= b.left <= a.right)


def layout_values(words: Sequence[OcrWord], unconfirmed: Sequence[Span] = ()) -> dict[str, LayoutValue]:
    """The header's values by field, each read from its label's row (only labels that were found)."""
    top = [w for w in words if w.page == 0 and w.bottom < HEADER_SHARE * (w.page_height or 10**9)]
    labels = _labels(top)
    label_words = {id(w) for lab in labels for w in lab.words}
    out: dict[str, LayoutValue] = {}
    for label in labels:
        middle_top, middle_bottom = label.top, label.bottom
        height = max(1, middle_bottom - middle_top)
        others = [o.left for o in labels if o is not label and o.left > label.right and _rows_meet(o, label)]
        stop = min(others) if others else 10**9
        centre = (middle_top + middle_bottom) / 2
        row = sorted(
            (
                w
                for w in top
                if id(w) not in label_words
                and _INK.search(w.text)  # a table rule read as "_", "|" or "~" is not a value
                and w.left >= label.right - height // 2
                and w.right <= stop + height
                and abs((w.top + w.bottom) / 2 - centre) < 0.5 * height
            ),
            key=lambda w: w.left,
        )
        value = _first_run(row, height)
        if not value:
            out[label.field] = LayoutValue(label.field, "", 0, 0, 0.0, False)
            continue
        spans = [(w.start, w.end) for w in value]
        confirmed = not any(s.start < e and b < s.end for b, e in spans for s in unconfirmed)
        out[label.field] = LayoutValue(
            label.field,
            " ".join(w.text for w in value),
            min(b for b, _ in spans),
            max(e for _, e in spans),
            min(w.confidence for w in value),
            confirmed,
            tuple(value),
        )
    return out


def _rows_meet(a: _Label, b: _Label) -> bool:
    return a.top < b.bottom and b.top < a.bottom


_LABEL_STARTS = frozenset(label[0] for _, label in LABELS)


def _first_run(row: list[OcrWord], height: int) -> list[OcrWord]:
    """The words of the value: from the first on the row, while the gap to the next stays small, up to a word
    that starts another label."""
    run: list[OcrWord] = []
    for word in row:
        if run and (word.left - run[-1].right > 3 * height or _token(word.text) in _LABEL_STARTS):
            break
        run.append(word)
    return run
