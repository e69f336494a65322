"""The web app through Starlette's test client: upload, letter page, downloads, review and audit log,
gold export and the eval, and what keeps it safe (types from bytes, limits, CSRF, CSP, host, token)."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed (pip install 'imr-llm[web]')")
pytest.importorskip("multipart", reason="python-multipart is not installed")

from starlette.testclient import TestClient

from imr_llm.web import Limits, Settings, create_app
from tests.cli import run_cli
from tests.conftest import SAMPLES
from tests.web_support import csrf_of, hostile_text, wait_until

BASE = "http://127.0.0.1:8000"
PDF = SAMPLES / "synth-2016-basic.pdf"


def make_client(workspace: Path, **settings: Any) -> TestClient:
    extractor = settings.pop("extractor", None)
    app = create_app(Settings(workspace=workspace, **settings), extractor=extractor)
    return TestClient(app, base_url=BASE)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path / "ws") as c:
        yield c


def token(client: TestClient) -> str:
    return csrf_of(client.get("/").text)


def upload(client: TestClient, files: list[tuple[str, bytes]], mode: str = "letters", text: str = "") -> Any:
    data = {"csrf": token(client), "mode": mode, "text": text}
    parts = [("files", (name, body, "application/octet-stream")) for name, body in files]
    return client.post("/upload", data=data, files=parts or None, follow_redirects=False)


def read(client: TestClient, files: list[tuple[str, bytes]], text: str = "") -> int:
    """Upload one letter and wait until it is read; its id."""
    response = upload(client, files, text=text)
    assert response.status_code == 303, response.text
    letter_id = int(response.headers["location"].rsplit("/", 1)[1])
    status = wait_until(
        lambda: (s := client.get(f"/letters/{letter_id}/status.json").json())["finished"] and s, "the letter"
    )
    assert status["status"] == "done", status
    return letter_id


def test_a_text_pdf_reads_to_its_page_with_decisions_evidence_and_both_summaries(client: TestClient) -> None:
    letter_id = read(client, [("letter.pdf", PDF.read_bytes())])
    page = client.get(f"/letters/{letter_id}")
    assert page.status_code == 200
    html = page.text
    assert 'id="case-number">CM16-0900101<' in html
    assert "Upheld: not approved" in html and "Overturned: approved" in html
    # every evidence span is a mark in the text that links to its field's row, and back
    assert 'data-paths="disputed_items.0.request' in html
    assert 'id="f-disputed_items.0.request"' in html and 'href="#ev-disputed_items.0.request"' in html
    assert 'id="ev-case_number"' in html
    for lang, word in (("en", "Independent Medical Review"), ("es", "Revisión Médica Independiente")):
        doc = client.get(f"/letters/{letter_id}/summary.{lang}.html")
        assert doc.status_code == 200 and word in doc.text
        assert "sha256-" in doc.headers["content-security-policy"]
        assert "unsafe-inline" not in doc.headers["content-security-policy"]
    assert client.get(f"/letters/{letter_id}?lang=es").text.count('summary.es.html"') >= 1


def test_downloads_are_the_record_the_summaries_and_the_item_rows(client: TestClient) -> None:
    letter_id = read(client, [("letter.pdf", PDF.read_bytes())])
    record = client.get(f"/letters/{letter_id}/record.json")
    assert (
        "attachment" in record.headers["content-disposition"]
        and "CM16-0900101" in record.headers["content-disposition"]
    )
    data = record.json()
    assert data["case_number"] == "CM16-0900101" and len(data["disputed_items"]) == 2
    rows = list(csv.DictReader(io.StringIO(client.get(f"/letters/{letter_id}/items.csv").text)))
    assert [r["decision"] for r in rows] == ["upheld", "overturned"]
    assert rows[0]["case_number"] == "CM16-0900101"
    md = client.get(f"/letters/{letter_id}/summary.es.md")
    assert md.headers["content-type"].startswith("text/markdown") and "Solicitud" in md.text
    html = client.get(f"/letters/{letter_id}/summary.en.html?download=1")
    assert "attachment" in html.headers["content-disposition"]


def test_the_type_comes_from_the_bytes_not_the_name(client: TestClient, tmp_path: Path) -> None:
    # a PNG named .pdf is read as an image; a ZIP named .pdf and an empty file are refused with a reason
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (20, 20), 255).save(buffer, "PNG")
    zip_bytes = b"PK\x03\x04" + b"\x00" * 200
    response = upload(client, [("photo.pdf", buffer.getvalue()), ("archive.pdf", zip_bytes), ("empty.txt", b"")])
    assert response.status_code == 303  # the acceptable file goes on, as a batch with the refusals listed
    batch = client.get(response.headers["location"]).text
    assert "archive.pdf: not a PDF, an image" in batch and "not its name" in batch
    assert "empty.txt: the file is empty" in batch
    db = sqlite3.connect(tmp_path / "ws" / "workspace.sqlite")
    assert db.execute("SELECT name, kind FROM letters").fetchall() == [("photo.pdf", "png")]


def test_limits_are_refused_with_clear_messages(tmp_path: Path) -> None:
    limits = Limits(file_bytes=3000, request_bytes=64_000, files=2, pages=1, paste_chars=100)
    with make_client(tmp_path / "ws", limits=limits) as c:
        too_big = upload(c, [("big.txt", b"x" * 5000)])
        assert too_big.status_code == 400 and "larger than the limit of 3 KB for one letter" in too_big.text
        pages = upload(c, [("two-pages.pdf", PDF.read_bytes()[:2999])])
        assert pages.status_code == 400  # cut PDF: cannot be opened
        many = upload(c, [("a.txt", b"a"), ("b.txt", b"b"), ("c.txt", b"c")])
        assert many.status_code == 400 and "3 files at once; send at most 2" in many.text
        pasted = upload(c, [], text="y" * 101)
        assert pasted.status_code == 400 and "at most 100" in pasted.text
        huge = c.post("/upload", content=b"z" * 70_000, headers={"content-type": "application/octet-stream"})
        assert huge.status_code == 413 and "larger than 62 KB in all" in huge.text
    with make_client(tmp_path / "ws2", limits=Limits(pages=1)) as c:
        two = upload(c, [("letter.pdf", PDF.read_bytes())])
        assert two.status_code == 400 and "2 pages; one letter has at most 1" in two.text


def test_pages_of_one_letter_must_be_images_or_pdfs(client: TestClient) -> None:
    response = upload(client, [("p1.txt", b"hello"), ("p2.txt", b"world")], mode="pages")
    assert response.status_code == 400 and "not text: p1.txt, p2.txt" in response.text


def test_every_post_needs_the_csrf_token_and_our_origin(client: TestClient) -> None:
    letter_id = read(client, [("letter.pdf", PDF.read_bytes())])
    good = token(client)
    no_token = client.post("/upload", data={"mode": "letters", "text": "x"}, files={"files": ("a.txt", b"a")})
    assert no_token.status_code == 403
    form = {"csrf": good, "path": "case_number", "action": "confirm"}
    other_site = client.post(f"/review/{letter_id}/field", data=form, headers={"origin": "http://evil.example"})
    assert other_site.status_code == 403
    wrong = client.post(f"/review/{letter_id}/field", data={**form, "csrf": "x" * 43})
    assert wrong.status_code == 403
    assert client.post(f"/review/{letter_id}/field", data=form, follow_redirects=False).status_code == 303
    # and every form on every page carries the token
    for url in ("/", f"/letters/{letter_id}", f"/review/{letter_id}", "/review", "/gold", "/settings"):
        html = client.get(url).text
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, flags=re.S)
        assert forms, url
        assert all(f'name="csrf" value="{good}"' in f for f in forms), url


def test_pages_run_no_inline_script_and_forbid_framing(client: TestClient) -> None:
    letter_id = read(client, [("letter.pdf", PDF.read_bytes())])
    for url in ("/", f"/letters/{letter_id}", f"/review/{letter_id}", "/review", "/gold", "/settings"):
        response = client.get(url)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY" and response.headers["cache-control"] == "no-store"
        scripts = re.findall(r"<script([^>]*)>", response.text)
        assert scripts and all('src="/static/' in s for s in scripts), url


def test_only_requests_to_this_machine_are_served_on_loopback(client: TestClient) -> None:
    assert client.get("/", headers={"host": "evil.example:8000"}).status_code == 421
    assert client.get("/", headers={"host": "localhost:8000"}).status_code == 200


def test_another_host_requires_the_token(tmp_path: Path) -> None:
    secret = "s" * 24
    with make_client(tmp_path / "ws", host="0.0.0.0", token=secret) as c:
        first = c.get("/", follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/login"
        assert c.get("/letters/1/record.json", follow_redirects=False).status_code == 303
        login = c.get("/login")
        assert login.status_code == 200 and 'type="password"' in login.text
        bad = c.post("/login", data={"csrf": csrf_of(login.text), "token": "wrong" * 5})
        assert bad.status_code == 401
        assert c.get("/", headers={"authorization": f"Bearer {secret}"}).status_code == 200
        entered = c.get(f"/?token={secret}", follow_redirects=False)
        assert entered.status_code == 303 and secret not in entered.headers["set-cookie"]
        assert c.get("/").status_code == 200  # the cookie now lets this browser in


def test_a_hostile_letter_stays_text(client: TestClient) -> None:
    letter_id = read(client, [], text=hostile_text())
    for url in (f"/letters/{letter_id}", f"/review/{letter_id}", f"/letters/{letter_id}/summary.en.html"):
        html = client.get(url).text
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold</b>" not in html, url
        assert 'href="javascript:' not in html and 'href="http://evil.example' not in html, url
    page = client.get(f"/letters/{letter_id}").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "[click](javascript:alert(2))" in page and "ice &lt;b&gt;bold&lt;/b&gt; [site](http://evil.example/)" in page


def test_control_and_bidi_characters_never_reach_the_browser_raw(client: TestClient) -> None:
    """A hostile tester's letter with ESC/OSC sequences and U+202E: the page and the summary had them raw (the
    U+202E flipped the request's words). Shown as visible escapes, as `summarize --format html` writes them."""
    text = hostile_text().replace("shoulder", "shoulder \u202eevil\x1b]8;;http://x\x07 end", 1)
    letter_id = read(client, [], text=text)
    for url in (
        f"/letters/{letter_id}",
        f"/review/{letter_id}",
        f"/letters/{letter_id}/summary.en.html",
        f"/letters/{letter_id}/summary.en.md",
        f"/letters/{letter_id}/record.json",
    ):
        body = client.get(url).text
        assert "\u202e" not in body and "\x1b" not in body and "\x07" not in body, url
    page = client.get(f"/letters/{letter_id}").text
    assert "\\u202eevil\\x1b]8;;http://x\\x07 end" in page  # the characters shown, not dropped
    assert json.loads(client.get(f"/letters/{letter_id}/record.json").text)["case_number"]  # still valid JSON


