"""The library API refuses wrong arguments with the package's own errors, one line each, never a raw
AttributeError or TypeError from deep inside; and takes the right ones (a record read back from JSON)."""

from __future__ import annotations

import json
import re

import pytest

import imr_llm
from tests.conftest import SAMPLES

LETTER = SAMPLES / "synth-2016-basic.txt"


def test_summarize_takes_a_record_or_its_json_and_refuses_anything_else() -> None:
    record = imr_llm.parse(LETTER)
    from_json = imr_llm.summarize(json.loads(record.model_dump_json()))  # a line of `imr-llm parse` output
    assert from_json.render("md") == imr_llm.summarize(record).render("md")
    with pytest.raises(imr_llm.InputError, match=r"summarize\(\) takes a LetterRecord .*not str"):
        imr_llm.summarize(LETTER.read_text())  # type: ignore[arg-type]
    with pytest.raises(imr_llm.InputError, match=r"not a letter record .*template: Field required"):
        imr_llm.summarize({"case_number": "CM16-0900101"})
    with pytest.raises(imr_llm.ConfigError, match="unknown summary language 'fr'"):
        imr_llm.summarize(record, lang="fr")


def test_extract_names_an_unknown_setting_instead_of_a_type_error() -> None:
    with pytest.raises(imr_llm.ConfigError, match=r"unknown LLM setting 'max_token'; the settings are: .*max_tokens"):
        imr_llm.extract(LETTER, backend="rules", max_token=100)
    record = imr_llm.extract(LETTER, backend="rules", max_tokens=100)  # a real setting: accepted
    assert record.case_number == "CM16-0900101"


def test_parse_refuses_what_is_not_a_letter_source() -> None:
    with pytest.raises(imr_llm.InputError, match="cannot read a letter from int"):
        imr_llm.parse(123)  # type: ignore[arg-type]


def test_a_letter_text_with_a_lone_surrogate_gives_a_record_that_writes_as_json() -> None:
    text = LETTER.read_text().replace("Physical", "Phys\udcffcal", 1)  # not text: a decoding slip upstream
    record = imr_llm.parse(text)
    assert json.loads(record.to_json_line())["case_number"] == "CM16-0900101"
    assert "Phys\ufffdcal" in (record.disputed_items[0].request or "") + json.dumps(record.model_dump(mode="json"))


def test_settings_are_converted_and_checked_before_any_request() -> None:
    """`mode="json"` raised an AttributeError, `log_text="no"` counted as true (letter text in the call log),
    and `max_tokens=-1` or `temperature="hot"` went to the server. Settings convert as pydantic converts a
    field, and a wrong type or range is a ConfigError naming the setting."""
    from imr_llm.llm.config import LLMConfig, ModeChoice

    config = LLMConfig().with_(mode="json", timeout_s="5", log_text="no")
    assert (config.mode, config.timeout_s, config.log_text) == (ModeChoice.JSON, 5.0, False)
    # right at the edges: the largest and smallest counts allowed, and a real bool where one is asked for
    config = LLMConfig().with_(max_tokens=1_000_000, transport_attempts=100, reasks=0, log_text=True)
    assert (config.max_tokens, config.transport_attempts, config.reasks, config.log_text) == (1_000_000, 100, 0, True)
    for bad, says in (
        ({"temperature": "hot"}, "temperature = 'hot'"),
        ({"max_tokens": -1}, "max_tokens = -1: give 1 to 1,000,000"),
        ({"max_tokens": 10**30}, "max_tokens = 1000000000000000000000000000000: give 1 to 1,000,000"),
        ({"max_tokens": True}, "max_tokens = True: give a number, not True or False"),
        ({"transport_attempts": 10**6}, "transport_attempts = 1000000: give 1 to 100"),
        ({"temperature": False}, "temperature = False: give a number"),
        ({"max_tokens": "x"}, "max_tokens = 'x'"),
        ({"reasks": -1}, "reasks = -1"),
        ({"mode": "bogus"}, "mode = 'bogus'"),
    ):
        with pytest.raises(imr_llm.ConfigError, match=re.escape(says)):
            LLMConfig().with_(**bad)


def test_wrong_argument_types_are_the_packages_own_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    record = imr_llm.parse(LETTER)
    for call, says in (
        (lambda: imr_llm.reader("local", model_path=5).__enter__(), "model_path must be a path, not int"),
        (lambda: imr_llm.reader("openai", prompt=5).__enter__(), "prompt must be a str, not int"),
        (lambda: imr_llm.reader("openai", {"base_url": "x"}).__enter__(), "config must be an LLMConfig"),  # type: ignore[arg-type]
        (lambda: imr_llm.extract(LETTER, backend="openai", base_url=5), "base_url must be a str, not int"),  # type: ignore[arg-type]
        (lambda: imr_llm.extract(LETTER, backend=["rules"]), "unknown backend ['rules']"),  # type: ignore[arg-type]
        (lambda: imr_llm.summarize(record, lang=["es"]), "unknown summary language ['es']"),  # type: ignore[arg-type]
        (lambda: imr_llm.summarize(record).render("pdf"), "unknown format 'pdf'; choose one of md, txt, html, json"),
    ):
        with pytest.raises(imr_llm.ConfigError, match=re.escape(says)):
            call()
    # right: a str path is a path where a path is asked for
    with imr_llm.reader("rules", cache_path=str(LETTER.with_name("unused.sqlite"))) as r:
        assert r.run(LETTER).case_number == "CM16-0900101"
    monkeypatch.setenv("IMR_LLM_MODE", "bogus")
    with pytest.raises(imr_llm.ConfigError, match="IMR_LLM_MODE 'bogus': choose one of auto, tools, json_schema, json"):
        imr_llm.extract(LETTER, backend="rules")


def test_a_reader_used_without_with_says_how_to_use_it() -> None:
    with pytest.raises(imr_llm.ConfigError, match=r"use the reader in a with-block: `with imr_llm.reader\(...\) as r"):
        imr_llm.reader("rules").run(LETTER)  # type: ignore[attr-defined]
    with imr_llm.reader("rules") as r:  # right: as documented
        assert r.run(LETTER).case_number == "CM16-0900101"
