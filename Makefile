# Two set-up commands: `make demo` and `make test`. Each builds .venv from nothing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-evals skip-dev-evals lint bench summary-report wheel-smoke clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# the tool and its web app (what `make demo` and then `imr-llm serve` need)
$(VENV)/.installed-base: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[web]'
	touch $@

# plus test tools and the local llama.cpp backend (builds from source the first time, ~5 min). Built for
# any x86-64 with AVX2, not for this CPU: a native build used AVX-512 and AMX, and crashed (SIGSEGV) on the
# first token on a machine whose CPU reports AMX under a sandbox that does not enable it. Override with
# LLAMA_CMAKE_ARGS= (empty: llama.cpp's native default).
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -q -e '.[dev,local]'
	touch $(VENV)/.installed-base $@

# The main job, offline, on the synthetic sample letters kept in samples/.
demo: $(VENV)/.installed-base
	@mkdir -p out
	$(BIN)/imr-llm parse samples/*.txt samples/*.pdf samples/*.tif > out/records.jsonl
	@echo "wrote out/records.jsonl ($$(wc -l < out/records.jsonl) records; samples/synth-2016-basic.tif is a fax, read by OCR)"
	@$(BIN)/python -c "import json; [print(' ', r['source']['path'], r['template'], r['case_number'], [(i['request'][:40], i['decision']) for i in r['disputed_items']]) for r in map(json.loads, open('out/records.jsonl'))]"
	$(BIN)/imr-llm summarize samples/*.txt --out out/summaries --format html
	$(BIN)/imr-llm summarize samples/*.txt --out out/summaries --format md --lang es
	@echo "wrote patient summaries to out/summaries/ (HTML in English, Markdown in Spanish)"
	@echo "next: $(BIN)/imr-llm serve   (the web app on http://127.0.0.1:8000/)"

# pytest over 2 worker processes (pytest-xdist; a file's tests stay on one worker, so its fixtures are
# made once), then the eval suites, two at a time. TEST_WORKERS=0 runs pytest in one process.
TEST_WORKERS ?= 2
SYNTHETIC_EVALS := synthetic-rules synthetic-scans
DEV_EVALS := dev-rules dev-scans-ci dev-research   # on ../shared/letters: skipped when it is absent

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=25
	@$(MAKE) --no-print-directory -j2 -O test-evals

test-evals: $(addprefix eval-,$(SYNTHETIC_EVALS)) $(if $(wildcard ../shared/letters/dev),$(addprefix eval-,$(DEV_EVALS)),skip-dev-evals)

eval-%:
	$(BIN)/imr-llm eval evals/$*.toml --out out/evals/$*.json

skip-dev-evals:
	@echo "skip evals/dev-rules.toml, dev-scans-ci.toml and dev-research.toml: ../shared/letters not found"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check imr_llm tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports   # the layer contracts in pyproject.toml: a cycle or an upward import fails

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/parse_throughput.py
	$(BIN)/python benchmarks/batch_throughput.py
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/ocr_throughput.py
	$(BIN)/python benchmarks/batch_api.py --out benchmarks/results-batch-api.json
	$(BIN)/python benchmarks/web.py --out benchmarks/results-web.json
	$(BIN)/python benchmarks/report_10k.py --out benchmarks/results-report.json
	@if [ -d ../shared/letters/dev ]; then $(BIN)/imr-llm eval evals/dev-scans.toml --out out/evals/dev-scans.json; fi

# Build the wheel and use it from a fresh venv outside the checkout (CI runs this)
wheel-smoke: $(VENV)/.installed-base
	PYTHON=$(PYTHON) .ci/wheel-smoke

# Reading grades and checks of the offline summaries over the dev letters (or samples/)
summary-report: $(VENV)/.installed-base
	$(BIN)/python -m imr_llm.evals.summary_report

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
