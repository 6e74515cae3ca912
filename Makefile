# The two commands of the README: `make run` and `make test`. Every set-up step is a file target,
# so a second run skips what is done in a second or two.
PY      := .venv/bin/python
PORT    ?= 8080
STAMP   := .venv/.installed
WEB     := web/static/dist/app.js
IMAGE   := wasm/.verified

.PHONY: run test bench lint setup wasm web browser postgresql luasuite clean

setup: $(STAMP) $(IMAGE) $(WEB)

run: setup
	.venv/bin/cowasm-serve --port $(PORT)

test: setup browser postgresql luasuite
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: setup
	$(PY) -m bench

lint: $(STAMP)
	.venv/bin/ruff check server tests bench
	.venv/bin/ruff format --check server tests bench

# Python environment: the package, editable, with test, dev and postgres extras. A half-made .venv (no
# python, or no pip: python3-venv was missing when it was made) is made again.
$(STAMP): pyproject.toml setup.py
	$(PY) -m pip --version >/dev/null 2>&1 || { rm -rf .venv && python3 -m venv .venv; } \
	  || { rm -rf .venv; echo "python3 -m venv failed: apt-get install python3-venv" >&2; exit 1; }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,dev,postgres]'
	touch $@

# The wasm userland: verify the released artifacts against wasm/manifest.json; rebuild from
# Debian sources (make -C wasm) only when they are missing or do not match.
$(IMAGE): wasm/manifest.json $(STAMP)
	$(PY) wasm/verify.py || $(MAKE) -C wasm
	touch $@

wasm: $(STAMP)
	$(MAKE) -C wasm

# The page's bundle (xterm.js, yjs, CodeMirror) from npm, built with esbuild.
$(WEB): web/package.json web/package-lock.json $(wildcard web/static/src/*)
	@command -v npm >/dev/null || { echo "the web bundle needs npm: apt-get install npm" >&2; exit 1; }
	npm --prefix web ci --no-audit --no-fund --silent
	npm --prefix web run build
	touch $@

web: $(WEB)

# Lua's official test suite as npm's fengari 0.1.5 ships it, for tests/test_lua_suite.py (the lock
# pins it by hash; fengari's own code and dependencies are unused).
LUASUITE := tests/luasuite/node_modules/fengari/package.json
$(LUASUITE): tests/luasuite/package.json tests/luasuite/package-lock.json
	@command -v npm >/dev/null || { echo "Lua's test suite comes from npm: apt-get install npm" >&2; exit 1; }
	npm --prefix tests/luasuite ci --no-audit --no-fund --silent --ignore-scripts
	touch $@

luasuite: $(LUASUITE)

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi; }

# Debian's PostgreSQL server and HAProxy for the multi-node tests (tests/pgcluster.py starts a
# throwaway PostgreSQL, and HAProxy with docker/scale/haproxy.cfg).
postgresql:
	@need=""; ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="postgresql"; \
	command -v haproxy >/dev/null || need="$$need haproxy"; \
	[ -z "$$need" ] || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need; fi; }

clean:
	rm -rf .venv $(IMAGE) web/node_modules web/static/dist tests/luasuite/node_modules
