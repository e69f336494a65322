"""Dates as IMR letters write them: 10/14/2016, 10/14/ 2016, 10-21-16, October 11, 2016."""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    m.lower(): i
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        1,
    )
}
_MONTH_ALT = "|".join(m.capitalize() for m in MONTHS)

# numeric dates may break after a slash or hyphen ("10/14/ 2016" once de-wrapped)
NUMERIC_DATE = r"\d{1,2} ?[/-] ?\d{1,2} ?[/-] ?(?:\d{4}|\d{2})(?!\d)"
WORD_DATE = rf"(?:{_MONTH_ALT})\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}"
ANY_DATE = rf"(?:{NUMERIC_DATE}|{WORD_DATE})"

_NUMERIC = re.compile(r"(\d{1,2}) ?[/-] ?(\d{1,2}) ?[/-] ?(\d{4}|\d{2})$")
_WORD = re.compile(r"([A-Za-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$")


def parse_date(text: str) -> dt.date | None:
    """The date a US-style date string names, or None when it is not a valid date."""
    text = text.strip()
    m = _NUMERIC.match(text)
    try:
        if m:
            month, day, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if year < 100:
                year += 2000 if year < 70 else 1900
            return dt.date(year, month, day)
        m = _WORD.match(text)
        if m and m.group(1).lower() in MONTHS:
            return dt.date(int(m.group(3)), MONTHS[m.group(1).lower()], int(m.group(2)))
    except ValueError:
        return None
    return None
