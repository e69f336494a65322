"""Each extension point is one registry: a new backend, scorer, summary language or letter layout plugs
in by registering one object, with no edit anywhere else (each test registers one, uses it through the
normal entry points, and removes it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import imr_llm
from imr_llm.errors import CallStats
from imr_llm.evals.metrics import LetterResult, compute_metrics, lower_is_better
from imr_llm.evals.registry import SCORERS, ScoreContext, scorer
from imr_llm.evals.runner import run_suite
from imr_llm.evals.suite import Suite, load_suite
from imr_llm.llm.cache import ResponseCache
from imr_llm.llm.config import LLMConfig
from imr_llm.loaders import load_file
from imr_llm.parser import parse_text
from imr_llm.parser.context import ParseContext
from imr_llm.parser.layouts import LAYOUTS, Layout, register_layout
from imr_llm.pipeline.backends import BACKENDS, Backend, BackendOptions, open_extractor, register_backend
from imr_llm.pipeline.examples import answer_for
from imr_llm.pipeline.llm_extractor import LLMExtractor
from imr_llm.schema import DisputedItem, LetterRecord
from imr_llm.summary.languages import LANGUAGES, load_language, register_language
from imr_llm.summary.summarize import summarize
from tests.conftest import REPO, SAMPLES

LETTER = SAMPLES / "synth-2016-basic.txt"


class EchoTransport:
    """A FAKE transport (no model behind it, named as such): it answers with what the parser reads in the
    letter the prompt carries. The test is about how a backend plugs in (registry, extractor, cache, worker
    set-up), not about a model; real transports are tested against real servers."""

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self.calls = 0

    @property
    def identity(self) -> tuple[str, str]:
        return "echo-parser", "in-process"

    def complete(self, messages, response_model, max_tokens=None, budget_s=None):  # type: ignore[no-untyped-def]
        self.calls += 1
        letter = messages[-1]["content"].rsplit("<letter>\n", 1)[1].rsplit("\n</letter>", 1)[0]
        answer = response_model.model_validate(answer_for(parse_text(letter)))
        return answer, CallStats(requests=1, prompt_tokens=len(letter) // 4, completion_tokens=100)

    def check_server(self) -> list[str]:
        return ["echo-parser"]

    def restart(self) -> EchoTransport:
        return self

    def close(self) -> None:
        pass


@pytest.fixture
def echo_backend() -> Iterator[str]:
    @contextmanager
    def open_client(options: BackendOptions) -> Iterator[EchoTransport]:
        yield EchoTransport(options.config)

    register_backend(Backend("echo", "a test backend (fake transport)", open_client, remote=False))
    yield "echo"
    BACKENDS.pop("echo")


def test_a_new_backend_plugs_in_as_a_transport(echo_backend: str, tmp_path: Path) -> None:
    record = imr_llm.extract(LETTER, backend=echo_backend, cache=False)
    assert record.llm is not None and (record.llm.backend, record.llm.model) == ("echo", "echo-parser")
    assert record.llm.base_url == "in-process" and record.llm.error is None
    assert record.extractor == "merged" and record.crosscheck is not None and not record.needs_review
    assert [i.decision for i in record.disputed_items] == [
        i.decision for i in parse_text(LETTER.read_text()).disputed_items
    ]
    with open_extractor(echo_backend, BackendOptions(cache=ResponseCache(tmp_path / "c.sqlite"))) as extractor:
        assert isinstance(extractor, LLMExtractor) and isinstance(extractor.client, EchoTransport)
        worker = extractor.spec().build()  # what a batch worker process opens: the same backend, the same cache
        assert isinstance(worker, LLMExtractor) and isinstance(worker.client, EchoTransport)
        assert worker.cache.path == tmp_path / "c.sqlite"
    suite = load_suite(REPO / "evals" / "synthetic-rules.toml").model_copy(update={"backend": echo_backend})
    run = run_suite(suite, cache=ResponseCache(tmp_path / "c.sqlite"))
    assert run.backend == "echo" and run.letters and not any(x.error for x in run.letters)
    with pytest.raises(imr_llm.ConfigError, match="unknown backend 'nope'; available: rules, openai, local"):
        imr_llm.extract(LETTER, backend="nope")


def test_a_new_scorer_plugs_in() -> None:
    @scorer("requests_per_letter", lower_is_better=("requests_per_letter",))
    def requests_per_letter(letters: list[LetterResult], ctx: ScoreContext) -> dict[str, float]:
        items = [len(x.scored()["disputed_items"]) for x in letters]
        return {"requests_per_letter": sum(items) / len(items)}

    try:
        record = parse_text(LETTER.read_text())
        letters = [LetterResult(name="x", input="x", gold={}, record=record.model_dump(mode="json"))]
        metrics, _ = compute_metrics(letters, ["requests_per_letter"])
        assert metrics["requests_per_letter"] == 2.0
        assert lower_is_better("requests_per_letter")
        suite = Suite(name="s", gold=str(SAMPLES), scorers=["requests_per_letter"])
        assert suite.scorers == ["requests_per_letter"]
    finally:
        SCORERS.pop("requests_per_letter")
    with pytest.raises(ValueError, match="unknown scorer"):
        Suite(name="s", gold=str(SAMPLES), scorers=["requests_per_letter"])


ENGLISH = REPO / "imr_llm" / "summary" / "languages" / "en.toml"


def test_a_new_language_plugs_in() -> None:
    catalogue = ENGLISH.read_text(encoding="utf-8").replace('code = "en"', 'code = "en-loud"', 1)
    catalogue = catalogue.replace(
        'title = "Your Independent Medical Review (IMR) decision"',
        'title = "YOUR INDEPENDENT MEDICAL REVIEW (IMR) DECISION"',
    )
    register_language(load_language(catalogue, "loud.toml"))
    try:
        outcome = summarize(parse_text(LETTER.read_text()), "en-loud")
        assert outcome.summary.lang == "en-loud"
        assert outcome.checks.passed, outcome.checks.problems
        assert outcome.summary.render("md").startswith("# YOUR INDEPENDENT MEDICAL REVIEW (IMR) DECISION")
    finally:
        LANGUAGES.pop("en-loud")
    with pytest.raises(imr_llm.ConfigError, match="unknown summary language 'en-loud'; available: en, es"):
        summarize(parse_text(LETTER.read_text()), "en-loud")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('finding = "The reviewer found that {x}."', ""), "reason.finding"),  # a key left out
        (('finding = "The reviewer found that {x}."', 'finding = "The reviewer found that {record}."'), "record"),
        (('title = "Your Independent', 'title = "Your {name} Independent'), "labels.title"),
        (('code = "en"', 'code = "English!"'), "code"),
    ],
)
def test_a_bad_language_catalogue_fails_with_the_key_named(change: tuple[str, str], message: str) -> None:
    text = ENGLISH.read_text(encoding="utf-8").replace(*change, 1)
    with pytest.raises(imr_llm.ConfigError, match=r"bad\.toml: not a valid summary language") as caught:
        load_language(text, "bad.toml")
    assert message in str(caught.value)


def test_a_new_layout_plugs_in() -> None:
    def one_item(ctx: ParseContext) -> list[DisputedItem]:
        at = ctx.flat.find("Request:") + len("Request: ")
        end = ctx.flat.find(".", at)
        ctx.cite("disputed_items.0.request", at, end)
        return [DisputedItem(request=ctx.flat[at:end], decision="upheld", decision_text="Upheld")]

    register_layout(
        Layout(
            name="test_memo",
            order=5,
            detect=lambda flat: flat.startswith("IMR TEST MEMO"),
            starts=("IMR TEST MEMO",),
            items=one_item,
            header=False,
        )
    )
    try:
        record = parse_text("IMR TEST MEMO\nRequest: Lumbar brace. Decision: Upheld.\n")
        assert isinstance(record, LetterRecord)
        assert record.template == "test_memo" and record.disputed_items[0].request == "Lumbar brace"
        assert parse_text(LETTER.read_text()).template == "final_2016"  # the others are untouched
    finally:
        LAYOUTS.pop("test_memo")
    with pytest.raises(imr_llm.NotAnImrLetter):
        parse_text("IMR TEST MEMO\nRequest: Lumbar brace. Decision: Upheld.\n")


def test_a_plugin_package_registers_through_its_entry_point_and_a_broken_one_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An installed package (here a module and its .dist-info on sys.path, as pip would leave them) declares
    `imr_llm.scorers` entry points in its pyproject.toml; the first read of the registry calls them."""
    (tmp_path / "imr_plugin_demo.py").write_text(
        "from imr_llm.evals.registry import scorer\n"
        "def register():\n"
        "    @scorer('plugin_letters')\n"
        "    def plugin_letters(letters, ctx):\n"
        "        return {'plugin_letters': float(len(letters))}\n"
        "def broken():\n"
        "    raise RuntimeError('needs a newer imr-llm')\n",
        encoding="utf-8",
    )
    info = tmp_path / "imr_plugin_demo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: imr-plugin-demo\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[imr_llm.scorers]\ndemo = imr_plugin_demo:register\nbad = imr_plugin_demo:broken\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(SCORERS, "_plugins_loaded", False)
    try:
        assert "plugin_letters" in SCORERS.names()
        record = parse_text(LETTER.read_text())
        letters = [LetterResult(name="x", input="x", gold={}, record=record.model_dump(mode="json"))]
        assert compute_metrics(letters, ["plugin_letters"])[0]["plugin_letters"] == 1.0
        assert "fields" in SCORERS.names()  # the built-ins are still there
        err = capsys.readouterr().err
        assert err.strip() == "imr-llm: plugin bad (imr_llm.scorers) not loaded: needs a newer imr-llm"
    finally:
        SCORERS.pop("plugin_letters", None)


