"""`imr-llm prompts`: the prompt templates."""

from __future__ import annotations

from imr_llm.cli.common import fail
from imr_llm.errors import ConfigError


def prompts() -> None:
    """List the prompt templates (NAME@VERSION) and what they are for."""
    from imr_llm.llm.prompts import available_prompts, load_prompt

    try:
        for ref in available_prompts():
            print(f"{ref}\t{load_prompt(ref).description}")
    except ConfigError as e:
        fail(str(e))
