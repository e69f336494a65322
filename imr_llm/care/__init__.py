"""What care an item asks for: its kind, its drug and its body site (issue 24).

The classifiers read only the record's own words and tables kept here (`drugs.toml`); each value has its
evidence span and a `match` status, and a value no rule is sure of is null. The parser fills them
(`with_care`); the summary words the kind (imr_llm.summary.facts); `imr-llm report` counts them.
"""

from imr_llm.care.classify import with_care
from imr_llm.care.kinds import classify_kind

__all__ = ["classify_kind", "with_care"]