def test_a_plugin_transport_that_breaks_leaves_the_parsers_record(tmp_path: Path) -> None:
    """The model assists and never blocks, whatever a plugin's transport does: its own exception is a
    failed call, and the worker gets the parser's record with the failure noted."""

    class Broken(EchoTransport):
        def complete(self, messages, response_model, max_tokens=None, budget_s=None):  # type: ignore[no-untyped-def]
            raise ConnectionResetError("peer reset")

    @contextmanager
    def open_client(options: BackendOptions) -> Iterator[Broken]:
        yield Broken(options.config)

    register_backend(Backend("broken", "a test backend (fake transport that fails)", open_client, remote=False))
    try:
        record = imr_llm.extract(LETTER, backend="broken", cache=False)
    finally:
        BACKENDS.pop("broken")
    assert record.llm is not None and record.llm.error_kind == "transport"
    assert "ConnectionResetError" in (record.llm.error or "")
    assert record.needs_review and record.disputed_items == parse_text(LETTER.read_text()).disputed_items


def test_a_reader_takes_any_letter_source_and_refuses_letters_after_its_block(echo_backend: str) -> None:
    with imr_llm.reader(echo_backend, cache=False) as r:
        from_path = r.run(LETTER)  # a Path is read, as parse() reads it
        from_text = r.run(LETTER.read_text())
        from_loaded = r.run(load_file(LETTER))
        calls = r.client.calls  # type: ignore[attr-defined]
    assert from_path.llm is not None and from_path.llm.error is None and calls == 3
    assert from_text.case_number == from_loaded.case_number == from_path.case_number == "CM16-0900101"
    refused = pytest.raises(imr_llm.InputError, match="looks like a file name")
    with refused, imr_llm.reader(echo_backend, cache=False) as r:
        r.run(str(LETTER))  # a str is the letter's text, never opened as a file
    # after the block the backend is closed: a late letter is an error, never a server started again
    with pytest.raises(imr_llm.ConfigError, match="this reader is closed"):
        r.run(LETTER)
    assert r.client.calls == 0  # type: ignore[attr-defined]
    with imr_llm.reader("rules") as rules:  # the parser alone holds nothing open: it reads on, as parse() does
        assert rules.run(LETTER).case_number == "CM16-0900101"
