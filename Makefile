# ysqgk — build, run, test, bench.
#
#   make            build build/ysqgk (optimised)
#   make run        install missing packages, start PostgreSQL + app + nginx (PORT=8080)
#   make test       unit tests (cmocka) and end-to-end tests, under ASan + UBSan
#   make bench      wrk against the real stack
#   make fuzz       libFuzzer targets for the parsers, router and templates
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX  ?= /usr/local
CC      ?= cc
PKGS     = json-c libsodium
WARN     = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
INCS     = -Ifcgi $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -I/usr/include/postgresql
LIBS     = -lfcgi -lpq $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

SRCS     = $(sort $(wildcard fcgi/*.c fcgi/pages/*.c fcgi/domain/*.c))
LIB_SRCS = $(filter-out fcgi/main.c,$(SRCS))
UNIT_SRCS = $(sort $(wildcard tests/unit/test_*.c))

# Release build.
REL_DIR   = build/rel
REL_FLAGS = $(WARN) -O2 -g $(INCS)
REL_OBJS  = $(SRCS:%.c=$(REL_DIR)/%.o)

# Test build: sanitizers on, frame pointers for readable reports.
TST_DIR   = build/test
TST_FLAGS = $(WARN) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
            -fno-sanitize-recover=undefined $(INCS)
TST_OBJS  = $(LIB_SRCS:%.c=$(TST_DIR)/%.o)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(TST_DIR)/unit/%)

.PHONY: all deps run test test-faults unit e2e bench install clean check-deps fuzz
all: build/ysqgk

deps:
	@deploy/install-deps.sh build

build/ysqgk: $(REL_OBJS)
	$(CC) $(REL_FLAGS) -o $@ $^ $(LIBS)

$(REL_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(REL_FLAGS) -MMD -MP -c -o $@ $<

$(TST_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(TST_FLAGS) -MMD -MP -c -o $@ $<

build/ysqgk-test: $(TST_OBJS) $(TST_DIR)/fcgi/main.o
	$(CC) $(TST_FLAGS) -o $@ $^ $(LIBS)

$(TST_DIR)/unit/%: tests/unit/%.c $(TST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(TST_FLAGS) -Itests/unit -o $@ $< $(TST_OBJS) $(LIBS) -lcmocka

run:
	@deploy/install-deps.sh run
	@$(MAKE) --no-print-directory build/ysqgk
	@deploy/dev-stack.sh run

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
	  YSQGK_SHARED=$(CURDIR)/../shared $$t || fail=1; done; exit $$fail

e2e: build/ysqgk-test
	@YSQGK_BIN=$(CURDIR)/build/ysqgk-test python3 tests/e2e/run.py

test-faults: build/ysqgk-test
	@deploy/install-deps.sh test
	@YSQGK_BIN=$(CURDIR)/build/ysqgk-test python3 tests/faults/run.py

test:
	@deploy/install-deps.sh test
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory e2e

bench:
	@deploy/install-deps.sh bench
	@$(MAKE) --no-print-directory build/ysqgk
	@deploy/bench.sh

# Fuzzing (libFuzzer, clang): each tests/fuzz/fuzz_<name>.c target runs for
# FUZZ_SECONDS (default 60) from its seed corpus tests/fuzz/corpus/<name>/.
FUZZ_SECONDS ?= 60
fuzz:
	@deploy/install-deps.sh fuzz
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

install: build/ysqgk
	install -D -m 0755 build/ysqgk $(DESTDIR)$(PREFIX)/bin/ysqgk
	mkdir -p $(DESTDIR)$(PREFIX)/share/ysqgk
	cp -r templates sql $(DESTDIR)$(PREFIX)/share/ysqgk/

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
