"""The twenty-fifth hostile probe's cases, each tested both ways (the wrong output it must not produce, and the
right one). All letters here are synthetic."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_probe22 import EN_SAID, _problems

# -- RW1: a rewrite made of joining words alone can say the opposite of the reviewer -----------------------


@pytest.mark.parametrize(
    "rewrite",
    [
        EN_SAID.replace("exceeds the recommended initial trial", "exceeds the recommended initial trial and is within "
                        "the guidelines") + ".",
        EN_SAID.replace("exceeds the recommended initial trial", "exceeds only the recommended initial trial") + ".",
        EN_SAID.replace("The reviewer found that", "The reviewer found for you that") + ".",
        EN_SAID.replace("The reviewer found that", "The reviewer found in your favor that") + ".",
    ],
)  # fmt: skip
def test_a_rewrite_adding_a_sense_or_a_side_the_reviewer_did_not_write_is_refused(rewrite: str) -> None:
    # wrong before (the probe): each accepted, a denial's finding turned into one for the worker ("is within the
    # guidelines", "found for you")
    assert _problems("en", rewrite), rewrite


@pytest.mark.parametrize(
    "rewrite",
    [
        EN_SAID + ".",
        "The 12 sessions asked for exceed the recommended initial trial of 6 sessions, and the reviewer found no "
        "record of an earlier course of therapy or its results.",
    ],
)
def test_a_faithful_rewrite_still_passes_the_sense_words_check(rewrite: str) -> None:
    assert _problems("en", rewrite) == []


def test_a_spanish_rewrite_finding_for_the_worker_is_refused() -> None:
    from tests.test_probe22 import ES_SAID

    assert _problems("es", ES_SAID.replace("El revisor encontró que", "El revisor encontró a su favor que") + ".")
    assert _problems("es", ES_SAID + ".") == []


# -- H1: the research gold is read once, up front, and a pipe or a broken file at its name is one clear line -------


@pytest.mark.parametrize("kind", ["fifo", "missing", "not json", "no letters"])
def test_a_research_gold_that_cannot_be_read_is_said_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    from imr_llm.errors import ConfigError
    from imr_llm.evals.scorers import RESEARCH_GOLD_ENV, research_gold

    place = tmp_path / "gold.json"
    if kind == "fifo":
        os.mkfifo(place)  # wrong before: read with read_text after every letter was scored, and waited forever
    elif kind == "not json":
        place.write_text("{not json", encoding="utf-8")
    elif kind == "no letters":
        place.write_text('{"items": []}', encoding="utf-8")  # wrong before: every research metric "-", no word why
    monkeypatch.setenv(RESEARCH_GOLD_ENV, str(place))
    with pytest.raises(ConfigError, match="research gold"):
        research_gold()


def test_the_kept_research_gold_is_read() -> None:
    from imr_llm.evals.scorers import research_gold

    assert len(research_gold()) >= 10  # right: evals/gold-research/dev.json, a table of letters
