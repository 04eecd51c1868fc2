# `make run` starts the dashboard; `make test` runs the whole suite. Both install what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum < requirements.txt | cut -d' ' -f1)
DB := $(or $(POVERTY_DB),data/poverty.duckdb)
PORT ?= 8501
# Only this machine by default; `make run ADDRESS=0.0.0.0` serves the office network (README).
ADDRESS ?= 127.0.0.1
# Debian packages the product needs: Chromium for PNG export and browser tests, fonts with
# Vietnamese glyphs. Installed once, only when missing.
DEBIAN_PACKAGES := chromium chromium-driver fonts-dejavu-core fonts-liberation2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test bench system-packages venv db clean

venv: $(STAMP)

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

system-packages:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi dejavu; then \
		echo "Installing Debian packages: $(DEBIAN_PACKAGES)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(DEBIAN_PACKAGES) >/dev/null; \
	fi

db: $(STAMP)
	@test -f "$(DB)" || $(PY) -m analytics init --demo --db "$(DB)"

run: $(STAMP) system-packages db
	POVERTY_DB="$(DB)" $(PY) -m streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT)

test: $(STAMP) system-packages
	$(PY) -m pytest

bench: $(STAMP) system-packages
	$(PY) -m pytest -m slow --timeout=1800
	$(PY) bench/run_all.py
	$(PY) bench/bench_scenarios.py
	$(PY) bench/report_bench.py
	$(PY) bench/init_bench.py

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
