# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
KB := $(VENV)/bin/kb
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: run test test-slow install install-test browser models ingest serve clean

UV_VERSION := 0.13.8
TEST_EXTRAS := -e '.[test,llm-test]'

# uv installs the pinned dependencies ~8x faster than pip (measured on a fresh venv: 14 s against
# 155 s for the package and its test extras); pip stays the fallback when uv is unavailable
define install_deps
	$(VENV)/bin/uv pip install --python $(PY) --quiet $(1) || $(PY) -m pip install --quiet $(1)
endef

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet uv==$(UV_VERSION) || echo "uv not available: installing with pip"

# torch first, pinned and with pip, which reads the machine's pip configuration (the CPU wheel on
# disk) instead of taking a CUDA build; uv then keeps the installed torch, which satisfies the pin
$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet torch==2.13.0
	$(call install_deps,-e .)
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(call install_deps,$(TEST_EXTRAS))
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium; no browser download)
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

models: install
	$(KB) models prepare

# a document that fails keeps the last complete index serving: report it, then start the app anyway
ingest: models
	$(KB) ingest || echo "kb ingest: some documents failed (listed above); the app serves the last complete index"

serve: ingest
	$(KB) serve

run: serve

# the suites run on TEST_WORKERS pytest-xdist processes (one torch thread each; files that share
# fixtures stay on one worker: tests/conftest_parallel.py); TEST_WORKERS=0 runs them in this process
TEST_WORKERS ?= 2

test: install-test
	$(PY) -m pytest -m "not slow" -q -n $(TEST_WORKERS)

# the long builds first, so the two workers end together (tests/conftest_parallel.py)
test-slow: install-test browser
	$(PY) -m pytest -m "slow" -q -n $(TEST_WORKERS) --no-loadscope-reorder || [ $$? -eq 5 ]

clean:
	rm -rf indexes/current indexes/versions models .test-fixtures
