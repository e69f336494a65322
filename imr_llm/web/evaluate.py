"""Run the eval suite on the exported gold in the background, and keep its figures for the page.

Why through the eval runner: the figures must be the ones `imr-llm eval WORKSPACE/gold/reviewed.toml`
prints (same suite, same scorers, same bootstrap), so the page and the terminal never disagree. Only
one eval runs at a time; its run file is kept in WORKSPACE/evals/.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imr_llm.errors import ImrError

if TYPE_CHECKING:
    from imr_llm.evals.results import LetterResult
    from imr_llm.llm.config import LLMConfig
    from imr_llm.web.workspace import Workspace

log = logging.getLogger("imr_llm.web")
SHOWN = (
    "key_field_accuracy",
    "decision_accuracy",
    "decisions_wrong",
    "decisions_unread",
    "item_f1",
    "diagnoses_f1",
    "guidelines_f1",
    "grounding_rate",
    "summary_pass_rate",
    "reason_topic_accuracy",
)


class Evaluator:
    def __init__(self, workspace: Workspace, backend: str, config: LLMConfig | None) -> None:
        self.workspace = workspace
        self.backend = backend
        self.config = config
        self._busy = threading.Lock()
        self.thread: threading.Thread | None = None

    def running(self) -> bool:
        return self._busy.locked()

    def start(self, suite: Path, letters: int) -> int | None:
        """Start an eval of `suite` (None when one is already running)."""
        if not self._busy.acquire(blocking=False):
            return None
        eval_id = self.workspace.db.add_eval(self.backend, letters)
        self.thread = threading.Thread(target=self._run, args=(eval_id, suite), name="imr-llm-eval", daemon=True)
        self.thread.start()
        return eval_id

    def _run(self, eval_id: int, suite_path: Path) -> None:
        db = self.workspace.db
        try:
            from imr_llm.evals.runner import run_suite
            from imr_llm.evals.suite import load_suite
            from imr_llm.llm.cache import opened
            from imr_llm.pipeline.backends import get_backend

            suite = load_suite(suite_path).model_copy(update={"backend": self.backend})
            done = 0

            def advance(result: LetterResult) -> None:
                nonlocal done
                done += 1
                db.update_eval(eval_id, done=done)

            out = self.workspace.private_dir(self.workspace.evals) / f"reviewed-{self.backend}-{eval_id}.json"
            with opened(None, True, get_backend(self.backend).uses_llm) as cache:
                run = run_suite(suite, self.config, cache, None, advance, out)
            run.save(out)
            os.chmod(out, 0o600)  # the workspace's files are the user's only
            metrics: dict[str, Any] = {
                "values": {m: run.metrics[m] for m in SHOWN if m in run.metrics},
                "intervals": {m: list(run.intervals[m]) for m in SHOWN if m in run.intervals},
                "inputs": len(run.letters),
                "errors": [f"{x.name}: {x.error}" for x in run.letters if x.error],
                "per_letter": per_letter(run.letters),
            }
            db.update_eval(eval_id, status="done", run_path=str(out), metrics=json.dumps(metrics))
        except ImrError as e:
            if not self.workspace.deleted:
                db.update_eval(eval_id, status="failed", error=str(e))
        except Exception as e:
            log.error("eval %s: %s", eval_id, traceback.format_exc())
            if not self.workspace.deleted:
                db.update_eval(eval_id, status="failed", error=f"internal error ({type(e).__name__}: {e})")
        finally:
            self._busy.release()


def per_letter(letters: list[LetterResult]) -> dict[str, dict[str, Any]]:
    """Each input's key fields right out of scored, and which were wrong (the fields scorer's own test)."""
    from imr_llm.evals.runner import letter_label
    from imr_llm.evals.scoring import score_letter

    out: dict[str, dict[str, Any]] = {}
    for x in letters:
        results = score_letter(x.name, x.gold, x.scored())
        wrong = sorted({r.path for r in results if not r.correct})
        out[letter_label(x)] = {"correct": len(results) - len(wrong), "total": len(results), "wrong": wrong[:20]}
    return out
