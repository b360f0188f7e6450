# Floor: every target sets up what it needs, idempotently, on a fresh Debian machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# System packages: zbar for pyzbar, PostgreSQL server binaries for the store tests,
# tmux for the end-to-end pty test, poppler for PDF label round trips, chromium for the
# browser check, DejaVu fonts for non-ASCII names on PDF labels. Node.js/npm (for the
# offline ZPL renderer) come from Debian only when the machine has no npm of its own
# (a NodeSource node conflicts with Debian's npm).
APT_PACKAGES := libzbar0 postgresql tmux poppler-utils chromium fonts-dejavu-core
STAMP := $(VENV)/.installed
# The offline ZPL renderer for the label round-trip tests (npm ci from the committed lock).
ZPL_RENDER := tests/labels/zpl_render
NODE_STAMP := $(ZPL_RENDER)/node_modules/.installed

.PHONY: setup system node-deps run demo test lint bench clean

setup: system node-deps $(STAMP)

node-deps: system $(NODE_STAMP)

$(NODE_STAMP): $(ZPL_RENDER)/package.json $(ZPL_RENDER)/package-lock.json
	cd $(ZPL_RENDER) && npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

system:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@command -v npm >/dev/null 2>&1 || { \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm; }
	@# Debian's own python3 needs python3-venv for `python3 -m venv`.
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || { \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-venv; }

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

run: setup
	$(BIN)/floor demo

test: setup
	$(BIN)/python -m ruff check floor_app tests bench
	$(BIN)/python -m pytest -n 2 --timeout=600

lint: setup
	$(BIN)/python -m ruff check floor_app tests bench
	$(BIN)/lint-imports

bench: setup
	for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
