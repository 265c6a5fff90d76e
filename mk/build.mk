# Discovery-based build:
#   libs/common/src/*.c            -> $(BUILD)/libcommon.a
#   libs/browser/src/*.c           -> $(BUILD)/libbrowser.a (recipes, runner, inbox; linked by
#                                    the services in BROWSER_USERS, before libcommon)
#   libs/browser/tools/<x>.c       -> $(BUILD)/bin/byebuy-<x>     (linked with libbrowser)
#   services/<svc>/src/*.c and src/*/*.c -> $(BUILD)/bin/byebuy-<svc>   (main.c holds main();
#                                    sources include each other from src/: "store/x.h")
#   services/<svc>/tools/<x>.c     -> $(BUILD)/bin/byebuy-<x>     (extra programs, linked with the service objects)
#   tests/sandbox/*.c              -> $(BUILD)/bin/byebuy-sandbox
#   libs/common/tests/test_*.c     -> $(BUILD)/tests/common_test_*            (cmocka)
#   libs/browser/tests/test_*.c    -> $(BUILD)/tests/browser_test_*           (cmocka)
#   services/<svc>/tests/test_*.c  -> $(BUILD)/tests/<svc>_test_*  (linked with the service objects but main.c)
#   services/<svc>/openapi.json    -> embedded in the service's objects at build time as the
#                                     symbols embed_openapi_json[], embed_openapi_json_len (mk/embed.S)

SERVICES := api poster monitor responder

COMMON_SRC := $(wildcard libs/common/src/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/obj/%.o)
COMMON_LIB := $(BUILD)/libcommon.a

