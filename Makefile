# Two commands set up a fresh machine (see README.md):
#   make demo   install everything into .venv and run the main job on the local engine
#   make test   install everything into .venv and run lint, types and the whole test suite
#   make test-neo4j   the whole test suite against a real Neo4j 5 server (CI runs both)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-neo4j lint install clean chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/supplymap demo --out demo-out

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The map tests open the maps in headless Chromium (Debian's chromium package). Install it when
# it is missing and we may (root with apt-get); otherwise those tests skip and say why.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	    { DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 || \
	      { apt-get update -q >/dev/null 2>&1 && \
	        DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; }; }; } || \
	  echo "note: Chromium is not installed and could not be installed here; the browser tests will be skipped"

test: lint chromium
	$(BIN)/python -m pytest

# The whole suite again, against a real Neo4j 5.26 Community server that .ci/neo4j/run.py
# fetches from Maven Central (cached in ~/.m2), starts on a free port and always stops.
# Needs Java 17+ and Maven.
test-neo4j: $(STAMP) chromium
	$(BIN)/python .ci/neo4j/run.py -- $(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
