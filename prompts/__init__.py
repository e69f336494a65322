"""The prompt templates, NAME/VERSION/{system.j2,user.j2,prompt.toml}.

This folder is installed as the package `imr_llm.prompts` (see pyproject.toml), so the templates
ship inside the wheel and are found with importlib.resources; `$IMR_LLM_PROMPTS` points elsewhere.
"""
