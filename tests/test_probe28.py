"""The twenty-eighth hostile probe's cases, each tested both ways (the wrong output it must not produce, and the
right one). All letters here are synthetic."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import pytest


@pytest.mark.parametrize("sep", ["-", ",", ", ", ".", "_"])
def test_a_key_spelled_with_marks_between_its_characters_is_removed(sep: str) -> None:
    from imr_llm.llm.config import scrub_error

    key = "Zq7Tw3xK"
    # wrong before (the probe): "Z-q-7-T-w-3-x-K" reached stderr, llm.error and the call log
    assert "Z" + sep + "q" + sep + "7" not in scrub_error("credential was: " + sep.join(key), key)
    # right: a message that does not hold the key keeps its words and marks
    assert scrub_error("model f-a-k-e is not served", key) == "model f-a-k-e is not served"


def test_a_huge_image_header_is_a_clear_refusal_not_a_server_error() -> None:
    from imr_llm.web.sniff import Rejected, image_frames

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    def png(width: int, height: int) -> bytes:
        header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 11))
            + chunk(b"IEND", b"")
        )

    # wrong before (the probe): Pillow's DecompressionBombError, HTTP 500
    with pytest.raises(Rejected, match="too large"):
        image_frames("h.png", png(100_000, 100_000))
    assert image_frames("small.png", png(10, 1)) == 1  # right: an ordinary image is one page


def test_a_link_planted_among_the_uploads_or_in_the_gold_folder_is_never_read(tmp_path: Path) -> None:
    from imr_llm.web.workspace import Workspace

    secret = tmp_path / "secret.txt"
    secret.write_text("not the worker's letter", encoding="utf-8")
    workspace = Workspace(tmp_path / "ws")
    try:
        stored = workspace.save(1, 0, "pdf", b"%PDF-1.4 ours")
        planted = stored.parent / "01.pdf"
        planted.symlink_to(secret)
        # wrong before (the probe): the gold export copied the file a planted link led to as the letter's original
        assert workspace.uploads(1) == [stored]  # right: our own upload is still read
    finally:
        workspace.close()


def test_the_gold_zip_holds_only_the_workspaces_own_files(tmp_path: Path) -> None:
    import zipfile

    from tests.test_web_app import PDF, make_client, read, token

    with make_client(tmp_path / "ws") as client:
        letter_id = read(client, [("letter.pdf", PDF.read_bytes())])
        csrf = token(client)
        client.post(f"/review/{letter_id}/done", data={"csrf": csrf}, follow_redirects=False)
        assert client.post("/gold/export", data={"csrf": csrf}, follow_redirects=False).status_code == 303
        secret = tmp_path / "secret.txt"
        secret.write_text("server file", encoding="utf-8")
        os.symlink(secret, tmp_path / "ws" / "gold" / "planted.txt")
        response = client.get("/gold/imr-gold.zip")
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    # wrong before (the probe): the zip served the file the planted link led to
    assert "gold/planted.txt" not in names
    assert "gold/CM16-0900101.gold.json" in names  # right: the export itself is there


@pytest.mark.parametrize("joint", ["", "\n\n"])
def test_a_letter_followed_by_a_professional_review_keeps_its_own_items(joint: str) -> None:
    from imr_llm.parser import parse_text
    from tests.conftest import SAMPLES

    letter = (SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8")
    review = (SAMPLES / "synth-professional-review.txt").read_text(encoding="utf-8")
    record = parse_text((letter.rstrip("\f\n") if joint else letter) + joint + review)
    # wrong before (the probe): the record held the 2016 letter's case number and only the review's item, and the
    # page told the worker the approved MRI was "not approved", with nothing flagged
    assert [i.decision for i in record.disputed_items] == ["upheld", "overturned"]
    assert record.template == "final_2016" and record.case_number == "CM16-0900101"
    assert any("the file holds 2 letters" in w for w in record.warnings)
    # right: the review read alone is still a review
    alone = parse_text(review)
    assert alone.template == "professional_review" and len(alone.disputed_items) == 1


@pytest.mark.parametrize(
    ("k", "change"),
    [
        (1, ("no necesariamente se han", "necesariamente no se han")),  # "necessarily not": the reviewer's turned
        (1, ("hay indicios", "hay indicios claros")),  # a sense added: clear
        (1, ("hay indicios", "hay indicios recientes")),  # recent
        (1, ("hay indicios", "casi no hay indicios")),  # almost none
        (0, ("no hay documentación de problemas", "no hay documentación que descarte problemas")),  # rules out
        (0, ("no hay documentación de problemas", "no hay documentación suficiente de problemas")),  # enough
    ],
)
def test_a_spanish_rewrite_that_adds_or_turns_a_sense_is_refused(k: int, change: tuple[str, str]) -> None:
    from imr_llm.summary.rewrite import reason_problems
    from tests.test_probe27 import _APPROVED, _DENIED, _ES_APPROVED, _ES_DENIED, _es_item

    item, language = _es_item(k, _APPROVED if k == 1 else _DENIED)
    faithful = _ES_APPROVED if k == 1 else _ES_DENIED
    assert change[0] in faithful
    # wrong before (the probe): each accepted
    assert reason_problems(faithful.replace(change[0], change[1]), item, language)  # type: ignore[arg-type]
    assert reason_problems(faithful, item, language) == []  # type: ignore[arg-type]  # right: the faithful one passes


@pytest.mark.parametrize(
    "rest",
    [" while the claimant reports he cannot swallow", "; the claimant reports he tolerates them well",
     ", with the claimant reporting good relief", ", since the claimant reports they work",
     ", given that the claimant reports he can swallow", ", nor does the claimant report stomach problems",
     ", which the claimant says he never tried"],
)  # fmt: skip
def test_what_follows_the_missing_thing_as_a_clause_of_its_own_is_not_asked_for(rest: str) -> None:
    from imr_llm.summary.restate import own_clause

    # wrong before (the probe): "a new request could include records of liquid medicines while you report ..."
    assert own_clause(f"a trial of liquid medicines{rest}") == "a trial of liquid medicines"


@pytest.mark.parametrize(
    "missing",
    ["a prior course of therapy, and of its results", "failure to improve and there was no later worsening",
     "a diagnosis of nerve compression and there is no record of how the test would change care"],
)  # fmt: skip
def test_a_second_missing_thing_stays_part_of_it(missing: str) -> None:
    from imr_llm.summary.restate import own_clause

    assert own_clause(missing) == missing  # right: "and there is no B" and "and of B" are missing too


@pytest.mark.parametrize(
    ("ban", "closed"),
    [("MRI of the shoulder is not recommended without at least 6 weeks of failed physical therapy.", False),
     ("MRI of the shoulder is not recommended without a significant change in symptoms.", False),
     ("MRI of the shoulder is not recommended for this condition.", True)],
)  # fmt: skip
def test_a_ban_that_names_what_records_could_show_is_not_a_closed_door(ban: str, closed: bool) -> None:
    from tests.test_probe27 import _shoulder_denied_step

    # wrong before (the probe): "Asking again with more records is not likely to change that" for the first two
    assert ("not likely to change" in _shoulder_denied_step(ban)) is closed
