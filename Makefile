# ysqgk — build, run, test, bench.
#
#   make            build build/ysqgk (optimised)
#   make run        install missing packages, start PostgreSQL + app + nginx (PORT=8080)
#   make test       unit tests (cmocka) and end-to-end tests, under ASan + UBSan
#   make test-dates the date-sensitive end-to-end suites at fixed instants (CI)
#   make bench      wrk against the real stack
#   make fuzz       libFuzzer targets for the parsers, router and templates
#   make install    PREFIX=/usr/local DESTDIR= (docs/deploy.md)

PREFIX  ?= /usr/local
CC      ?= cc
PKGS     = json-c libsodium liboath libqrencode libcurl pangocairo fontconfig libzip xlsxwriter
WARN     = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
INCS     = -Ifcgi -Ibuild/gen $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -I/usr/include/postgresql
LIBS     = -lfcgi -lpq $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lmagic -lunistring -lpthread -lm

SRCS     = $(sort $(wildcard fcgi/*/*.c fcgi/web/pages/*.c fcgi/web/pages/*/*.c))
LIB_SRCS = $(filter-out fcgi/cli/main.c,$(SRCS))
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

# enum stmt and the COL() constants, without the SQL (fcgi/core/db.h):
# rewritten only when a name changes, so that SQL edits rebuild db.c alone.
STMT_FILES = fcgi/core/statements.def fcgi/core/event_hash.h fcgi/core/columns.h \
             $(wildcard fcgi/*/*.stmts fcgi/web/pages/*/*.stmts)
STMT_NAMES = build/gen/gen/stmt_names.h
$(STMT_NAMES): $(STMT_FILES) fcgi/core/stmt_names.sh
	@mkdir -p $(dir $@)
	@fcgi/core/stmt_names.sh $@ $(CC) -Ifcgi

.PHONY: all deps run test test-dates test-faults unit e2e layers bench install clean check-deps fuzz
all: build/ysqgk

# The GB 2312 subset of the notices' font (deploy/subset-font.py says why),
# beside the binaries; a minute or two each, once.
NOTO_CJK = /usr/share/fonts/opentype/noto
FONTS    = build/fonts/YSQGKSerifSC-Regular.otf build/fonts/YSQGKSerifSC-Bold.otf
build/fonts/YSQGKSerifSC-%.otf: deploy/subset-font.py
	@mkdir -p $(dir $@)
	/usr/bin/python3 deploy/subset-font.py $(NOTO_CJK)/NotoSerifCJK-$*.ttc $* $@

deps:
	@deploy/install-deps.sh build

build/ysqgk: $(REL_OBJS) | $(FONTS)
	$(CC) $(REL_FLAGS) -o $@ $^ $(LIBS)

$(REL_DIR)/%.o: %.c | $(STMT_NAMES)
	@mkdir -p $(dir $@)
	$(CC) $(REL_FLAGS) -MMD -MP -c -o $@ $<

$(TST_DIR)/%.o: %.c | $(STMT_NAMES)
	@mkdir -p $(dir $@)
	$(CC) $(TST_FLAGS) -MMD -MP -c -o $@ $<

build/ysqgk-test: $(TST_OBJS) $(TST_DIR)/fcgi/cli/main.o | $(FONTS)
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
	  YSQGK_SHARED="$(CURDIR)/../shared" YSQGK_REPO="$(CURDIR)" \
	  LSAN_OPTIONS="suppressions=$(CURDIR)/tests/lsan.supp" $$t || fail=1; done; exit $$fail

e2e: build/ysqgk-test
	@YSQGK_E2E_JOBS=$${YSQGK_E2E_JOBS:-2} YSQGK_BIN="$(CURDIR)/build/ysqgk-test" python3 tests/e2e/run.py

# tests/instants.sh: a Saturday, a Sunday, a 调休 working Saturday, the
# Spring Festival, the year's edges in Beijing time, 29 February, a year
# without its holiday schedule — the whole stack's clock set by tests/at.sh.
test-dates: build/ysqgk-test
	@deploy/install-deps.sh test
	@YSQGK_BIN="$(CURDIR)/build/ysqgk-test" tests/instants.sh

test-faults: build/ysqgk-test
	@deploy/install-deps.sh test
	@YSQGK_BIN="$(CURDIR)/build/ysqgk-test" python3 tests/faults/run.py

# The include rule of docs/architecture.md (tests/layers.sh), after a
# self-test showing the check catches what it should.
layers:
	@tests/layers_selftest.sh
	@tests/layers.sh

# The optimised build first: -O2 finds what -O1 with the sanitizers does
# not (maybe-uninitialized), and `make run` and `make bench` use it.
test:
	@deploy/install-deps.sh test
	@$(MAKE) --no-print-directory -j2 build/ysqgk
	@$(MAKE) --no-print-directory layers
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

