# The local stack and the two commands of the README. Scripts do the work; see scripts/.
.PHONY: up down test deps status logs
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
