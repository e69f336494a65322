"""The one-pass cue scan (imr_llm/cues.py) answers exactly as Python's `re` does, and does rule patterns out.

Equality is checked on every sentence of the synthetic samples and, when ../shared is present, of the dev
letters: for every cue the reason finder asks, `search`, `match` and the lower-case count agree with `re`.
The other way round, a sentence without a cue must have that cue ruled out (else the scan saves nothing
and this file could not fail), and the fallbacks (Unicode text, control characters, a pattern Hyperscan
cannot read) must still answer as `re`.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from imr_llm import cues
from imr_llm.cues import CueSet
from imr_llm.parser import reasons
from imr_llm.textnorm import flatten
from tests.conftest import DEV

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
needs_hyperscan = pytest.mark.skipif(cues._hs is None, reason="no hyperscan wheel on this platform")


@pytest.fixture(autouse=True)
def _own_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cue sets these tests make keep their compiled databases here, not in the user's cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def _sentences() -> list[str]:
    files = sorted(SAMPLES.glob("*.txt")) + (sorted(DEV.glob("*.txt")) if DEV.is_dir() else [])
    out: list[str] = []
    for path in files:
        flat = flatten(path.read_text(encoding="utf-8")).flat
        out += [flat[s:e] for s, e in reasons.sentence_spans(flat)]
    return out


def _agree(cue_set: CueSet, text: str) -> list[str]:
    """The patterns on which the scan of `text` and Python's `re` disagree (empty when all agree)."""
    scan = cue_set.scan(text)
    wrong = []
    for pattern in cue_set.patterns:
        same = (
            bool(scan.search(pattern)) == bool(pattern.search(text))
            and bool(scan.match(pattern)) == bool(pattern.match(text))
            and scan.count_lowered(pattern) == len(pattern.findall(text.lower()))
            and bool(scan.search_lowered(pattern)) == bool(pattern.search(text.lower()))
        )
        if not same:
            wrong.append(pattern.pattern[:60])
    return wrong


def test_every_cue_answers_as_re_on_every_sentence() -> None:
    sentences = _sentences()
    assert len(sentences) > 200
    bad = {text[:80]: w for text in sentences if (w := _agree(reasons.CUES, text))}
    assert bad == {}


@needs_hyperscan
def test_the_scan_rules_out_cues_a_sentence_lacks() -> None:
    text = "The patient was seen on the first of the month."
    scan = reasons.CUES.scan(text)
    assert reasons._NOT_SHOWN.search(text) is None
    assert not scan.can(reasons._NOT_SHOWN)  # ruled out without running re
    assert scan.can(reasons._CASE_REF)  # "patient": a cue that is there is never ruled out
    assert scan.search(reasons._CASE_REF) is not None
    ruled_out = [p for p in reasons.CUES.patterns if not scan.can(p)]
    assert len(ruled_out) > len(reasons.CUES.patterns) // 2


def test_unicode_and_control_characters_are_left_to_re() -> None:
    # Python's \b is Unicode-aware: "é" is a word character; Hyperscan's ASCII \b would differ here
    word = re.compile(r"\bcaf\b", re.I)
    cue_set = CueSet([word, re.compile(r"not\sdocumented")])
    assert _agree(cue_set, "The café was closed.") == []
    assert cue_set.scan("The café was closed.").search(word) is None
    assert cue_set.scan("The caf was closed.").search(word) is not None
    # Python's \s covers \x1c; Hyperscan's does not
    assert _agree(cue_set, "It was not\x1cdocumented.") == []
    assert cue_set.scan("It was not\x1cdocumented.").can(cue_set.patterns[1])


def test_a_pattern_hyperscan_cannot_read_is_always_run() -> None:
    unreadable = re.compile(r"(a)?(?(1)b|c)d")  # a conditional group: Python only
    plain = re.compile(r"request")
    cue_set = CueSet([unreadable, plain])
    for text in ("abd", "cd", "xd", "the request"):
        assert _agree(cue_set, text) == []
    assert cue_set.scan("cd").search(unreadable) is not None
    # a literal backslash before "u201c" is not the escape \u201c (the curly quote)
    backslash_u = re.compile(r"a\\u201cb")
    assert _agree(CueSet([backslash_u]), "a\\u201cb") == [] and CueSet([backslash_u]).scan("a\\u201cb").search(
        backslash_u
    )


@pytest.mark.parametrize(
    ("pattern", "flags", "text"),
    [
        (r"no{,2}t", 0, "not"),  # Python: 0 to 2 times; Hyperscan read "{,2}" as text
        (r"[^.]{,40}not", 0, "it is not"),
        (r"(?-i:not) documented", 0, "NOT documented"),  # an inline flag escapes the case-blind scan
        ("\u0131", re.I, "i"),  # the dotless i matches "i" in Python under re.I
        (r"\\u0064", 0, r"\u0064"),  # an escaped backslash before "u0064"
        (r"(a)\1\u0030", 0, "aa0"),  # "\1" then the digit 0, not "\10"
        (r"a{\u0032}", 0, "a{2}"),  # braces around an escaped digit: text, not a repeat count
        (r"x[[:digit:]]", 0, "x:]"),  # a POSIX class in Hyperscan, a plain set in Python
    ],
)
def test_patterns_hyperscan_reads_otherwise_answer_as_re(pattern: str, flags: int, text: str) -> None:
    """Found by an independent tester: each of these was ruled out by the scan although `re` matches."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "possible nested set": Python's own reading, kept
        compiled = re.compile(pattern, flags)
    assert _agree(CueSet([compiled]), text) == []


def test_a_pattern_outside_the_set_is_run_not_skipped() -> None:
    outside = re.compile(r"medically")
    scan = CueSet([re.compile(r"zebra")]).scan("It is medically necessary.")
    assert scan.search(outside) is not None


def test_scans_from_another_thread_answer_the_same() -> None:
    sentences = _sentences()[:300]
    here = [reasons.CUES.scan(s).ruled_out for s in sentences]
    there: list[int] = []
    worker = threading.Thread(target=lambda: there.extend(reasons.CUES.scan(s).ruled_out for s in sentences))
    worker.start()
    worker.join()
    assert there == here


@needs_hyperscan
def test_the_compiled_cues_are_kept_and_loaded_not_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compiling the cues took 1.6 s in every process (a one-file `imr-llm parse` had become 3.8 s): the
    database is kept in the cache folder and loaded by the next process."""
    patterns = list(reasons.CUES.patterns)
    text = "In this case, there is no documentation of functional improvement."
    first = CueSet(patterns, cache_dir=tmp_path)
    expected = first.scan(text).ruled_out
    kept = list(tmp_path.glob("cues-*.hsdb"))
    assert len(kept) == 1 and expected != 0

    def no_compiling(self: CueSet) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr(CueSet, "_compile", no_compiling)
    assert CueSet(patterns, cache_dir=tmp_path).scan(text).ruled_out == expected  # loaded
    monkeypatch.undo()
    # a damaged file, or one for other patterns, is not trusted: compiled again, same answers, file replaced
    kept[0].write_bytes(b"1,2,3\nnot a database")
    again = CueSet(patterns, cache_dir=tmp_path)
    assert again.scan(text).ruled_out == expected and _agree(again, text) == []
    assert kept[0].read_bytes() != b"1,2,3\nnot a database"
    # a folder that cannot be written: still right, only slower next time
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    assert CueSet(patterns, cache_dir=blocked).scan(text).ruled_out == expected
