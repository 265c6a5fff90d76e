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
.PHONY: up down restart test deps status logs token fuzz-api
