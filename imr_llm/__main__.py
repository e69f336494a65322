"""`python -m imr_llm` runs the command line."""

from imr_llm.cli import run

run()
