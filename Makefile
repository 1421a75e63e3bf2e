# Two commands: `make demo` and `make test`. Each sets up .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck plink openblas bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/medveil demo --workdir .demo
	@echo; echo '$$ medveil ledger verify .demo/hospital-a'
	@$(BIN)/medveil ledger verify .demo/hospital-a
	@echo; echo '$$ medveil ledger verify .demo/hospital-b   # the tampered one: must fail'
	@! $(BIN)/medveil ledger verify .demo/hospital-b

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# Debian packages a test or benchmark needs, installed only when missing (sudo unless root).
APT_INSTALL = SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); $$SUDO apt-get update -q && \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q

# The GWAS tests and benchmarks compare against plink1.9 and plink2 (Debian packages,
# never Python dependencies): install them when missing.
plink:
	@command -v plink1.9 >/dev/null && command -v plink2 >/dev/null || { $(APT_INSTALL) plink1.9 plink2; }

test: lint typecheck plink
	$(BIN)/pytest

# The GWAS benchmark's plink2 reference gets an optimized BLAS (Debian's plink2 links the
# system libblas.so.3; the reference netlib BLAS makes its exact --pca ~10x slower).
openblas:
	@[ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ] || { $(APT_INSTALL) libopenblas0-pthread; }

# Benchmarks install their references on the side (never package dependencies).
# pymerkle is GPLv3: it is a yardstick here, not a dependency.
$(VENV)/.bench: $(STAMP)
	$(BIN)/python -m pip install -q 'pymerkle==7.0.0'
	touch $(VENV)/.bench

bench: $(VENV)/.bench plink openblas
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/secagg.py
	$(BIN)/python bench/stats.py
	$(BIN)/python bench/glm.py
	$(BIN)/python bench/cox.py
	$(BIN)/python bench/scan_quality.py
	$(BIN)/python bench/scan_speed.py
	$(BIN)/python bench/gwas.py --workdir .bench-data

clean:
	rm -rf $(VENV) .demo medveil-demo .pytest_cache .mypy_cache .ruff_cache .bench-data
