"""The library API refuses wrong arguments with the package's own errors, one line each, never a raw
AttributeError or TypeError from deep inside; and takes the right ones (a record read back from JSON)."""

from __future__ import annotations

import json

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
