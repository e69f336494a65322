from imr_llm.fields import compact as squash
from imr_llm.textnorm import flatten


def test_line_end_hyphen_joins_next_line_and_keeps_hyphen() -> None:
    assert flatten("range-of-\nmotion").flat == "range-of-motion"
    assert flatten("anti-  \n\n  depressants").flat == "anti-depressants"


def test_every_other_whitespace_run_is_one_space() -> None:
    assert flatten("  a \n\n b\tc\f d  ").flat == "a b c d"
    assert flatten("10/14/\n2016").flat == "10/14/ 2016"


def test_crlf_soft_hyphen_and_pdfium_hyphen_marks() -> None:
    assert flatten("right\ufffesided and left\xadhanded\r\nnext").flat == "right-sided and left-handed next"


def test_page_footer_lines_are_dropped() -> None:
    text = "first line\n        Page 1 of 2\n\fsecond line\nPage 2 of 2\n"
    assert flatten(text).flat == "first line second line"


def test_offsets_map_back_to_the_raw_text() -> None:
    raw = " Case  Number:\n\nCM16-0000001 anti-\n  depressants\r\n  done "
    ft = flatten(raw)
    for word in ("Case", "Number:", "CM16-0000001", "done"):
        i = ft.flat.index(word)
        s, e = ft.raw_span(i, i + len(word))
        assert raw[s:e] == word
    i = ft.flat.index("anti-depressants")
    s, e = ft.raw_span(i, i + len("anti-depressants"))
    assert squash(raw[s:e]) == squash("anti-depressants")


def test_squash_ignores_whitespace_hyphens_and_case() -> None:
    assert squash("Anti-\n depressants") == squash("antidepressants")


def test_ocr_curly_quotes_are_the_letters_straight_ones_and_text_letters_keep_theirs() -> None:
    from imr_llm.textnorm import clean_chars

    read = "imaging in the event of \u201cred flag\u201d signs; the worker\u2019s pain"
    cleaned = clean_chars(read, ocr=True)
    assert cleaned == 'imaging in the event of "red flag" signs; the worker\'s pain' and len(cleaned) == len(read)
    assert clean_chars(read, ocr=False) == read  # a text layer's quotes are the letter's own
