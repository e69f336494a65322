# Two set-up commands: `make demo` and `make test`. Each builds .venv from nothing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= dev,local

.PHONY: demo test test-fast lint bench install clean

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

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check imr_llm tests benchmarks
	$(BIN)/mypy

bench: install
	$(BIN)/python benchmarks/parse_throughput.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
