# The local stack and the two commands of the README. Scripts do the work; see scripts/.
.PHONY: up down restart test deps status logs token fuzz-api
deps:
	scripts/install-deps.sh
# bins in a second make: this one read pkg-config's flags before deps could install anything.
up: deps
	$(MAKE) --no-print-directory bins
	scripts/build-frontend.sh
	scripts/stack.sh up
down:
	scripts/stack.sh down
# make restart SERVICE=api|poster|monitor|responder|sandbox|chromedriver|kafka|pg
restart:
	@test -n "$(SERVICE)" || { echo "usage: make restart SERVICE=api|poster|monitor|responder|sandbox|chromedriver|kafka|pg" >&2; exit 2; }
	scripts/stack.sh restart $(SERVICE)
status:
	scripts/stack.sh status
# one new api token for scripts on stdout (TOKEN_NAME=... names it); needs `make up`
token:
	@scripts/stack.sh token
test: deps
	scripts/test.sh
# Schemathesis against the real api at length (tests/integration/test_api_contract.py, the test
# `make test` runs with 5 examples per operation): FUZZ_API_EXAMPLES per operation, FUZZ_API_SEED.
# Through scripts/test.sh (its own stack), on one worker, the contract test alone.
FUZZ_API_EXAMPLES ?= 100
FUZZ_API_SEED ?= 20261207
fuzz-api: deps
	BB_CONTRACT_EXAMPLES=$(FUZZ_API_EXAMPLES) BB_CONTRACT_SEED=$(FUZZ_API_SEED) \
	BB_CONTRACT_TIMEOUT=7200 BB_TEST_TIMEOUT_PER_TEST=7200 BB_TEST_PYTEST_TIMEOUT=7500 \
	BB_TEST_WORKERS=1 BB_TEST_PYTEST_ARGS="-k test_api_contract -s" scripts/test.sh
# docker-compose.yml run for real with podman (scripts/compose/check.sh; needs
# `scripts/install-deps.sh --with compose`, which this target runs). Not part of `make test`:
# it takes minutes (.ci/run runs it as its own step).
.PHONY: compose-check
compose-check:
	scripts/install-deps.sh --with compose
	scripts/compose/check.sh
