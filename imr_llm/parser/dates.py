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
# a header date written another way than the letters' own 10/23/2016: "2016-10-23", "10.23.2016", "23-Oct-2016",
# "October 23, 2016" (the value is the label's; only the numeric form was read, and the others were warned about)
_MONTH_ABBR = "|".join(m.capitalize()[:3] for m in MONTHS)
ISO_DATE = r"\d{4}-\d{1,2}-\d{1,2}(?!\d)"
DOTTED_DATE = r"\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})(?!\d)"
DAY_MONTH_DATE = rf"\d{{1,2}}[- ](?:{_MONTH_ABBR})[a-z]*\.?[- ]\d{{4}}"
SHORT_WORD_DATE = rf"(?:{_MONTH_ABBR}|Sept)\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}"  # "Feb. 17, 2017", "Sept 5, 2016"
HEADER_DATE = rf"(?:{ISO_DATE}|{NUMERIC_DATE}|{DOTTED_DATE}|{DAY_MONTH_DATE}|{WORD_DATE}|{SHORT_WORD_DATE})"

_NUMERIC = re.compile(r"(\d{1,2}) ?[/.-] ?(\d{1,2}) ?[/.-] ?(\d{4}|\d{2})$")
_WORD = re.compile(r"([A-Za-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_MONTH = re.compile(r"(\d{1,2})[- ]([A-Za-z]+)\.?[- ](\d{4})$")
_MONTH_STARTS = {m[:3]: i for m, i in MONTHS.items()}


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
        if m and len(m.group(1)) <= 4 and m.group(1).lower()[:3] in _MONTH_STARTS:  # "Feb. 17, 2017", "Sept 5, 2016"
            return dt.date(int(m.group(3)), _MONTH_STARTS[m.group(1).lower()[:3]], int(m.group(2)))
        m = _ISO.match(text)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        d = _DAY_MONTH.match(text)
        named = _MONTH_STARTS.get(d.group(2).lower()[:3]) if d else None
        if d and named is not None and (d.group(2).lower() in MONTHS or len(d.group(2)) <= 4):
            return dt.date(int(d.group(3)), named, int(d.group(1)))
    except ValueError:
        return None
    return None