# Public headers of a library are included as "browser/x.h"; its private ones sit in src/.
CPPFLAGS += -Ilibs/browser/include
BROWSER_SRC := $(wildcard libs/browser/src/*.c)
BROWSER_OBJ := $(BROWSER_SRC:%.c=$(BUILD)/obj/%.o)
BROWSER_LIB := $(BUILD)/libbrowser.a
BROWSER_USERS := poster monitor
BROWSER_TOOLS := $(patsubst libs/browser/tools/%.c,$(BUILD)/bin/byebuy-%,$(wildcard libs/browser/tools/*.c))
BROWSER_TESTS := $(patsubst libs/browser/tests/%.c,$(BUILD)/tests/browser_%,$(wildcard libs/browser/tests/test_*.c))

define service_rules
$(1)_SRC      := $$(wildcard services/$(1)/src/*.c services/$(1)/src/*/*.c)
$(1)_EMBED    := $$(wildcard services/$(1)/openapi.json)
$(1)_OBJ      := $$($(1)_SRC:%.c=$$(BUILD)/obj/%.o) $$($(1)_EMBED:%=$$(BUILD)/obj/%.embed.o)
$(1)_LIBOBJ   := $$(filter-out $$(BUILD)/obj/services/$(1)/src/main.o,$$($(1)_OBJ))
$(1)_LIBS     := $$(if $$(filter $(1),$$(BROWSER_USERS)),$$(BROWSER_LIB)) $$(COMMON_LIB)
$(1)_BIN      := $$(BUILD)/bin/byebuy-$(1)
$(1)_TOOLS    := $$(patsubst services/$(1)/tools/%.c,$$(BUILD)/bin/byebuy-%,$$(wildcard services/$(1)/tools/*.c))
$(1)_TESTS    := $$(patsubst services/$(1)/tests/%.c,$$(BUILD)/tests/$(1)_%,$$(wildcard services/$(1)/tests/test_*.c))

# a service's sources, tests and tools include its headers relative to src/
$$($(1)_OBJ): CPPFLAGS += -Iservices/$(1)/src

$$($(1)_BIN): $$($(1)_OBJ) $$($(1)_LIBS)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)

$$(BUILD)/bin/byebuy-%: services/$(1)/tools/%.c $$($(1)_LIBOBJ) $$($(1)_LIBS)
	@mkdir -p $$(@D) $$(BUILD)/obj/services/$(1)/tools
	$$(CC) $$(CPPFLAGS) -Iservices/$(1)/src $$(CFLAGS) -MF $$(BUILD)/obj/services/$(1)/tools/$$*.d -c -o $$(BUILD)/obj/services/$(1)/tools/$$*.o $$<
	$$(CC) $$(LDFLAGS) -o $$@ $$(BUILD)/obj/services/$(1)/tools/$$*.o $$($(1)_LIBOBJ) $$($(1)_LIBS) $$(LDLIBS)

$$(BUILD)/tests/$(1)_%: services/$(1)/tests/%.c $$($(1)_LIBOBJ) $$($(1)_LIBS)
	@mkdir -p $$(@D) $$(BUILD)/obj/services/$(1)/tests
	$$(CC) $$(CPPFLAGS) -Iservices/$(1)/src $$(CFLAGS) -MF $$(BUILD)/obj/services/$(1)/tests/$$*.d -c -o $$(BUILD)/obj/services/$(1)/tests/$$*.o $$<
	$$(CC) $$(LDFLAGS) -o $$@ $$(BUILD)/obj/services/$(1)/tests/$$*.o $$($(1)_LIBOBJ) $$($(1)_LIBS) $$(LDLIBS) $$(TEST_LDLIBS)
endef
$(foreach s,$(SERVICES),$(eval $(call service_rules,$(s))))

SANDBOX_SRC := $(wildcard tests/sandbox/*.c)
SANDBOX_OBJ := $(SANDBOX_SRC:%.c=$(BUILD)/obj/%.o)
SANDBOX_BIN := $(if $(SANDBOX_SRC),$(BUILD)/bin/byebuy-sandbox)

COMMON_TESTS := $(patsubst libs/common/tests/%.c,$(BUILD)/tests/common_%,$(wildcard libs/common/tests/test_*.c))

BINS  := $(foreach s,$(SERVICES),$(if $($(s)_SRC),$($(s)_BIN)) $($(s)_TOOLS)) $(SANDBOX_BIN) \
         $(BROWSER_TOOLS)
TESTS := $(COMMON_TESTS) $(BROWSER_TESTS) $(foreach s,$(SERVICES),$($(s)_TESTS))

.PHONY: all bins unit-tests clean check format format-check lint
all: bins
bins: $(BINS)
unit-tests: $(TESTS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -I$(dir $<) $(CFLAGS) -c -o $@ $<

# An embedded file: its bytes in .rodata, rebuilt when the file changes. The symbol is its name
# with dots as underscores, prefixed embed_ (services/api/openapi.json -> embed_openapi_json).
$(BUILD)/obj/%.embed.o: % mk/embed.S
	@mkdir -p $(@D)
	$(CC) -c -DEMBED_FILE='"$<"' -DEMBED_NAME=embed_$(subst .,_,$(notdir $<)) -o $@ mk/embed.S

$(COMMON_LIB): $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BROWSER_LIB): $(BROWSER_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/bin/byebuy-%: libs/browser/tools/%.c $(BROWSER_LIB) $(COMMON_LIB)
	@mkdir -p $(@D) $(BUILD)/obj/libs/browser/tools
	$(CC) $(CPPFLAGS) $(CFLAGS) -MF $(BUILD)/obj/libs/browser/tools/$*.d -c -o $(BUILD)/obj/libs/browser/tools/$*.o $<
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/obj/libs/browser/tools/$*.o $(BROWSER_LIB) $(COMMON_LIB) $(LDLIBS)

$(BUILD)/tests/browser_%: libs/browser/tests/%.c $(BROWSER_LIB) $(COMMON_LIB)
	@mkdir -p $(@D) $(BUILD)/obj/libs/browser/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -MF $(BUILD)/obj/libs/browser/tests/$*.d -c -o $(BUILD)/obj/libs/browser/tests/$*.o $<
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/obj/libs/browser/tests/$*.o $(BROWSER_LIB) $(COMMON_LIB) $(LDLIBS) $(TEST_LDLIBS)

$(SANDBOX_BIN): $(SANDBOX_OBJ) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/common_%: libs/common/tests/%.c $(COMMON_LIB)
	@mkdir -p $(@D) $(BUILD)/obj/libs/common/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -MF $(BUILD)/obj/libs/common/tests/$*.d -c -o $(BUILD)/obj/libs/common/tests/$*.o $<
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/obj/libs/common/tests/$*.o $(COMMON_LIB) $(LDLIBS) $(TEST_LDLIBS)

# Unit tests only, no stack (the db and Kafka tests then need BB_TEST_PG_URL / BB_TEST_KAFKA).
.PHONY: unit
unit: unit-tests
	@scripts/run-unit.sh $(TESTS)

# -Werror plus an ASan+UBSan build of the unit tests, run against the test profile's
# PostgreSQL and Kafka (scripts/check.sh starts and stops them).
check: format-check
	$(MAKE) WERROR=1 bins unit-tests
	$(MAKE) WERROR=1 SANITIZER=address,undefined unit-tests
	scripts/check.sh $(patsubst build/%,build-san/%,$(TESTS))

C_FILES = $(shell git ls-files '*.c' '*.h')
# service tests and tools include their service's private headers
LINT_INCLUDES = $(foreach s,$(SERVICES),-Iservices/$(s)/src) -Itests/sandbox -Ilibs/browser/src
format:
	clang-format -i $(C_FILES)
# The tree stays as `make format` leaves it: any file clang-format would change fails check.
format-check:
	clang-format --dry-run --Werror $(C_FILES)
# The OpenAPI documents: JSON with no duplicate key (parsers silently keep one of two), then
# a valid OpenAPI 3 description with every $ref resolved (openapi-spec-validator, pinned in
# tests/requirements.txt).
OPENAPI_SPECS = $(wildcard services/*/openapi.json)
lint:
	scripts/check-json.py $(OPENAPI_SPECS)
	python3 -m openapi_spec_validator $(OPENAPI_SPECS)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --inline-suppr \
	  --suppress=missingIncludeSystem -D_GNU_SOURCE -Ilibs/common/include -Ilibs/browser/include \
	  $(LINT_INCLUDES) \
	  $(filter %.c,$(C_FILES))
	clang-tidy --quiet $(filter %.c,$(C_FILES)) -- $(CPPFLAGS) $(LINT_INCLUDES) -std=c11 $(PKG_CFLAGS) 2>/dev/null

clean:
	rm -rf build build-san

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
