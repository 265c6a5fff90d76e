# The local stack and the two commands of the README. Scripts do the work; see scripts/.
.PHONY: up down test deps status logs fuzz-api
deps:
	scripts/install-deps.sh
# bins in a second make: this one read pkg-config's flags before deps could install anything.
up: deps
	$(MAKE) --no-print-directory bins
	scripts/build-frontend.sh
	scripts/stack.sh up
down:
	scripts/stack.sh down
status:
	scripts/stack.sh status
test: deps
	scripts/test.sh
# Schemathesis against the real api at length (tests/integration/test_api_contract.py, the test
# `make test` runs with 5 examples per operation): FUZZ_API_EXAMPLES per operation, FUZZ_API_SEED.
FUZZ_API_EXAMPLES ?= 100
FUZZ_API_SEED ?= 20261207
fuzz-api: deps
	BB_CONTRACT_EXAMPLES=$(FUZZ_API_EXAMPLES) BB_CONTRACT_SEED=$(FUZZ_API_SEED) \
	BB_CONTRACT_TIMEOUT=7200 BB_TEST_TIMEOUT_PER_TEST=7200 BB_TEST_PYTEST_TIMEOUT=7500 \
	BB_TEST_PYTEST_ARGS="tests/integration/test_api_contract.py -s" scripts/test.sh