def test_a_correction_is_logged_never_overwritten_and_reaches_record_and_summary(
    client: TestClient, tmp_path: Path
) -> None:
    letter_id = read(client, [("letter.pdf", PDF.read_bytes())])
    csrf = token(client)
    post = f"/review/{letter_id}/field"
    json_accept = {"accept": "application/json"}
    client.cookies.set("imr_reviewer", "Ana Ruiz")
    confirmed = client.post(post, data={"csrf": csrf, "path": "case_number", "action": "confirm"}, headers=json_accept)
    assert confirmed.json() == {"ok": True, "state": "confirm", "value": "CM16-0900101", "path": "case_number"}
    bad = client.post(
        post,
        data={"csrf": csrf, "path": "decision_date", "action": "correct", "value": "30/12/2016"},
        headers=json_accept,
    )
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.json()["error"]
    item = "disputed_items.0.decision"
    for value in ("overturned", "upheld", "overturned"):
        ok = client.post(
            post, data={"csrf": csrf, "path": item, "action": "correct", "value": value}, headers=json_accept
        )
        assert ok.json()["ok"]
    record = client.get(f"/letters/{letter_id}/record.json").json()
    assert record["disputed_items"][0]["decision"] == "overturned"
    assert record["disputed_items"][0]["medically_necessary"] is True
    assert "Aprobada (Overturned)" in client.get(f"/letters/{letter_id}/summary.es.html").text.split("</table>")[0]
    db = sqlite3.connect(tmp_path / "ws" / "workspace.sqlite")
    rows = db.execute("SELECT path, action, old, new, who FROM audit ORDER BY id").fetchall()
    assert rows[0] == ("case_number", "confirm", '"CM16-0900101"', '"CM16-0900101"', "Ana Ruiz")
    assert [(r[1], json.loads(r[2]), json.loads(r[3])) for r in rows[1:]] == [
        ("correct", "upheld", "overturned"),
        ("correct", "overturned", "upheld"),
        ("correct", "upheld", "overturned"),
    ]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE audit SET new='\"upheld\"'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM audit")
    # the stored record is the parser's own: corrections sit beside it
    stored = json.loads(db.execute("SELECT record FROM letters").fetchone()[0])
    assert stored["disputed_items"][0]["decision"] == "upheld"
    review = client.get(f"/review/{letter_id}").text
    assert "Ana Ruiz" in review and "corrected" in review


