# Compiler and linker flags. `make WERROR=1` adds -Werror; `make SANITIZER=address,undefined`
# builds everything into build-san/ with the sanitizers.
CC        ?= cc
WERROR    ?= 0
SANITIZER ?=
OPT       ?= -O2 -g

BUILD := build
ifneq ($(SANITIZER),)
BUILD := build-san
endif

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wundef -Wno-format-nonliteral -Wno-format-truncation
ifeq ($(WERROR),1)
WARN += -Werror
endif

PKGS     := libcjson rdkafka libcurl libpq vips libcrypto libsodium
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CPPFLAGS += -D_GNU_SOURCE -Ilibs/common/include -MMD -MP
CFLAGS   += -std=c11 $(OPT) $(WARN) -fno-strict-aliasing -pthread $(PKG_CFLAGS)
LDLIBS   += -lcivetweb $(PKG_LIBS) -lpthread -lm
TEST_LDLIBS := -lcmocka

ifneq ($(SANITIZER),)
CFLAGS  += -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=$(SANITIZER)
endif

# A fresh machine has none of the libraries yet: say what to run instead of failing on the
# first missing header. `make deps` (and `make up` / `make test`, which call it) installs them.
# Skipped for targets that need no compiler (deps itself, the stack commands, clean, format).
NO_BUILD_GOALS := deps up down status logs token test fuzz-api compose-check clean format format-check
ifneq ($(filter-out $(NO_BUILD_GOALS),$(or $(MAKECMDGOALS),all)),)
ifeq ($(wildcard /usr/include/civetweb.h),)
$(error civetweb.h not found: the build libraries are not installed; run `make deps` first (it installs what Bye-Buy needs))
endif
ifneq ($(shell pkg-config --exists $(PKGS) && echo ok),ok)
$(error missing build libraries: pkg-config finds none of or only some of '$(PKGS)'; run `make deps` first)
endif
endif
