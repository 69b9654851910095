# smtpscope - build, test and install. See README.md.
# make            build ./smtpscope
# make test       install missing Debian packages (as root), build, run every test
# make check      build and run every test (no package installation)
# make asan       ASan+UBSan build in build-asan/ and every test run against it
# make bench      benchmarks (see bench/)
# make install    PREFIX=/usr/local DESTDIR=

VERSION  := 0.1.0
PREFIX   ?= /usr/local
DATADIR  ?= $(PREFIX)/share/smtpscope
BUILD    ?= build
PKGS     := ncursesw openssl libcares libpcap
CC       ?= cc

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Wvla
CFLAGS   ?= -O2 -g
SAN_FLAGS :=
ifeq ($(SAN),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
# mimalloc replaces malloc in the smtpscope binary when it is installed (Debian
# libmimalloc-dev): capture decoding allocates and frees small objects for
# every SMTP command and reply: mimalloc takes 9% off the decoding thread's
# instructions, and frees sessions cheaply in the thread that wrote them
# (SMTPSCOPE_MIMALLOC, tui/cmd_decode.c). Not in sanitizer builds (ASan brings
# its own allocator).
ifneq ($(SAN),1)
MALLOC_LIBS := $(shell printf 'int main(void){return 0;}\n' | $(CC) -x c - -lmimalloc -o /dev/null 2>/dev/null && echo -lmimalloc)
endif
MALLOC_FLAGS := $(if $(MALLOC_LIBS),-DSMTPSCOPE_MIMALLOC)
ALL_CFLAGS := -std=c11 -pthread -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
              -DSMTPSCOPE_VERSION='"$(VERSION)"' -DSMTPSCOPE_DATADIR='"$(DATADIR)"' -I. $(WARN) $(CFLAGS) $(SAN_FLAGS) \
              $(MALLOC_FLAGS) $(PKG_CFLAGS)
LDLIBS   := $(PKG_LIBS) -lm -pthread

LIB_SRC  := $(wildcard decode/*.c) $(wildcard probe/*.c) $(filter-out tui/main.c,$(wildcard tui/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/tui/main.o
LIB      := $(BUILD)/libsmtpscope.a
BIN      := $(if $(filter build,$(BUILD)),smtpscope,$(BUILD)/smtpscope)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# Every fuzz target also builds with fuzz/replay.c (no libFuzzer needed), so
# tests/it_fuzz_replay.sh can run its corpus in fuzz/corpus/ on every check.
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
FUZZ_REPLAY := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%)
# What the targets share to check their output (fuzz/check.c); jansson reads
# back the JSON they make.
FUZZ_COMMON := fuzz/check.c
FUZZ_LIBS := -ljansson

.PHONY: all check test asan deps install uninstall clean bench lint run fuzz

all: $(BIN)

$(BIN): $(MAIN_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(MALLOC_LIBS) $(LDLIBS)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lcmocka

$(BUILD)/fuzz/%: fuzz/%.c fuzz/replay.c $(FUZZ_COMMON) fuzz/fuzz_frames.h fuzz/check.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< fuzz/replay.c $(FUZZ_COMMON) $(LIB) $(LDLIBS) $(FUZZ_LIBS)

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)

# Build everything, then run the unit tests and the integration scripts.
check: $(BIN) $(UNIT_BIN) $(FUZZ_REPLAY)
	scripts/lint.sh
	SMTPSCOPE="$(abspath $(BIN))" UNIT_DIR="$(abspath $(BUILD)/tests)" FUZZ_DIR="$(abspath $(BUILD)/fuzz)" tests/run.sh

deps:
	scripts/install-deps.sh

test: deps
	$(MAKE) check

asan: deps
	$(MAKE) BUILD=build-asan SAN=1 check

run: deps
	$(MAKE) all
	./smtpscope

# libFuzzer targets (clang): the library built with coverage, ASan and UBSan
# in build-fuzz/ (clang's -Wstring-concatenation takes the long texts split
# over lines in the tables for mistakes), then one binary per fuzz/fuzz_*.c.
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang SAN=1 SAN_FLAGS="$(FUZZ_SAN)" CFLAGS="-g -O1 -Wno-string-concatenation" \
		build-fuzz/libsmtpscope.a
	for f in $(FUZZ_SRC); do \
		clang -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 -I. \
			-fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) -o build-fuzz/$$(basename $$f .c) \
			$$f $(FUZZ_COMMON) build-fuzz/libsmtpscope.a $(LDLIBS) $(FUZZ_LIBS) || exit 1; \
	done
	@echo "run e.g.: build-fuzz/fuzz_pkt -max_total_time=60 fuzz/corpus/pkt"

# bench/run.sh: the capture generator and the bare libpcap read loop are built
# here; BENCH_SIZE_MB=200 make bench for a quicker run (see bench/run.sh).
BENCH_BIN := $(BUILD)/bench/gencap $(BUILD)/bench/pcapread
$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c,$^) $(LDLIBS)
$(BUILD)/bench/gencap: bench/gencap_in.c bench/gencap.h

bench: all $(BENCH_BIN)
	@if [ -x bench/run.sh ]; then SMTPSCOPE="$(abspath $(BIN))" BENCH_TOOLS="$(abspath $(BUILD))/bench" bench/run.sh; \
	else echo "no benchmarks yet"; fi

lint:
	scripts/lint.sh

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/smtpscope
	install -m 644 smtpscope.1 $(DESTDIR)$(PREFIX)/share/man/man1/smtpscope.1
	install -d $(DESTDIR)$(DATADIR)
	install -m 644 samples/sample.pcap $(DESTDIR)$(DATADIR)/sample.pcap

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/smtpscope $(DESTDIR)$(PREFIX)/share/man/man1/smtpscope.1
	rm -f $(DESTDIR)$(DATADIR)/sample.pcap
	-rmdir $(DESTDIR)$(DATADIR) 2>/dev/null

clean:
	rm -rf build build-asan smtpscope