def test_gold_export_matches_the_gold_format_and_imr_llm_eval_runs_on_it(client: TestClient, tmp_path: Path) -> None:
    letter_id = read(client, [("letter.pdf", PDF.read_bytes())])
    csrf = token(client)
    assert client.post(f"/review/{letter_id}/done", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert client.post("/gold/export", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    folder = tmp_path / "ws" / "gold"
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        ".imr-llm-export.json",  # the files this export wrote: the next export and a delete remove only those
        "CM16-0900101.gold.json",
        "CM16-0900101.pdf",
        "CM16-0900101.txt",
        "reviewed.toml",
    ]
    exported = json.loads((folder / "CM16-0900101.gold.json").read_text(encoding="utf-8"))
    expected = json.loads((SAMPLES / "synth-2016-basic.gold.json").read_text(encoding="utf-8"))
    assert list(exported) == list(expected)  # the gold keys, in gold order
    for key in expected:
        if key not in ("notes", "disputed_items"):
            assert exported[key] == expected[key], key
    for ours, theirs in zip(exported["disputed_items"], expected["disputed_items"], strict=True):
        assert {k: ours[k] for k in theirs} == theirs
    assert "Reviewed in imr-llm serve by" in exported["notes"]
    # `imr-llm eval` runs on the folder as it is
    result = run_cli("eval", str(folder / "reviewed.toml"), "--out", str(tmp_path / "run.json"))
    assert result.returncode == 0, result.stderr
    run = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert run["metrics"]["decision_accuracy"] == 1.0 and len(run["letters"]) == 2  # txt and pdf


def test_one_file_uploaded_three_times_is_one_gold_letter(client: TestClient, tmp_path: Path) -> None:
    """A hostile tester: the same letter uploaded 3 times and reviewed 3 times became 3 gold letters
    (CM16-0900101, -2, -3), which the eval scored as 3 agreeing letters; nothing said they were one file."""
    ids = [read(client, [("letter.pdf", PDF.read_bytes())]) for _ in range(3)]
    other = read(client, [("other.txt", (SAMPLES / "synth-2016-columns.txt").read_bytes())])
    csrf = token(client)
    for letter_id in [*ids, other]:
        assert client.post(f"/review/{letter_id}/done", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert client.post("/gold/export", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    gold = sorted(p.name for p in (tmp_path / "ws" / "gold").glob("*.gold.json"))
    assert len(gold) == 2 and "CM16-0900101.gold.json" in gold, gold  # one per file, two different files
    page = client.get("/gold").text
    note = re.search(r'<p class="note" data-repeat="(\d+)">(.*?)</p>', page, re.S)
    assert note is not None and note.group(1) == str(ids[-1]), page  # the latest review is the one kept
    assert "the same file as letter" in note.group(2) and all(f">{i}<" in note.group(2) for i in ids[:2])
    assert page.count('class="note" data-repeat') == 1  # the other letter is no repeat


def test_the_eval_runs_from_the_page_on_what_was_reviewed(client: TestClient) -> None:
    letter_id = read(client, [("letter.pdf", PDF.read_bytes())])
    csrf = token(client)
    client.post(
        f"/review/{letter_id}/field",
        data={"csrf": csrf, "path": "disputed_items.1.decision", "action": "correct", "value": "upheld"},
    )
    client.post(f"/review/{letter_id}/done", data={"csrf": csrf})
    assert client.post("/gold/export", data={"csrf": csrf, "then": "eval"}, follow_redirects=False).status_code == 303
    status = wait_until(lambda: (s := client.get("/gold/evals/1.json").json())["status"] != "running" and s, "eval")
    assert status["status"] == "done", status
    page = client.get("/gold").text
    # the reviewer says item 2 was upheld; the parser read overturned: half the decisions disagree with the gold
    assert 'data-metric="decision_accuracy">0.500<' in page and 'data-metric="item_f1">1.000<' in page


def test_a_batch_has_progress_and_filters(client: TestClient) -> None:
    names = ["synth-2016-basic", "synth-2016-columns", "synth-2016-layout", "synth-professional-review"]
    files = [(f"{n}.txt", (SAMPLES / f"{n}.txt").read_bytes()) for n in names]
    response = upload(client, files)
    assert response.status_code == 303 and response.headers["location"] == "/batches/1"
    wait_until(lambda: client.get("/batches/1/status.json").json()["done"], "the batch")
    page = client.get("/batches/1").text
    assert "4 of 4 letter(s) finished" in page
    overturned = client.get("/batches/1?decision=overturned").text
    assert overturned.count('class="status-done"') == 2  # the two letters without an overturned item are left out
    assert "upheld</strong>" not in overturned and "overturned</strong>" in overturned
    therapy = client.get("/batches/1?kind=therapy+visits").text  # kinds of care: the summary's plain words
    assert 'value="therapy visits" selected' in therapy and "Occupational therapy" in therapy
    assert "MRI of the right shoulder" not in therapy
    review = client.get("/batches/1?review=yes").text
    assert "No letter matches" in review or 'class="status-' in review


def test_the_queue_puts_unread_decisions_and_disagreements_first() -> None:
    from imr_llm.web.review import priority

    clean = {"disputed_items": [{"decision": "upheld"}], "warnings": [], "needs_review": False}
    unread = {"disputed_items": [{"decision": None}], "warnings": ["decision not read"], "needs_review": True}
    disagree = {**clean, "crosscheck": {"needs_review": True, "fields": [{"status": "disagree"}]}}
    ocr = {**clean, "source": {"ocr": {"page_confidence": [91.0, 62.0]}}}
    scores = {name: priority(r, False)[0] for name, r in [("clean", clean), ("unread", unread), ("model", disagree)]}
    scores["checks"] = priority(clean, True)[0]
    scores["ocr"] = priority(ocr, False)[0]
    assert sorted(scores, key=lambda k: -scores[k]) == ["unread", "model", "checks", "ocr", "clean"]
    assert priority(unread, False)[1] == ["unread decision", "parser warnings"]


def test_parser_and_model_side_by_side(tmp_path: Path) -> None:
    from imr_llm.parser import parse_text
    from imr_llm.pipeline.extraction import Extraction, ExtractorSpec
    from imr_llm.schema import CrossCheck, FieldCheck, LLMRun

    class FakeModel:
        name = "openai"

        def spec(self) -> ExtractorSpec:  # pragma: no cover - not used by the app
            raise NotImplementedError

        def made_by(self) -> str:  # pragma: no cover - not used by the app
            return "openai fake extract@3"

        def extract(self, letter: Any) -> Extraction:
            parser = parse_text(letter.text, letter.source)
            cross = CrossCheck(
                fields=[FieldCheck(path="case_number", status="disagree", parser="CM16-0900101", llm="CM16-0900107")],
                needs_review=True,
                reasons=["case_number"],
            )
            merged = parser.model_copy(update={"crosscheck": cross, "needs_review": True, "extractor": "merged"})
            run = LLMRun(
                backend="openai",
                model="m",
                base_url="http://x/v1",
                prompt="extract@1",
                prompt_hash="h",
                input_hash="i",
                cached=False,
            )
            return Extraction(parser=parser, merged=merged, llm=parser, run=run)

        def run(self, letter: Any) -> Any:  # pragma: no cover
            return self.extract(letter).merged

    with make_client(
        tmp_path / "ws", backend="openai", destination="http://x/v1 (model m)", extractor=FakeModel()
    ) as c:
        letter_id = read(c, [("letter.pdf", PDF.read_bytes())])
        page = c.get(f"/letters/{letter_id}").text
        assert "Parser and model, side by side" in page and "CM16-0900107" in page
        assert "parser and model disagree" in page
        assert "Letter text is sent to:</strong> http://x/v1 (model m)" in page


def test_deleting_the_workspace_removes_every_file(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    with make_client(workspace) as c:
        read(c, [("letter.pdf", PDF.read_bytes())])
        assert any((workspace / "files").rglob("*.pdf"))
        refused = c.post("/settings/delete", data={"csrf": token(c), "confirm": "no"}, follow_redirects=False)
        assert refused.status_code == 303 and workspace.exists()
        gone = c.post("/settings/delete", data={"csrf": token(c), "confirm": "delete"})
        assert gone.status_code == 200 and "Workspace deleted" in gone.text
        assert not workspace.exists()
        assert c.get("/letters/1").status_code == 410
        assert c.get("/").status_code == 410
        assert not workspace.exists()  # nothing made it again


def test_the_gold_export_and_a_delete_remove_only_what_the_export_wrote(tmp_path: Path) -> None:
    """A hostile tester: "delete the workspace" removed a gold file a person had put in WORKSPACE/gold/, and an
    export into a gold folder that was a link gave a 500 with a traceback."""
    workspace = tmp_path / "ws"
    with make_client(workspace) as c:
        letter_id = read(c, [("letter.pdf", PDF.read_bytes())])
        csrf = token(c)
        c.post(f"/review/{letter_id}/done", data={"csrf": csrf})
        (workspace / "gold").mkdir(exist_ok=True)
        (workspace / "gold" / "CM16-0900101.gold.json").write_text("{}\n")  # a person's own, same name
        (workspace / "gold" / "mine.gold.json").write_text("{}\n")
        assert c.post("/gold/export", data={"csrf": csrf}, follow_redirects=False).status_code == 303
        names = sorted(p.name for p in (workspace / "gold").iterdir())
        assert "CM16-0900101-1.gold.json" in names and "mine.gold.json" in names  # never written over
        assert (workspace / "gold" / "CM16-0900101.gold.json").read_text() == "{}\n"
        assert c.post("/gold/export", data={"csrf": csrf}, follow_redirects=False).status_code == 303  # again: same
        assert sorted(p.name for p in (workspace / "gold").iterdir()) == names
        # a gold folder that is a link: refused with a page, the linked folder untouched
        (workspace / "gold").rename(tmp_path / "elsewhere")
        (workspace / "gold").symlink_to(tmp_path / "elsewhere")
        linked = c.post("/gold/export", data={"csrf": csrf}, follow_redirects=False)
        assert linked.status_code == 409 and "is a link" in linked.text
        assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == names
        (workspace / "gold").unlink()
        (tmp_path / "elsewhere").rename(workspace / "gold")
        gone = c.post("/settings/delete", data={"csrf": token(c), "confirm": "delete"})
        assert gone.status_code == 200
    left = sorted(p.name for p in (workspace / "gold").iterdir())
    assert left == ["CM16-0900101.gold.json", "mine.gold.json"], left  # the person's files stay, the export's go


def test_a_letter_left_unread_at_a_stop_is_read_at_the_next_start(tmp_path: Path) -> None:
    from imr_llm.web.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    letter_id = ws.db.add_letter("letter.pdf", "pdf", 2, None)
    ws.save(letter_id, 1, "pdf", PDF.read_bytes())
    ws.db.close()
    ws.close()  # the server stopped
    with make_client(tmp_path / "ws") as c:
        wait_until(lambda: c.get(f"/letters/{letter_id}/status.json").json()["finished"], "the resumed letter")
        assert "CM16-0900101" in c.get(f"/letters/{letter_id}").text


def test_serve_starts_without_the_web_stack_for_other_commands_and_checks_its_token() -> None:
    probe = "import sys, imr_llm.cli; print(sorted(m for m in ('starlette', 'uvicorn') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert loaded.stdout.strip() == "[]", loaded.stderr
    short = subprocess.run(
        [sys.executable, "-m", "imr_llm", "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"IMR_LLM_SERVE_TOKEN": "short", "PATH": "/usr/bin:/bin"},
    )
    assert short.returncode == 2 and "IMR_LLM_SERVE_TOKEN must be at least 16 characters" in short.stderr


def test_a_number_too_long_for_a_row_is_no_page_never_a_server_error(client: TestClient) -> None:
    """A probe: /letters/99999999999999999999999 (and /batches, /review, /gold/evals) gave a 500 with a traceback
    (an integer SQLite cannot hold). Now a 404, as for any row that does not exist."""
    huge = "9" * 23
    for path in (f"/letters/{huge}", f"/batches/{huge}", f"/review/{huge}", f"/gold/evals/{huge}.json"):
        assert client.get(path).status_code == 404, path
    # the right output kept: an id of 18 digits is still a row number, and a row that exists still opens
    assert client.get(f"/letters/{'9' * 18}").status_code == 404
    letter_id = read(client, [("letter.pdf", PDF.read_bytes())])
    assert client.get(f"/letters/{letter_id}").status_code == 200


@pytest.mark.parametrize("name", ["Nguyễn Văn An", "Łukasz", "José Ruiz", "Ana Ruiz"])
def test_a_reviewer_name_in_any_script_is_kept_and_logged(client: TestClient, tmp_path: Path, name: str) -> None:
    letter_id = read(client, [("letter.pdf", PDF.read_bytes())])
    csrf = token(client)
    saved = client.post("/reviewer", data={"csrf": csrf, "name": name, "back": "/"}, follow_redirects=False)
    # wrong before (the probe): HTTP 500 for a name outside Latin-1 (a cookie's bytes)
    assert saved.status_code == 303, saved.text
    client.post(f"/review/{letter_id}/field", data={"csrf": csrf, "path": "case_number", "action": "confirm"})
    db = sqlite3.connect(tmp_path / "ws" / "workspace.sqlite")
    assert db.execute("SELECT who FROM audit ORDER BY id DESC LIMIT 1").fetchone() == (name,)


def test_an_upload_is_never_written_through_a_link_planted_in_the_workspace(client: TestClient, tmp_path: Path) -> None:
    first = read(client, [("letter.pdf", PDF.read_bytes())])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "ws" / "files" / str(first + 1)).symlink_to(elsewhere, target_is_directory=True)
    refused = upload(client, [("letter.pdf", PDF.read_bytes())])
    # wrong before (the probe): written to the folder the link led to, and left there by "delete the workspace"
    assert refused.status_code == 400 and "is a link" in refused.text, refused.status_code
    assert list(elsewhere.iterdir()) == []
    status = client.get(f"/letters/{first + 1}/status.json").json()
    assert status["finished"] and status["status"] == "failed", status  # never left queued
    (tmp_path / "ws" / "files" / str(first + 1)).unlink()
    assert upload(client, [("letter.pdf", PDF.read_bytes())]).status_code == 303  # right: no link, stored


def test_the_workspace_files_and_the_gold_export_are_the_users_only(tmp_path: Path) -> None:
    """A hostile tester (probe 27): under the usual umask 022 the uploads' folder was 0755 and the exported gold
    files 0644, while the README says the workspace is readable by its user only (0700 / 0600)."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        with make_client(tmp_path / "ws") as client:
            letter_id = read(client, [("letter.pdf", PDF.read_bytes())])
            csrf = token(client)
            client.post(f"/review/{letter_id}/done", data={"csrf": csrf}, follow_redirects=False)
            assert client.post("/gold/export", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    finally:
        os.umask(old)
    wide = [
        (oct(stat.S_IMODE(p.stat().st_mode)), str(p.relative_to(tmp_path)))
        for p in (tmp_path / "ws").rglob("*")
        if stat.S_IMODE(p.stat().st_mode) & 0o077
    ]
    assert wide == []
    assert (tmp_path / "ws" / "gold" / "CM16-0900101.gold.json").is_file()  # right: the export is there, private
