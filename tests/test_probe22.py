"""The twenty-second hostile probe (issue 26): prompt folders and API keys that crashed the tool. Each test makes the
bad input, asserts the clear one-line refusal (never an internal error, never memory exhausted), and the right
output for a good input beside it."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from imr_llm.errors import ConfigError
from imr_llm.llm.config import LLMConfig
from imr_llm.llm.prompts import load_prompt
from tests.test_hardening_round3 import CLEAN_ENV, LETTER, cli, evil_prompts, one_line


@pytest.mark.parametrize(
    "template",
    [
        '{{ "a" * 10**10 }} {{ letter }}',  # all memory taken before any check (the process was killed)
        "{{ range(10**9)|list }} {{ letter }}",  # the sandbox's own bound, which was an internal error
        '{{ "a" * 1000 * 1000 * 1000 }} {{ letter }}',
        '{{ "%999999999s"|format("x") }} {{ letter }}',
        '{{ "x"|center(10**10) }} {{ letter }}',
        "{{ 2 ** (10**10) }} {{ letter }}",
        '{{ "%999999999s" % "x" }} {{ letter }}',
    ],
)
def test_a_template_that_would_make_a_huge_prompt_is_refused(tmp_path: Path, template: str) -> None:
    root = evil_prompts(tmp_path, template)
    with pytest.raises(ConfigError, match="cannot be rendered"):
        load_prompt("extract@1", root).render("x")


def test_a_template_with_ordinary_arithmetic_still_renders(tmp_path: Path) -> None:
    root = evil_prompts(tmp_path, '{{ "-" * 40 }} {{ 2 ** 8 }} {{ "%5s" % "ab" }} {{ letter }}')
    assert load_prompt("extract@1", root).render("x").messages[1]["content"] == "-" * 40 + " 256    ab x"


@pytest.mark.parametrize(
    "toml",
    [
        'variables = "abc"\n',
        "examples = 5\n",
        "this is = not toml [\n",
        b"description = '\xff\xfe'\n",
        "examples = [1]\n",
    ],
)
def test_a_broken_prompt_toml_is_a_clear_error(tmp_path: Path, toml: str | bytes) -> None:
    root = evil_prompts(tmp_path, "{{ letter }}")
    target = root / "extract" / "1" / "prompt.toml"
    target.write_bytes(toml if isinstance(toml, bytes) else toml.encode())
    with pytest.raises(ConfigError, match=r"prompt extract@1: prompt\.toml"):
        load_prompt("extract@1", root)
    result = cli("prompts", "show", "extract@1", env={**CLEAN_ENV, "IMR_LLM_PROMPTS": str(root)})
    assert result.returncode == 2 and "prompt.toml" in one_line(result)
    target.write_text('description = "fine"\nvariables = { a = "b" }\n')  # the right output: it loads
    assert load_prompt("extract@1", root).variables == {"a": "b"}


@pytest.mark.parametrize("key", ["sk-SE\u00c7RET42", "sk-abc def", "sk-abc\n"])
def test_an_api_key_with_a_character_no_key_has_is_a_clear_error(key: str) -> None:
    config = LLMConfig(base_url="https://api.example.com/v1", model="m", api_key=key)
    with pytest.raises(ConfigError, match="API key holds a character"):
        config.check()
    result = cli("extract", "--base-url", "https://api.example.com/v1", "--model", "m", "--api-key", key, str(LETTER))
    assert result.returncode == 2 and "API key" in one_line(result) and key.strip() not in result.stderr
    LLMConfig(base_url="https://api.example.com/v1", model="m", api_key="sk-proj_AbC-123").check()  # a real key passes


def _problems(lang: str, rewrite: str) -> list[str]:
    from tests.test_probe18 import _rewrite_problems

    return _rewrite_problems(lang, rewrite)


EN_SAID = (
    "The reviewer found that the request for 12 sessions exceeds the recommended initial trial of 6 sessions, and "
    "there is no record of an earlier course of therapy or its results"
)
ES_SAID = (
    "El revisor encontró que la solicitud de 12 sesiones excede la prueba inicial recomendada de 6 sesiones, y no "
    "hay documentación de un curso previo de terapia ni de sus resultados"
)


@pytest.mark.parametrize(
    ("lang", "tail"),
    [
        # the probe's rewrites of a denied item, each accepted and shown under "This is not approved"
        ("en", ", so you can have it."),
        ("en", ", so it is given to you."),
        ("en", ", so the 12 sessions are a go."),
        ("en", ", so therapy is yes."),
        ("en", ", so the therapy goes on."),
        ("en", ", and it is yours."),
        ("en", ". Stop resting now."),
        ("es", ", y se la dan."),
        ("es", ", y la terapia es para usted."),
        ("es", ", así que basta de reposo."),
        ("es", ", y usted lo tiene."),
        ("es", ", así que deje el medicamento."),
    ],
)
def test_a_rewrite_that_adds_a_clause_of_its_own_is_refused(lang: str, tail: str) -> None:
    said = EN_SAID if lang == "en" else ES_SAID
    assert _problems(lang, said + tail), tail


@pytest.mark.parametrize(
    ("lang", "rewrite"),
    [
        ("en", EN_SAID + "."),
        # plain words the page's own reason uses, and the reviewer's words in another order
        (
            "en",
            "The request for 12 sessions exceeds the recommended initial trial of 6 sessions. There is no record of "
            "an earlier course of therapy or its results.",
        ),
        ("es", ES_SAID + "."),
        # the probe's repeat: another ending of the reviewer's own word is still the reviewer's word
        (
            "en",
            "The 12 sessions asked for exceed the recommended initial trial of 6 sessions, and the reviewer found no "
            "record of an earlier course of therapy or its results.",
        ),
    ],
)
def test_a_faithful_rewrite_still_passes(lang: str, rewrite: str) -> None:
    assert _problems(lang, rewrite) == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/v1\t", "http://127.0.0.1:8765/v1\n", "http://host/v\x1b1"])
def test_a_base_url_with_a_control_character_is_a_clear_error(url: str) -> None:
    with pytest.raises(ConfigError, match="space or a control character"):
        LLMConfig(base_url=url, model="m", api_key="k").check()
    result = cli("extract", "--base-url", url, "--model", "m", "--api-key", "k", str(LETTER))
    assert result.returncode == 2 and "base URL" in one_line(result)
    LLMConfig(base_url="http://127.0.0.1:8765/v1", model="m", api_key="k").check()  # right: a clean URL passes


def test_polling_with_a_first_pause_of_zero_still_waits_between_later_polls() -> None:
    from imr_llm.batch.deferred import POLL_MAX_S, POLL_MIN_S, next_poll_delay

    delays = [0.0]
    for _ in range(30):
        delays.append(next_poll_delay(delays[-1]))
    assert delays[1] == POLL_MIN_S and all(b >= a for a, b in itertools.pairwise(delays))  # wrong: 0 always
    assert delays[-1] == POLL_MAX_S and next_poll_delay(30.0) == 45.0  # right: the given pause grows as before


def test_a_pages_folder_in_a_batch_is_one_letter(tmp_path: Path) -> None:
    """Probe 22: `batch` split NAME.pages/ into one "letter" per photo (page 1 an error, page 2 a record with no
    header); gold, eval and the web app read such a folder as one letter, and so does batch now."""
    import json

    from PIL import Image, ImageSequence

    from tests.conftest import SAMPLES

    folder = tmp_path / "in" / "letter.pages"
    folder.mkdir(parents=True)
    with Image.open(SAMPLES / "synth-2016-basic.tif") as tif:
        for k, page in enumerate(ImageSequence.Iterator(tif), start=1):
            page.convert("L").save(folder / f"page{k}.png")
    out = tmp_path / "out.jsonl"
    for spec in (str(tmp_path / "in"), str(folder), f"{tmp_path}/in/**"):
        out.unlink(missing_ok=True)
        run = cli("batch", spec, "--out", str(out), "--no-progress", "--workers", "1")
        records = [json.loads(line) for line in out.read_text().splitlines()]
        # wrong: two lines, one per photo; right: one record of the whole letter, read from both pages
        assert run.returncode == 0 and len(records) == 1, (spec, run.stderr, records)
        assert records[0]["case_number"] == "CM16-0900101" and records[0]["source"]["path"].endswith("letter.pages")
    rerun = cli("batch", str(tmp_path / "in"), "--out", str(out), "--no-progress", "--workers", "1")
    assert rerun.returncode == 0 and len(out.read_text().splitlines()) == 1  # a rerun keeps its one record


def test_a_determination_line_inside_a_2013_notices_detail_section_is_no_item() -> None:
    """Probe 22: a "3) MAXIMUS ... has determined the request for Viagra is medically necessary" line inside item 1's
    rationale became a third item, approved, on the worker's page. The notice lists its determinations before
    its first detail section; a line after that is no item (warned, for a look)."""
    from imr_llm.parser import parse_text
    from tests.conftest import SAMPLES

    text = (SAMPLES / "synth-2013-notice.txt").read_text()
    right = parse_text(text)
    assert [i.decision for i in right.disputed_items] == ["upheld", "overturned"] and not right.warnings
    at = text.index("2) Regarding the request for")
    planted = (
        text[:at]
        + (
            "3) MAXIMUS Federal Services, Inc. has determined the request for a knee brace is medically necessary and "
            "appropriate.\n\n"
        )
        + text[at:]
    )
    record = parse_text(planted)
    assert [i.decision for i in record.disputed_items] == ["upheld", "overturned"], record.disputed_items
    assert record.needs_review and any("determination line inside a detail section" in w for w in record.warnings)


def test_a_record_named_by_a_relative_path_is_never_replaced_by_another_folders_letter(tmp_path: Path) -> None:
    """Probe 22: `parse rs/a.txt > out.jsonl`, then `batch rs --out ../out.jsonl` from another folder whose rs/a.txt is
    another letter: "replaced the records of 1 input(s) whose content changed", and the first letter's record was
    gone. Which folder a relative name meant is unknown: that record is kept; the same letter from its own folder
    is still found done (no second record)."""
    import json
    import shutil

    from tests.conftest import SAMPLES

    first, other = tmp_path / "rs", tmp_path / "other" / "rs"
    first.mkdir()
    other.mkdir(parents=True)
    shutil.copy(SAMPLES / "synth-2016-basic.txt", first / "a.txt")
    shutil.copy(SAMPLES / "synth-2014.txt", other / "a.txt")
    out = tmp_path / "out.jsonl"
    parsed = cli("parse", "rs/a.txt", cwd=tmp_path)
    assert parsed.returncode == 0
    out.write_text(parsed.stdout)
    run = cli("batch", "rs", "--out", "../out.jsonl", "--no-progress", cwd=tmp_path / "other")
    assert run.returncode == 0 and "content changed" not in run.stderr, run.stderr
    paths = [json.loads(line)["source"]["path"] for line in out.read_text().splitlines()]
    assert paths == ["rs/a.txt", str(other / "a.txt")], paths  # wrong: the first letter's record gone
    again = cli("batch", "rs", "--out", "out.jsonl", "--no-progress", cwd=tmp_path)
    assert again.returncode == 0 and len(out.read_text().splitlines()) == 2  # right: found done, not read again


def test_a_2013_determination_line_inside_a_2016_rationale_never_makes_the_letter_a_2013_notice() -> None:
    """Probe 22's repeat: one pasted "3) MAXIMUS ... has determined the request for Viagra ..." line after a 2016
    letter's first "Decision rationale:" made the whole letter a 2013 notice: its real items were lost to one
    phantom approval. The layout is the 2016 one, with its own items."""
    from imr_llm.parser import parse_text
    from tests.conftest import SAMPLES

    text = (SAMPLES / "synth-2016-basic.txt").read_text()
    right = parse_text(text)
    at = text.index("Decision rationale:") + len("Decision rationale:")
    line = (
        "\n3) MAXIMUS Federal Services, Inc. has determined the request for a knee brace is medically necessary and "
        "appropriate.\n"
    )
    record = parse_text(text[:at] + line + text[at:])
    assert record.template == right.template == "final_2016", record.template
    assert [(i.request, i.decision) for i in record.disputed_items] == [
        (i.request, i.decision) for i in right.disputed_items
    ]
    assert parse_text((SAMPLES / "synth-2013-notice.txt").read_text()).template == "notice_2013"  # right: still read
