# Two set-up commands: `make demo` and `make test`. Each builds .venv from nothing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= dev,local

.PHONY: demo test lint bench summary-report install clean

$(BIN)/.installed-$(EXTRAS): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[$(EXTRAS)]'
	touch $@

install: $(BIN)/.installed-$(EXTRAS)

# The main job, offline, on the synthetic sample letters kept in samples/.
demo: install
	@mkdir -p out
	$(BIN)/imr-llm parse samples/*.txt samples/*.pdf > out/records.jsonl
	@echo "wrote out/records.jsonl ($$(wc -l < out/records.jsonl) records)"
	@$(BIN)/python -c "import json,sys; [print(r['source']['path'], r['template'], r['case_number'], [(i['request'][:48], i['decision']) for i in r['disputed_items']]) for r in map(json.loads, open('out/records.jsonl'))]"
	$(BIN)/imr-llm summarize samples/*.txt --out out/summaries --format html
	$(BIN)/imr-llm summarize samples/*.txt --out out/summaries --format md --lang es
	@echo "wrote patient summaries (HTML in English, Markdown in Spanish) to out/summaries/"

test: install
	$(BIN)/python -m pytest -q
	$(BIN)/imr-llm eval evals/synthetic-rules.toml --out out/evals/synthetic-rules.json
	@if [ -d ../shared/letters/dev ]; then $(BIN)/imr-llm eval evals/dev-rules.toml --out out/evals/dev-rules.json; \
	else echo "skip evals/dev-rules.toml: ../shared/letters not found"; fi

lint: install
	$(BIN)/ruff check imr_llm tests benchmarks
	$(BIN)/mypy

bench: install
	$(BIN)/python benchmarks/parse_throughput.py
	$(BIN)/python benchmarks/batch_throughput.py

# Reading grades and checks of the offline summaries over the dev letters (or samples/)
summary-report: install
	$(BIN)/python -m imr_llm.summary.report

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
