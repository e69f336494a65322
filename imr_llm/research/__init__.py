"""Research over an archive of records (issue 24): uphold rates by kind of care, drug class, body site,
guideline, reason, ICD-10-CM chapter, reviewer specialty and month, with intervals that respect letters
(`imr-llm report`), and the letters and items tables as Parquet."""

from imr_llm.research.report import build_report

__all__ = ["build_report"]