# ---- install (docs/deploy.md) ------------------------------------------------
# Programs and data under PREFIX; configuration, the systemd units and the
# nginx parts under /etc. The two files meant to be edited (ysqgk.conf and
# nginx's conf.d/ysqgk.conf: the upstream and the rate limits) are kept when
# changed, the new version going beside them as .new; the units and the
# server snippet are ours (change them with drop-ins). DESTDIR stages it all;
# INSTALL_BIN installs another build (the tests install build/ysqgk-test).
SYSCONFDIR ?= /etc
RUNDIR     ?= /run/ysqgk
UNITDIR    ?= $(SYSCONFDIR)/systemd/system
NGINXDIR   ?= $(SYSCONFDIR)/nginx
DATADIR     = $(PREFIX)/share/ysqgk
DOCDIR      = $(PREFIX)/share/doc/ysqgk
STAGE      ?= build/install
INSTALL_BIN ?= build/ysqgk
SUBST       = sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@DATADIR@|$(DATADIR)|g' \
              -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@RUNDIR@|$(RUNDIR)|g' \
              -e 's|@DOCDIR@|$(DOCDIR)|g' -e 's|@SOCKET@|$(RUNDIR)/ysqgk.sock|g' \
              -e 's|@STATIC@|$(DATADIR)/templates/static|g'
CONFFILE    = deploy/install-file.sh conffile
# The sender and the daily run (issue 14; docs/deploy.md "Messages").
UNITS_MORE  = ysqgk-notify.service ysqgk-deadlines.service ysqgk-deadlines.timer

install: $(INSTALL_BIN) $(FONTS)
	@rm -rf $(STAGE) && mkdir -p $(STAGE)
	$(SUBST) deploy/ysqgk.conf.example >$(STAGE)/ysqgk.conf
	$(SUBST) deploy/ysqgk.service >$(STAGE)/ysqgk.service
	$(SUBST) deploy/ysqgk.socket >$(STAGE)/ysqgk.socket
	for u in $(UNITS_MORE); do $(SUBST) deploy/$$u >$(STAGE)/$$u || exit 1; done
	$(SUBST) deploy/ysqgk-migrate.sh >$(STAGE)/ysqgk-migrate
	$(SUBST) nginx/ysqgk-http.conf >$(STAGE)/ysqgk-http.conf
	$(SUBST) nginx/ysqgk.conf >$(STAGE)/ysqgk-server.conf
	install -D -m 0755 $(INSTALL_BIN) $(DESTDIR)$(PREFIX)/bin/ysqgk
	install -D -m 0755 $(STAGE)/ysqgk-migrate $(DESTDIR)$(PREFIX)/sbin/ysqgk-migrate
	deploy/install-file.sh tree templates $(DESTDIR)$(DATADIR)/templates
	deploy/install-file.sh tree sql $(DESTDIR)$(DATADIR)/sql
	deploy/install-file.sh tree build/fonts $(DESTDIR)$(DATADIR)/fonts
	install -D -m 0644 deploy/db-roles.sql $(DESTDIR)$(DATADIR)/db/roles.sql
	install -D -m 0644 deploy/db-grants.sql $(DESTDIR)$(DATADIR)/db/grants.sql
	install -D -m 0644 $(STAGE)/ysqgk-http.conf $(DESTDIR)$(DATADIR)/nginx/ysqgk-http.conf
	install -D -m 0644 $(STAGE)/ysqgk-server.conf $(DESTDIR)$(DATADIR)/nginx/ysqgk.conf
	install -D -m 0644 $(STAGE)/ysqgk.conf $(DESTDIR)$(DATADIR)/ysqgk.conf.example
	install -D -m 0644 docs/deploy.md $(DESTDIR)$(DOCDIR)/deploy.md
	$(CONFFILE) 0644 $(STAGE)/ysqgk.conf $(DESTDIR)$(SYSCONFDIR)/ysqgk/ysqgk.conf
	$(CONFFILE) 0644 $(STAGE)/ysqgk-http.conf $(DESTDIR)$(NGINXDIR)/conf.d/ysqgk.conf
	install -D -m 0644 $(STAGE)/ysqgk.service $(DESTDIR)$(UNITDIR)/ysqgk.service
	install -D -m 0644 $(STAGE)/ysqgk.socket $(DESTDIR)$(UNITDIR)/ysqgk.socket
	for u in $(UNITS_MORE); do install -D -m 0644 $(STAGE)/$$u $(DESTDIR)$(UNITDIR)/$$u || exit 1; done
	install -D -m 0644 $(STAGE)/ysqgk-server.conf $(DESTDIR)$(NGINXDIR)/snippets/ysqgk.conf

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
