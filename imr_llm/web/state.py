"""Everything one running app holds: settings, workspace, background readers, the eval runner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from imr_llm.web.config import Settings
    from imr_llm.web.evaluate import Evaluator
    from imr_llm.web.jobs import Reader, Runner
    from imr_llm.web.workspace import Workspace


@dataclass
class AppState:
    settings: Settings
    workspace: Workspace
    reader: Reader
    runner: Runner
    evaluator: Evaluator
