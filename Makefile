# repatria: the two commands people need are `make demo` and `make test`.
# Each sets up everything it needs on a fresh machine with Python 3.11 and make.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench lock system clean docs soak

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) pip sync --quiet --python $(PY) requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	touch $(STAMP)

# System packages the tests and the demo use (browser, PDF tools, fonts).
system:
	@bash scripts/system-packages

demo: $(STAMP) system
	$(VENV)/bin/repatria demo --base-dir .demo $(DEMO_ARGS)

# The suite runs in one worker per core (pytest-xdist); TEST_WORKERS=0 runs it in this process.
# Work stealing: a worker that runs dry takes tests queued for the other, so one long
# reliability test at the end of a queue does not leave a core idle.
TEST_WORKERS ?= auto
XDIST := -n $(TEST_WORKERS) --dist worksteal

test: $(STAMP) system
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

# The suite without the tests that start a process or a server (marked `process`, enforced by
# tests/markers.py): a quick check while editing. `make test` and .ci/run run everything.
test-fast: $(STAMP)
	$(PY) -m pytest $(XDIST) -m "not process" $(PYTEST_ARGS)

# The full runs of the reliability checks whose CI size is smaller (shared/design/reliability.md
# §4.2): every syscall crash point of a ledger append (R6), 100 random split views caught by
# gossip (R4), 20 witness kills (R5), 50 node kills on SQLite and 20 postmaster kills (R7),
# fuzzing (R22) and mutation testing (R24).
soak: $(STAMP) system
	REPATRIA_SOAK=1 $(PY) -m pytest tests/ledger/test_crash_points.py \
		tests/ledger/test_r4_split_view_gossip.py tests/ledger/test_r4_rollback.py \
		tests/ledger/test_r5_witness_kill.py tests/ledger/test_r7_kill_soak.py \
		tests/exchange/test_network.py tests/web/test_api_schema_fuzz.py $(PYTEST_ARGS)
	# R22: ten minutes of coverage-guided fuzzing per parser (tests/fuzz, atheris).
	for t in camt053 mt940 ftm csv envelope checkpoint; do \
		PYTHONPATH=src:. $(PY) -m tests.fuzz.run $$t -max_total_time=600 || exit 1; done
	# R24: mutation testing (mutmut, [tool.mutmut] in pyproject.toml) of the Merkle, note,
	# envelope and verification code, from scratch on one core; fails below 90% killed and
	# lists every mutant left (docs/security.md justifies the equivalent ones).
	$(PY) -m tests.mutation_score --run --max-children 1 --min 90

# bandit (R23, docs/security.md) runs at every severity and confidence and fails on any finding;
# its output, with the warnings it prints for the parts of a justified f-string, is shown only
# when it fails.
lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy src
	$(VENV)/bin/lint-imports
	@echo "bandit -q -c pyproject.toml -r src"; \
	out=$$($(VENV)/bin/bandit -q -c pyproject.toml -r src 2>&1) || { echo "$$out"; exit 1; }

bench: $(STAMP)
	$(PY) -m bench $(BENCH_ARGS)

# Re-pin every dependency after editing pyproject.toml.
lock: $(STAMP)
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache
