# trawl — build, test, install.  `make help` lists the targets.
#
# Layout of a build (BUILD=build, or build-sanitize for `make sanitize`):
#   $(BUILD)/lib/libtrawl.so   the engine and SDK implementation (framework/)
#   $(BUILD)/bin/trawl         the command-line host (framework/host/)
#   $(BUILD)/plugins/NAME.so   one per plugins/NAME/ folder
#   $(BUILD)/tests/...         test runner and fixture plugins

CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
LIBDIR    = $(PREFIX)/lib
PLUGINDIR = $(LIBDIR)/trawl/plugins
OPT      ?= -O2
SAN      ?=
VERSION   = $(shell sed -n 's/^\#define TRAWL_VERSION *"\(.*\)"/\1/p' include/trawl/common.h)

WARN     = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes -Wno-unused-parameter
CFLAGS  ?=
BASEFLAGS = -std=gnu11 $(OPT) -g $(WARN) -fPIC $(SAN) -Iinclude -D_GNU_SOURCE
LDBASE    = $(SAN)
DEPFLAGS  = -MMD -MP

LIB_SRC   = $(wildcard framework/*.c framework/input/*.c)
HOST_SRC  = $(wildcard framework/host/*.c)
PLUGINS   = $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard plugins/*/*.c)))))
TEST_SRC  = $(wildcard tests/*.c tests/framework/*.c tests/plugins/*.c tests/cli/*.c)
FIXTURES  = $(patsubst tests/fixtures/%.c,%,$(wildcard tests/fixtures/*.c))

LIB       = $(BUILD)/lib/libtrawl.so
HOST      = $(BUILD)/bin/trawl
PLUGIN_SO = $(PLUGINS:%=$(BUILD)/plugins/%.so)
TESTBIN   = $(BUILD)/tests/trawl-tests
FIXTURE_SO= $(FIXTURES:%=$(BUILD)/tests/fixtures/%.so)
EMBED     = $(BUILD)/bin/trawl-embed-example

LIB_OBJ   = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
HOST_OBJ  = $(HOST_SRC:%.c=$(BUILD)/obj/%.o)
TEST_OBJ  = $(TEST_SRC:%.c=$(BUILD)/obj/%.o)

RPATH     = -Wl,-rpath,'$$ORIGIN/../lib'

# Libraries a plugin links besides libtrawl.
PLUGIN_LIBS_pcap = -lpcap
PLUGIN_LIBS_http = -lz
PLUGIN_LIBS_ssh = -lcrypto
PLUGIN_LIBS_tls = -lcrypto
PLUGIN_LIBS_x509 = -lcrypto
PLUGIN_LIBS_quic = -lcrypto

.PHONY: all test sanitize tsan bench fuzz install deps demo clean help check-clang oracle
all: $(LIB) $(HOST) $(PLUGIN_SO) $(EMBED)

help:
	@echo "make [all]        build $(BUILD)/{lib,bin,plugins}"
	@echo "make test         build and run the CUnit suite and the CLI checks"
	@echo "make sanitize     the same under ASan+UBSan in build-sanitize/, then its tests"
	@echo "make tsan         the threaded path under ThreadSanitizer (build-tsan/)"
	@echo "make bench        throughput and memory on a multi-GB corpus (vs tshark when present)"
	@echo "make fuzz         run every libFuzzer target for FUZZ_SECONDS each (clang)"
	@echo "make install      PREFIX=$(PREFIX) DESTDIR=: binary, library, plugins, headers, trawl.pc"
	@echo "make deps         install the Debian packages the build and tests need"
	@echo "make demo         build, make the sample capture and run trawl's overview on it"

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(DEPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared $(LDBASE) -Wl,-soname,libtrawl.so.1 -Wl,--no-undefined -o $@ $^ -lpcap -lcrypto -ldl -lpthread -lm
	ln -sf libtrawl.so $(BUILD)/lib/libtrawl.so.1

$(HOST): $(HOST_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDBASE) -o $@ $(HOST_OBJ) -L$(BUILD)/lib -ltrawl $(RPATH)

$(EMBED): samples/embed.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(CFLAGS) -o $@ $< -L$(BUILD)/lib -ltrawl $(RPATH)

# A plugin: every .c of its folder, hidden visibility (only the descriptor is exported),
# linked against libtrawl with --no-undefined so a missing SDK function fails the build.
.SECONDEXPANSION:
$(BUILD)/plugins/%.so: $$(wildcard plugins/%/*.c) $$(wildcard plugins/%/*.h) $(LIB) $(wildcard include/trawl/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(CFLAGS) -fvisibility=hidden -shared -Wl,--no-undefined -o $@ \
	    $(filter %.c,$^) -L$(BUILD)/lib -ltrawl $(PLUGIN_LIBS_$*) $(RPATH)

# Fixture plugins for the loader's refusal tests (some deliberately broken).
$(BUILD)/tests/fixtures/%.so: tests/fixtures/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(CFLAGS) -fvisibility=hidden -shared -o $@ $< -L$(BUILD)/lib -ltrawl

$(TEST_OBJ): BASEFLAGS += -Itests

# libtrawl-private modules some suites test directly (not part of the SDK, so not something
# to reach through the library): their libtrawl objects are linked into the test binary too.
TEST_INTERNAL     = framework/reasm.c
TEST_INTERNAL_OBJ = $(TEST_INTERNAL:%.c=$(BUILD)/obj/%.o)

$(TESTBIN): $(TEST_OBJ) $(TEST_INTERNAL_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDBASE) -o $@ $(TEST_OBJ) $(TEST_INTERNAL_OBJ) -L$(BUILD)/lib -ltrawl -lcunit -lpcap -lcrypto $(RPATH)

test: all $(TESTBIN) $(FIXTURE_SO)
	@TRAWL_BUILD=$(BUILD) ./tests/run-tests.sh $(BUILD)

sanitize:
	$(MAKE) BUILD=build-sanitize OPT=-O1 SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" test

# The threaded path under ThreadSanitizer: the threads suite (every capture with 1, 2 and 3
# workers) and the flow-heavy suites, in build-tsan/.
tsan:
	$(MAKE) BUILD=build-tsan OPT=-O1 SAN="-fsanitize=thread -fno-omit-frame-pointer" all build-tsan/tests/trawl-tests
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" TRAWL_TEST_SUITE=threads ./tests/run-tests.sh build-tsan

check-clang:
	$(MAKE) BUILD=build-clang CC=clang all build-clang/tests/trawl-tests

oracle: all
	../shared/tools/oracle-compare --show 2

bench: all $(BUILD)/tests/gen-flood
	./tests/bench/bench.sh $(BUILD)

# The memory benchmark's flood generator (SYN flood, fragment flood).
$(BUILD)/tests/gen-flood: tests/bench/gen-flood.c tests/pktgen.h
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -Itests -o $@ $<

fuzz:
	./tests/fuzz/run-fuzz.sh

deps:
	./sdk/install-deps.sh

demo: all
	./samples/demo.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PLUGINDIR) \
	    $(DESTDIR)$(PREFIX)/include/trawl $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 755 $(HOST) $(DESTDIR)$(PREFIX)/bin/trawl
	install -m 755 $(LIB) $(DESTDIR)$(LIBDIR)/libtrawl.so.$(VERSION)
	ln -sf libtrawl.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libtrawl.so.1
	ln -sf libtrawl.so.1 $(DESTDIR)$(LIBDIR)/libtrawl.so
	install -m 755 $(PLUGIN_SO) $(DESTDIR)$(PLUGINDIR)/
	install -m 644 include/trawl/*.h $(DESTDIR)$(PREFIX)/include/trawl/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@PLUGINDIR@|$(PLUGINDIR)|g' sdk/trawl.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/trawl.pc

clean:
	rm -rf build build-sanitize build-clang build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
