"""The closing report of a batch run, live or from batch answers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from imr_llm.outputs import visible

if TYPE_CHECKING:
    from rich.console import Console

    from imr_llm.batch.run import BatchReport


def print_batch_report(report: BatchReport, out: Path, console: Console) -> None:
    rate = report.inputs / report.seconds if report.seconds else 0.0
    shown = visible(str(out), keep_newlines=False)
    failed_before = sum(report.failed_before.values())
    console.print(
        f"{'interrupted' if report.interrupted else 'done'}: {report.inputs} inputs in {report.seconds:.1f} s "
        f"({rate:,.0f}/s): {report.ok} records, {sum(report.failed.values())} failed, "
        f"{report.skipped} already in {shown}"
        + (f" ({failed_before} of them failed in an earlier run and still have no record)" if failed_before else "")
    )
    for kind, n in report.failed.most_common():
        console.print(f"  failed ({kind}): {n}")
    for kind, n in report.unreadable_kept.most_common():
        console.print(f"  could not be read now ({kind}), their earlier records kept: {n}")
    for kind, n in report.failed_before.most_common():
        console.print(f"  failed in an earlier run ({kind}): {n}")
    for kind, n in report.llm_failed_before.most_common():
        console.print(f"  LLM failed in an earlier run, parser record kept ({kind}): {n} (--retry-errors asks again)")
    if report.corrupt_lines:
        console.print(
            f"  dropped {report.corrupt_lines} unreadable line(s) from {shown} (not records; their inputs redone)"
        )
    if report.read_again:
        console.print(
            f"  {report.read_again} letter(s) read again under a new path: {shown} also holds their records under a "
            "path that is gone (a moved folder?), so the table counts them twice; remove the old lines"
        )
    if report.same_case:
        console.print(
            f"  {report.same_case} record(s) of a letter already in {shown} under another file (the same case number: "
            "a PDF and its text, or a copy?): the table counts each; `imr-llm report` counts each letter once"
        )
    if report.duplicates:
        console.print(f"  dropped {report.duplicates} older duplicate record(s) from {shown}: one record per input")
    if report.summaries_late:
        console.print(f"  summaries written for letters already in the output: {report.summaries_late}")
    if report.summaries_unwritten:
        reason = visible(report.summary_error or "", keep_newlines=False)
        console.print(f"  summaries NOT written: {report.summaries_unwritten} ({reason}); their records are kept")
    if report.replaced:
        console.print(f"  replaced the records of {report.replaced} input(s) whose content changed")
    if report.summaries_stale:
        console.print(f"  removed {report.summaries_stale} summary file(s) of those replaced records")
    if report.repaired_bytes:
        console.print(f"  repaired a partly written last line ({report.repaired_bytes} bytes dropped, input redone)")
    for kind, n in report.llm_failed.most_common():
        console.print(f"  LLM failed, parser record kept ({kind}): {n} (rerun with --retry-errors to ask again)")
    if report.summaries_failed:
        console.print(
            f"  summaries that FAILED their checks (written with a warning at the top): {report.summaries_failed}"
        )
    if report.dropped_errors:
        console.print(f"  retried {report.dropped_errors} earlier failures")
    if report.requests:
        console.print(
            f"  LLM: {report.requests} requests, {report.prompt_tokens:,} prompt + "
            f"{report.completion_tokens:,} completion tokens"
        )
    if report.interrupted:
        console.print("  rerun the same command to finish; nothing written is lost")
