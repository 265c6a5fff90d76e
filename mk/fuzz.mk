# libFuzzer targets, one per parser of outside input: fuzz/<target>.c -> build-fuzz/fuzz/<target>,
# built with clang -fsanitize=fuzzer,address,undefined against the libraries and service objects
# built the same way in build-fuzz/. Seeds are committed in fuzz/corpus/<target>/.
#   make fuzz                   each target for FUZZ_SECONDS (default 600), one after the other
#   make fuzz FUZZ_SECONDS=120  shorter; make fuzz FUZZ_TARGETS=offer one target
FUZZ_ALL     := $(patsubst fuzz/%.c,%,$(wildcard fuzz/*.c))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_SECONDS ?= 600

ifeq ($(FUZZ_BUILD),1)
CFLAGS += -fsanitize=fuzzer-no-link
WARN := $(filter-out -Wno-format-truncation,$(WARN)) # gcc's only
# what each target links besides libcommon, and whose private headers it includes
FUZZ_LINK_json_body       :=
FUZZ_LINK_event_decode    :=
FUZZ_LINK_recipe          := $(BROWSER_LIB)
FUZZ_LINK_llm_completion  := $(responder_LIBOBJ)
FUZZ_LINK_offer           := $(responder_LIBOBJ)
FUZZ_LINK_form_urlencoded := $(BUILD)/obj/services/api/src/http/form.o
FUZZ_LINK_form_multipart  := $(BUILD)/obj/services/api/src/http/form.o
FUZZ_INC_llm_completion   := -Iservices/responder/src
FUZZ_INC_offer            := -Iservices/responder/src
FUZZ_INC_form_urlencoded  := -Iservices/api/src
FUZZ_INC_form_multipart   := -Iservices/api/src

$(BUILD)/fuzz/%: fuzz/%.c $(COMMON_LIB) $(BROWSER_LIB) $(responder_LIBOBJ) $(BUILD)/obj/services/api/src/http/form.o
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(FUZZ_INC_$*) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LINK_$*) \
	  $(COMMON_LIB) $(LDFLAGS) $(LDLIBS)
endif

.PHONY: fuzz fuzz-build fuzz-bins
fuzz-bins: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)

# clang, not the default cc: libFuzzer is clang's (Debian: clang + libclang-rt-14-dev).
fuzz-build:
	$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang SANITIZER=address,undefined \
	  FUZZ_BUILD=1 OPT="-O1 -g" fuzz-bins

fuzz: fuzz-build
	scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)
