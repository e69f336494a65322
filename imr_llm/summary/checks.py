"""Checks run on every summary, offline or LLM-assisted, and reported with it.

- reading ease of our own prose (quoted letter text excluded), by the language's formula;
- the opening: no double negative, and every count it states matches the items;
- every disputed item present, with exactly the decision of the record (right polarity);
- no item that the record does not have;
- every "Why" backed by the reviewer's own sentence(s) from that item's rationale, shown as a quote;
- every plain sentence a restatement of its source sentence: each of its words comes from that
  sentence, the request, the glossary or the language's reason frames; a negation in the source is
  kept (and none is added); it speaks of records only where the reviewer did; it promises nothing;
- every date, number and name (capitalised words, acronyms, drug and procedure words) traceable
  to the record, to the item's reason sentences, to the counts the summary states, or to the fixed
  wording of the language;
A summary that fails any of these is never shown as if it passed (see `render`).

Two targets are reported beside them as `notes`, not as failures: the reading level (a limit our own
prose should keep) and the length. A summary that reads at grade 8.3 is still right, and telling a worker
"do not rely on it" would be a false alarm; the notes still reject a model's rewrite and are measured by
`make summary-report`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from functools import cache

from pydantic import BaseModel, Field

from imr_llm.care.drugs import DOSE_ABBREVIATION
from imr_llm.fields import norm_text
from imr_llm.parser.dates import ANY_DATE, parse_date
from imr_llm.schema import LetterRecord
from imr_llm.summary import readability
from imr_llm.summary.languages import Counts, Language, get_language
from imr_llm.summary.model import PlainSentence, Summary
from imr_llm.summary.render import TEMPLATES, md_unescape
from imr_llm.summary.restate import DROPPABLE, PLAIN_TERM_PATTERNS, RESTATE_WORDS, core_of, plain_english
from imr_llm.summary.restate import NEGATION as EN_NEGATION
from imr_llm.summary.translate import faithful

_MEDICAL_WORD = re.compile(
    r"\b\w+(?:ectomy|otomy|plasty|scopy|graphy|gram|codone|morphone|profen|oxib|azepam|azolam|prazole|"
    r"tidine|triptan|tramadol|gabapentin|pregabalin|mycin|cillin|cycline|floxacin|sone|olone|caine|"
    r"therapy|injection|scan)\b",
    re.I,
)
_NAME = re.compile(r"(?<![.!?:]\s)(?<!^)\b(?:[A-Z]{2,}[A-Za-z0-9]*|[A-Z][a-z]+(?:[A-Z][a-z]+)*)\b", re.M)
_NUMBER = re.compile(r"\b\d+(?:[.,/]\d+)*\b")
MIN_WORDS = 120
WORDS_PER_ITEM = 190
BASE_MAX_WORDS = 520


class ItemCheck(BaseModel):
    number: int
    present: bool
    polarity_ok: bool
    reason_sourced: bool = Field(description="the Why rests on the reviewer's sentence(s) from this item's rationale")


class SummaryChecks(BaseModel):
    passed: bool
    lang: str
    grade: float | None = Field(default=None, description="Flesch-Kincaid grade of our prose (English)")
    ease: float | None = Field(default=None, description="Fernandez Huerta reading ease (Spanish)")
    target_met: bool
    opening_ok: bool = True
    items: list[ItemCheck]
    invented_items: list[str] = Field(default_factory=list)
    untraceable: list[str] = Field(default_factory=list)
    words: int
    length_ok: bool
    problems: list[str] = Field(default_factory=list, description="what makes the summary unsafe to rely on")
    notes: list[str] = Field(default_factory=list, description="targets missed (reading level, length), not failures")


_WORD = re.compile(r"[^\W\d_]+")
_ALNUM = re.compile(r"[^\W_]+")


def _tokens(text: str) -> frozenset[str]:
    """Words and numbers, as whole tokens ("40" is not in "1440")."""
    folded = text.casefold()
    # and letter-digit runs ("CM16" of "CM16-0219557"), the way a name in the page is matched
    return frozenset(_WORD.findall(folded)) | frozenset(_NUMBER.findall(folded)) | frozenset(_ALNUM.findall(folded))


@cache
def _fixed_wording(code: str) -> frozenset[str]:
    """Every word and number of the language's catalogue and of our templates: those need no support
    from the record."""
    language = get_language(code)
    templates = " ".join(p.read_text(encoding="utf-8") for p in TEMPLATES.iterdir() if p.name.endswith(".j2"))
    return _tokens(language.fixed_wording() + " " + templates)


_CARE_WORDS = frozenset(
    """surgery surgical surgeries operation injection injections shot shots therapy medicine medicines scan scans
    visit visits test tests equipment program treatment treatments care""".split()  # noqa: SIM905
)


@cache
def _frame_words(code: str) -> frozenset[str]:
    """The words a plain sentence may add to its source: the reason and next-step frames, the words the
    restatement brings (links, verbs) and the words "you" takes (verbs agree)."""
    language = get_language(code)
    frames = " ".join(text for path, text in language.c.strings() if path.startswith(("reason.", "next.")))
    return _tokens(f"{frames} {RESTATE_WORDS} you your are were have do don't aren't weren't haven't")


def _term_words(source: str) -> list[tuple[frozenset[str], frozenset[str]]]:
    """(the hard words, the plain words that may replace them) for each hard term `source` really has: a
    glossary word is never a free pass."""
    return [
        (_tokens(m.group(0)), _tokens(m.expand(replacement)))
        for pattern, replacement in PLAIN_TERM_PATTERNS
        for m in pattern.finditer(source)
    ]


def _record_text(record: LetterRecord) -> frozenset[str]:
    return _tokens(
        json.dumps(
            record.model_dump(mode="json", exclude={"evidence", "crosscheck", "llm", "source"}), ensure_ascii=False
        )
    )


def _record_dates(record: LetterRecord) -> set[dt.date]:
    dates = {
        d
        for d in (
            record.date_of_injury,
            record.ur_determination_date,
            record.application_received_date,
            record.decision_date,
            record.date_assigned,
            record.application_filed_date,
            record.notice_of_assignment_date,
        )
        if d is not None
    }
    for item in record.disputed_items:  # dates in the requests ("DOS: 11/11/2016") and rationales
        for m in re.finditer(ANY_DATE, f"{item.request} {item.rationale or ''}"):
            if (d := parse_date(m.group(0))) is not None:
                dates.add(d)
    return dates


def _dates_in(text: str, language: Language) -> list[tuple[str, dt.date | None]]:
    found: list[tuple[str, dt.date | None]] = []
    months = [m.casefold() for m in language.months]
    month_alt = "|".join(language.months)
    patterns = (
        (re.compile(rf"\b({month_alt}) (\d{{1,2}}), (\d{{4}})\b", re.I), (3, 1, 2)),
        (re.compile(rf"\b(\d{{1,2}}) de ({month_alt}) de (\d{{4}})\b", re.I), (3, 2, 1)),
    )
    for pattern, (y, mo, d) in patterns:
        for m in pattern.finditer(text):
            month = months.index(m.group(mo).casefold()) + 1
            found.append((m.group(0), _safe_date(int(m.group(y)), month, int(m.group(d)))))
    for m in re.finditer(r"\b(\d{1,2})[/-](\d{1,2})[/-](\d{2,4})\b", text):
        year = int(m.group(3)) + (2000 if len(m.group(3)) == 2 else 0)
        found.append((m.group(0), _safe_date(year, int(m.group(1)), int(m.group(2)))))
    return found


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _opening(text: str, language: Language) -> str:
    """The opening paragraph: after the title (and case line), before the first heading."""
    end = text.find(language.decided_heading)
    head = text[: end if end >= 0 else len(text)]
    paragraphs = [p.strip() for p in head.split("\n\n") if p.strip()]
    return max(paragraphs, key=len) if paragraphs else ""


def _sections(text: str, language: Language) -> dict[int, str]:
    end = text.find(language.end_marker)
    body = text if end < 0 else text[:end]
    parts = re.split(rf"(?m)^#*\s*{re.escape(language.item_marker)} (\d+):", body)
    return {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def check_opening(opening: str, counts: Counts, language: Language) -> list[str]:
    """The opening states no double negative and no count that differs from the items."""
    problems = [
        f"the opening has a double negative ({m.group(0)!r})"
        for p in language.double_negatives
        if (m := p.search(opening))
    ]
    claims = language.opening_claims(opening)
    for field, value in claims:
        actual = getattr(counts, field)
        if actual != value:
            problems.append(f"the opening says {value} for {field} but the letter has {actual}")
    outcome_fields = {f for f, _ in claims if f != "n"}
    if counts.n and not outcome_fields:
        problems.append("the opening does not say what was decided")
    stated = sum(v for f, v in claims if f != "n")
    if outcome_fields and stated != counts.n:
        problems.append(f"the opening accounts for {stated} of {counts.n} requests")
    return problems


def check_summary(text: str, summary: Summary, record: LetterRecord) -> SummaryChecks:
    """Check rendered summary `text` (Markdown or plain) against the record it claims to summarise."""
    language = get_language(summary.lang)
    text = md_unescape(text)
    problems: list[str] = []
    notes: list[str] = []
    quoted = summary.quoted()
    prose = readability.strip_quotes(text, quoted)
    reading = language.readability(prose)
    if reading.problem:
        notes.append(reading.problem)

    counts = Counts.of(
        [item.decision for item in record.disputed_items],
        sum(item.authorized_portion is not None for item in record.disputed_items),
    )
    opening_problems = check_opening(_opening(text, language), counts, language)
    problems += opening_problems

    sections = _sections(text, language)
    item_checks: list[ItemCheck] = []
    for i, item in enumerate(record.disputed_items, 1):
        section = sections.get(i, "")
        present = bool(section) and item.request in section
        plain = readability.strip_quotes(section, quoted).casefold()
        says = {
            "overturned": any(p in plain for p in language.approved_phrases),
            "upheld": any(p in plain for p in language.denied_phrases),
            None: any(p in plain for p in language.unreadable_phrases),
        }
        polarity_ok = says[item.decision] and not any(v for k, v in says.items() if k != item.decision)
        shown = summary.items[i - 1] if i - 1 < len(summary.items) else None
        sourced = _reason_sourced(item.rationale, shown.reason.sentences if shown else [], section, language)
        if shown is not None:
            for restated in shown.reason.plain:
                problems += [f"item {i}: {p}" for p in plain_problems(restated, item.request, language)]
            spec, translation = language.c.translation, shown.reason.translation
            pair = spec.pair.split("_")[0].split("-", 1) if spec is not None else None
            pairs = [(shown.reason.shown_quote(), translation)] if translation else []
            pairs += [(t.source, t.text) for t in shown.translations]
            if any(not (pair and faithful(source, text, *pair)) for source, text in pairs):
                problems.append(f"item {i}: the translation of the reviewer's words changes a number or a negation")
        item_checks.append(ItemCheck(number=i, present=present, polarity_ok=polarity_ok, reason_sourced=sourced))
        if not present:
            problems.append(f"item {i} ({item.request!r}) is missing")
        elif not polarity_ok:
            problems.append(f"item {i} does not state its decision ({item.decision}) unambiguously")
        if present and not sourced:
            problems.append(f"item {i}: the reason is not backed by a sentence of its rationale")
    invented = [f"{language.item_marker} {n}" for n in sections if n > len(record.disputed_items) or n < 1]
    problems += [f"{name} is not an item of the letter" for name in invented]

    untraceable = _untraceable(prose, record, language, summary)
    problems += [f"{u!r} is not in the letter" for u in untraceable]

    words = len(text.split())
    max_words = BASE_MAX_WORDS + WORDS_PER_ITEM * len(record.disputed_items)
    length_ok = MIN_WORDS <= words <= max_words
    if not length_ok:
        notes.append(f"{words} words (expected {MIN_WORDS}-{max_words})")

    return SummaryChecks(
        passed=not problems,
        lang=summary.lang,
        grade=reading.score if reading.measure == "grade" else None,
        ease=reading.score if reading.measure == "ease" else None,
        target_met=reading.target_met,
        opening_ok=not opening_problems,
        items=item_checks,
        invented_items=invented,
        untraceable=untraceable,
        words=words,
        length_ok=length_ok,
        problems=problems,
        notes=notes,
    )


def _reason_sourced(rationale: str | None, sentences: list[str], section: str, language: Language) -> bool:
    """Each reason sentence is in the rationale, and the first one is quoted in the item's section.
    With no sentence to show (none found, or none that gives a reason), the summary must say so."""
    if not sentences:
        return norm_text(language.quoted_reason(False)) in norm_text(section) or not rationale
    if not rationale:
        return False
    whole = norm_text(rationale)
    return all(norm_text(s) in whole for s in sentences) and norm_text(sentences[0]) in norm_text(section)


_RECORDS = re.compile(r"\brecords?\b|\bexpediente\b|\bdocumentos\b", re.I)
_RECORD_SOURCE = re.compile(
    r"\b(?:documentation|documented|records?|notes?|evidence|indication|information|reports?|reported|noted|"
    r"indicated|mention|included|submitted|provided|review|exam(?:ination)?|recorded)\b",
    re.I,
)


_DOSE_ABBREVIATION = re.compile(rf"\b(?:{DOSE_ABBREVIATION})\b\.?", re.I)
_STEM_ENDINGS = ("ing", "en", "ed", "es", "e", "s")


def _stem(word: str) -> str:
    """A word without one inflection ending, kept to 3 letters at least: "taking", "taken", "take" are "tak"."""
    return next((word[: -len(e)] for e in _STEM_ENDINGS if word.endswith(e) and len(word) - len(e) >= 3), word)


def _known(word: str, allowed: frozenset[str], inflected: frozenset[str] = frozenset()) -> bool:
    """Whether `word` is one of `allowed`, or a regular form of one; or any form of one of `inflected` (the
    reviewer's own words: "have taken" for "has been taking"; never the page's frames: "showed" is no "show")."""
    if word in allowed or word.isdigit():
        return True
    stem = _stem(word)
    if len(stem) >= 3 and any(_stem(a) == stem for a in inflected):
        return True
    variants = (
        word + "s",
        word + "es",
        word[:-1] + "ies" if word.endswith("y") else "",
        word + "d",
        word + "ed",
        word[:-1] if word.endswith("s") else "",
        word[:-2] if word.endswith("es") else "",
        word[:-3] + "y" if word.endswith("ies") else "",
    )
    return any(v in allowed for v in variants if v)


def plain_problems(plain: PlainSentence, request: str, language: Language, own_words: str | None = None) -> list[str]:
    """Why a plain sentence is not a faithful restatement of its source sentence (empty: it is): it adds a
    word (a finding) the source does not have, drops one of the source's words (a qualifier such as
    "specific" or "progressive"), flips or adds a negation, speaks of records the reviewer did not name,
    or promises an outcome. A model's rewrite may add only `own_words` (the page's own wording of this item's
    reason, when given) and the language's short list of joining words, never any word of the catalogue's
    frames: ", so therapy is yes", ", so it is given to you" were all frame words."""
    problems: list[str] = []
    if plain.form == "llm" and language.c.reason.slot_mode != "plain":
        # a translation by the model: it cannot be compared word by word (see summary.rewrite)
        return ["the plain reason promises care, payment or an outcome"] if language.promises.search(plain.text) else []
    core = core_of(plain.source)
    terms = _term_words(core)
    term_plain = frozenset(w for _, words in terms for w in words)
    frames = _frame_words(language.code)
    if plain.form == "llm":
        # the frames' care words ("This goes with a surgery that was not approved") license no care in a model's
        # rewrite: "supportive of obtaining MRI and surgery" where the reviewer named no surgery
        frames = frames - _CARE_WORDS
        if own_words is not None:
            frames = _tokens(own_words) | (_tokens(language.c.checks.rewrite_words) - _CARE_WORDS)
    reviewers = _tokens(f"{plain.source} {core} {request}")
    allowed = reviewers | frames | term_plain  # core: the letter's slips mended
    if language.c.reason.slot_mode != "plain":
        # a name in this language for a missing thing the reviewer's sentence has ("señales de daño en los
        # nervios" for "neurological deficits"), never for one it does not
        allowed |= _tokens(language.gist_words(plain_english(core) or core))
    if _DOSE_ABBREVIATION.search(core):  # "tid": "three times a day" offline, "three times daily" as well
        allowed |= {"daily"}
    said = _tokens(plain.text)
    added = sorted(w for w in said if not _known(w, allowed, reviewers))
    if added:
        problems.append(f"the plain reason adds words not in the reviewer's sentence ({', '.join(added[:5])})")
    replaced = frozenset(w for hard, easy in terms if easy <= said for w in hard)  # said in plain words
    kept = said | replaced | DROPPABLE
    dropped = sorted(w for w in _tokens(core) if len(w) > 3 and not w.isdigit() and not _known(w, kept, said))
    if dropped and plain.form != "linked":  # "goes with a surgery that was not approved" is a fixed line
        problems.append(f"the plain reason leaves out the reviewer's words ({', '.join(dropped[:5])})")
    source_negated = bool(EN_NEGATION.search(core))
    plain_negated = bool(language.negation.search(plain.text) or EN_NEGATION.search(plain.text))
    if source_negated != plain_negated:
        side = "drops the reviewer's negation" if source_negated else "adds a negation the reviewer did not write"
        problems.append(f"the plain reason {side}")
    if _RECORDS.search(plain.text) and not _RECORD_SOURCE.search(plain.source):
        problems.append("the plain reason speaks of records where the reviewer did not")
    if plain.form == "llm" and (pair := _order_changed(core, plain.text)) is not None:
        problems.append(f"the plain reason puts the reviewer's words together in another way ({pair})")
    if language.promises.search(plain.text):
        problems.append("the plain reason promises care, payment or an outcome")
    return problems


_CLAUSE = re.compile(r"[,.;:()]|\b(?:and|or|but|so|because|while|whereas|although|though|then)\b", re.I)


def _order_changed(source: str, text: str) -> str | None:
    """Two of the reviewer's words side by side in a model's rewrite, in one clause, that the reviewer never put
    together in that order: "several vertebral fractures and a reported rib compression" for "several rib
    fractures and a reported vertebral compression" (the same words, another finding). A rewrite refused here
    leaves the offline restatement on the page."""

    def content(clause: str) -> list[str]:
        return [w for w in _WORD.findall(clause.casefold()) if len(w) > 3 and w not in DROPPABLE]

    # the reviewer's words, and the same words with hard terms in plain ones, all of them (the offline restatement:
    # "objective signs of nerve damage on examination" for "objective neurologic deficits on examination" puts
    # nothing new together) or one at a time ("recorded functional improvement" for "documented functional ...")
    sources = [source, plain_english(source) or source]
    sources += [pattern.sub(plain, source) for pattern, plain in PLAIN_TERM_PATTERNS if pattern.search(source)]
    clauses = [content(c) for text_ in sources for c in _CLAUSE.split(text_)]
    known = {w for c in clauses for w in c}
    near = {(c[k], c[m]) for c in clauses for k in range(len(c)) for m in range(k + 1, min(len(c), k + 3))}
    for clause in _CLAUSE.split(text):
        words = [w for w in content(clause) if w in known]
        for a, b in itertools.pairwise(words):
            if a != b and (a, b) not in near:
                return f"{a} {b}"
    return None


def _untraceable(prose: str, record: LetterRecord, language: Language, summary: Summary) -> list[str]:
    record_text = _record_text(record)
    vocabulary = _fixed_wording(language.code)
    known_dates = _record_dates(record)
    out: list[str] = []
    shown_dates = _dates_in(prose, language)
    warned = " ".join(record.warnings)  # the record's own warnings, shown on the page, quote what was read
    # a date written as no calendar has it ("13/1/2017", "2/30/2017") that the letter's own words hold is the
    # reviewer's, quoted as written: no date of ours (a probe's correct pages had failed their checks)
    written = " ".join([record.clinical_summary or "", *(item.rationale or "" for item in record.disputed_items)])
    for shown, date in shown_dates:
        if date is None and re.search(rf"(?<![\d/]){re.escape(shown)}(?![\d/])", written):
            continue
        if (date is None or date not in known_dates) and shown not in warned:
            out.append(shown)
    rest = prose
    for shown, _ in shown_dates:
        rest = rest.replace(shown, " ")
    rest = re.sub(rf"{re.escape(language.item_marker)} \d+:", " ", rest)
    if record.source.pages:  # our own count of the pages read ("read from the 4 pages we were given")
        rest = rest.replace(language.case_line(None, None, record.source.pages) or "", " ")
    glossary = _tokens(" ".join(t for item in summary.items for t in item.reason.terms))
    counts = Counts.of([item.decision for item in record.disputed_items])
    ours = frozenset(str(v) for v in (counts.n, counts.approved, counts.denied, counts.unreadable))
    ours |= frozenset(str(item.number) for item in summary.items)  # our own counts and item numbers
    known = record_text | vocabulary | glossary | ours
    for number in _NUMBER.findall(rest):
        if number.casefold() not in known:
            out.append(number)
    for word in set(_NAME.findall(rest)) | set(_MEDICAL_WORD.findall(rest)):
        if word.casefold() not in known:
            out.append(word)
    return sorted(set(out))
