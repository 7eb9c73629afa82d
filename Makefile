# threat-kg: `make help` lists the targets.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STORE  ?= data/store
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: help install system-deps assets run test lint bench soak notebooks clean
VENDOR := api/static/vendor

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(VENDOR)/.stamp: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --silent
	mkdir -p $(VENDOR)
	cp web/node_modules/@zazuko/yasgui/build/yasgui.min.js web/node_modules/@zazuko/yasgui/build/yasgui.min.css $(VENDOR)/
	cp web/node_modules/cytoscape/dist/cytoscape.min.js web/node_modules/layout-base/layout-base.js \
	   web/node_modules/cose-base/cose-base.js web/node_modules/cytoscape-fcose/cytoscape-fcose.js $(VENDOR)/
	@touch $@

assets: $(VENDOR)/.stamp ## copy the explorer's front-end packages (npm registry) into api/static/vendor

# the rule modules compiled with mypyc (setup.py), rebuilt in place when they change
COMPILED := $(shell grep -o '"extract/[a-z_]*\.py"' setup.py | tr -d '"')

$(BIN)/kg: setup.cfg pyproject.toml setup.py $(VENDOR)/.stamp
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	KG_COMPILE=0 $(BIN)/pip install --quiet -e '.[dev]'
	@touch $(BIN)/kg

extract/_compiled.json: $(BIN)/kg $(COMPILED)
	$(BIN)/python setup.py --quiet build_ext --inplace

install: extract/_compiled.json ## create .venv, install the project with its dev extras, compile

system-deps: ## Debian tools some tests use (roqet, chromium); needs root, run by .ci/run
	@if ! command -v roqet >/dev/null || ! command -v chromium >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rasqal-utils chromium; \
	fi

run: extract/_compiled.json ## install, ingest the sample corpus and serve the API on 127.0.0.1:5000
	$(BIN)/kg ingest sample-corpus --store $(STORE)
	@echo
	@echo "threat-kg is at http://$(HOST):$(PORT)/  Try:"
	@echo "  curl 'http://$(HOST):$(PORT)/api/entities?q=lazarus'"
	@echo "  curl 'http://$(HOST):$(PORT)/api/neighbourhood?node=Lazarus%20Group&depth=1'"
	@echo "  curl -H 'Accept: text/csv' --data-urlencode 'query=PREFIX kgo: <https://w3id.org/threat-kg/ontology#> SELECT ?actor ?target WHERE { ?actor kgo:targets ?target }' http://$(HOST):$(PORT)/sparql"
	@echo
	$(BIN)/kg serve --store $(STORE) --host $(HOST) --port $(PORT)

test: extract/_compiled.json ## install and run the whole test suite
	$(BIN)/pytest

lint: $(BIN)/kg ## ruff, mypy and the import contracts
	$(BIN)/ruff check kg extract api cli shapes tests setup.py
	$(BIN)/mypy
	$(BIN)/lint-imports

soak: extract/_compiled.json ## the fault tests, long: 200 kills, 5 minutes of load, thousands of fuzz cases
	KG_FAULT_KILLS=200 KG_FAULT_SECONDS=300 KG_FUZZ_EXAMPLES=300 \
		$(BIN)/python -m pytest -p no:cacheprovider -s tests/faults

bench: extract/_compiled.json ## speed and memory figures, as ratios against a baseline in the same run
	$(BIN)/python -m tests.bench
	$(BIN)/python -m tests.bench_store
	$(BIN)/python -m tests.bench_ingest
	$(BIN)/python -m tests.bench_http

notebooks: $(BIN)/kg ## open the analyst notebooks in Jupyter, with the project's kernel
	$(BIN)/pip install --quiet jupyterlab
	cd notebooks && ../$(BIN)/jupyter lab

clean: ## remove the virtualenv, the store, front-end packages and caches
	rm -rf $(VENV) data build *.egg-info extract/*.so extract/_compiled.json .pytest_cache .mypy_cache .ruff_cache web/node_modules $(VENDOR)
