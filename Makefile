# SPDX-License-Identifier: GPL-2.0
#
# Builds the module (driver/), the library (lib/), the app (app/), the
# examples (examples/), the tests (tests/) and the benchmark (bench/).
# Userspace goes to build/ and, compiled with ASan and UBSan for the
# tests, to build/san/.  The app loads hwevent.ko from its own folder, so
# each of those folders gets a copy of the module.
#
#   make             the module, the app and the library
#   make examples    build/examples/*, one program per notification model
#   make tests       everything the unit and device tests run
#   make bench       build/hwbench (./run-bench.sh runs it)
#   make bench-floor build/hwevent_floor.ko, hwbench's test-only floor
#   make install     see "Install locations" below

KVER ?= $(shell scripts/kver.sh)
KDIR ?= /lib/modules/$(KVER)/build

CC ?= cc
B := build
S := build/san

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -Iinclude/uapi -Ilib -Icommon
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer
CHECK_CFLAGS := $(shell pkg-config --cflags check)
CHECK_LIBS := $(shell pkg-config --libs check)
URING_LIBS := $(shell pkg-config --libs liburing)
LDLIBS := -lpthread $(URING_LIBS)

# The installed headers, and the uninstalled ones of common/.
PUBLIC_HDRS := include/uapi/linux/hwevent.h lib/libhwevent.h \
	lib/libhwevent-uring.h
HDRS := $(PUBLIC_HDRS) $(wildcard common/*.h)
LIB_SRC := lib/libhwevent.c
# common/: shared by the apps, the tests and the benchmark, installed by
# none.  COMMON_SRC is plain C11, shared with the Windows app too;
# COMMON_LINUX_SRC loads and configures the module.
COMMON_SRC := common/parse.c
COMMON_LINUX_SRC := common/module.c
APP_SRC := $(wildcard app/*.c) $(COMMON_SRC) $(COMMON_LINUX_SRC)
APP_HDRS := $(wildcard app/*.h)
EXAMPLES := $(patsubst examples/%.c,$(B)/examples/%,$(wildcard examples/*.c))
UNIT_SRC := $(wildcard tests/unit/*.c)
DEVICE_SRC := $(filter-out tests/device/fail_submit.c,$(wildcard tests/device/*.c))
DEVICE_HDRS := $(wildcard tests/device/*.h)
BENCH_SRC := $(wildcard bench/*.c)
BENCH_HDRS := $(wildcard bench/*.h)

VERSION := $(shell cat VERSION)
SOMAJOR := 0

# Install locations, for `make install PREFIX=/usr DESTDIR=/tmp/stage`.
# The headers go to their own folder: <linux/hwevent.h> is not the
# distribution's kernel headers' to own.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
HWINCLUDEDIR := $(INCLUDEDIR)/hwevent
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/hwevent
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# The module's source, for DKMS (`make install-dkms`): what kbuild needs,
# no build output.
DKMSDIR ?= /usr/src/hwevent-$(VERSION)
DKMS_SRC = $(shell scripts/module-sources.sh)

.PHONY: all module userspace examples tests bench bench-floor install install-dkms \
	uninstall clean windows

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/driver modules
	mkdir -p $(B)
	cp driver/hwevent.ko $(B)/hwevent.ko

userspace: $(B)/event $(B)/libhwevent.a $(B)/libhwevent.so.$(VERSION)

# The unit tests run hwbench's command line, the device suite the
# examples; the uAPI's layout for 32-bit callers, and the public headers
# in C++, are checked at build time.
tests: module $(S)/event $(S)/test_unit $(S)/test_device $(S)/hwfuzz \
	$(S)/hwstress $(S)/uapi_layout-m32.o $(S)/headers-cxx.o $(B)/hwbench \
	examples $(S)/libfailsubmit.so
	cp driver/hwevent.ko $(S)/hwevent.ko

$(B) $(S) $(B)/examples:
	mkdir -p $@

$(B)/libhwevent.o: $(LIB_SRC) $(HDRS) | $(B)
	$(CC) $(CFLAGS) -fPIC -c -o $@ $(LIB_SRC)

$(B)/libhwevent.a: $(B)/libhwevent.o
	$(AR) rcs $@ $^

$(B)/libhwevent.so.$(VERSION): $(B)/libhwevent.o lib/libhwevent.sym
	$(CC) $(CFLAGS) -shared -Wl,-soname,libhwevent.so.$(SOMAJOR) \
		-Wl,--version-script=lib/libhwevent.sym -o $@ $< -lpthread
	ln -sf libhwevent.so.$(VERSION) $(B)/libhwevent.so.$(SOMAJOR)
	ln -sf libhwevent.so.$(SOMAJOR) $(B)/libhwevent.so

$(B)/event: $(APP_SRC) $(APP_HDRS) $(B)/libhwevent.a $(HDRS)
	$(CC) $(CFLAGS) -o $@ $(APP_SRC) $(B)/libhwevent.a $(LDLIBS)

# The tests' app never runs modprobe: the unit tests run it on the build
# host, where no module may ever be loaded (deb-check tests modprobe with
# the installed app, in the VM).
$(S)/event: $(APP_SRC) $(APP_HDRS) $(LIB_SRC) $(HDRS) | $(S)
	$(CC) $(CFLAGS) $(SANFLAGS) -DHWEVENT_NO_MODPROBE -o $@ $(APP_SRC) \
		$(LIB_SRC) $(LDLIBS)

# What a developer copies first: built as a user of the library builds
# them, with the public headers and the library only (no common/).
examples: $(EXAMPLES)

$(B)/examples/%: examples/%.c $(PUBLIC_HDRS) $(B)/libhwevent.a | $(B)/examples
	$(CC) $(filter-out -Icommon,$(CFLAGS)) -o $@ $< $(B)/libhwevent.a \
		$(LDLIBS)

# The unit tests run the app: build it first.
# They also check the benchmark's statistics (bench/stats.c, util.c).
BENCH_STATS_SRC := bench/stats.c bench/util.c
$(S)/test_unit: $(UNIT_SRC) $(LIB_SRC) $(COMMON_SRC) $(COMMON_LINUX_SRC) \
		$(BENCH_STATS_SRC) $(HDRS) $(BENCH_HDRS) $(S)/event | $(S)
	$(CC) $(CFLAGS) $(SANFLAGS) $(CHECK_CFLAGS) -o $@ $(UNIT_SRC) \
		$(LIB_SRC) $(COMMON_SRC) $(COMMON_LINUX_SRC) \
		$(BENCH_STATS_SRC) $(CHECK_LIBS) $(LDLIBS) -lm

# The uAPI promises one layout to 32-bit and 64-bit callers: its
# static_asserts, compiled for i386 (gcc-multilib).
$(S)/uapi_layout-m32.o: tests/unit/uapi_layout.c tests/unit/uapi_layout.h \
		include/uapi/linux/hwevent.h | $(S)
	$(CC) -m32 $(CFLAGS) -Werror -c -o $@ $<

# A C library's headers are used from C++ too.
$(S)/headers-cxx.o: tests/unit/headers.cc $(PUBLIC_HDRS) | $(S)
	$(CXX) -std=c++17 -Wall -Wextra -Werror -pedantic -Iinclude/uapi \
		-Ilib -c -o $@ $<

# What the device suite runs besides the app is built with it, for the
# scripts that build only test_device (scripts/kernel-suite.sh).
$(S)/test_device: $(DEVICE_SRC) $(DEVICE_HDRS) $(LIB_SRC) \
		$(COMMON_LINUX_SRC) $(HDRS) | $(S) $(S)/libfailsubmit.so \
		$(EXAMPLES)
	$(CC) $(CFLAGS) $(SANFLAGS) $(CHECK_CFLAGS) -Itests/device -o $@ \
		$(DEVICE_SRC) $(LIB_SRC) $(COMMON_LINUX_SRC) $(CHECK_LIBS) \
		$(LDLIBS)

# Preloaded into the app by the device suite: io_uring_submit() failing.
$(S)/libfailsubmit.so: tests/device/fail_submit.c | $(S)
	$(CC) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

# The fuzzer; tests/fuzz/run-fuzz.sh runs it, and trinity, in the VM.
$(S)/hwfuzz: tests/fuzz/hwfuzz.c $(LIB_SRC) $(HDRS) | $(S)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ tests/fuzz/hwfuzz.c $(LIB_SRC) $(LDLIBS)

$(S)/hwstress: tests/stress/hwstress.c $(LIB_SRC) $(COMMON_LINUX_SRC) \
		$(HDRS) | $(S)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ tests/stress/hwstress.c $(LIB_SRC) \
		$(COMMON_LINUX_SRC) $(LDLIBS)

# The benchmark; ./run-bench.sh builds it and runs it in the test VM.
bench: $(B)/hwbench

# Its floor module (bench/floor/hwevent_floor.c): never installed.  It
# reads the probes' results that the driver's build writes, so the driver
# comes first.
bench-floor: module
	$(MAKE) -C $(KDIR) M=$(CURDIR)/bench/floor modules
	mkdir -p $(B)
	cp bench/floor/hwevent_floor.ko $(B)/hwevent_floor.ko

$(B)/hwbench: $(BENCH_SRC) $(BENCH_HDRS) $(LIB_SRC) $(COMMON_SRC) \
		$(COMMON_LINUX_SRC) $(HDRS) | $(B)
	$(CC) $(CFLAGS) -o $@ $(BENCH_SRC) $(LIB_SRC) $(COMMON_SRC) \
		$(COMMON_LINUX_SRC) $(LDLIBS) -lm

# The app is linked statically with the library: it stays self-contained
# next to a hwevent.ko, as the original's event.exe next to its driver.
# The .pc file is written here, not at build time: `make` and then `make
# install PREFIX=/usr` must not install one that points into /usr/local.
install: userspace
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(HWINCLUDEDIR)/linux $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(MANDIR)/man4 $(DESTDIR)$(DOCDIR)/examples
	install -m 0755 $(B)/event $(DESTDIR)$(BINDIR)/event
	install -m 0644 $(B)/libhwevent.so.$(VERSION) $(B)/libhwevent.a \
		$(DESTDIR)$(LIBDIR)/
	ln -sf libhwevent.so.$(VERSION) \
		$(DESTDIR)$(LIBDIR)/libhwevent.so.$(SOMAJOR)
	ln -sf libhwevent.so.$(SOMAJOR) $(DESTDIR)$(LIBDIR)/libhwevent.so
	install -m 0644 include/uapi/linux/hwevent.h \
		$(DESTDIR)$(HWINCLUDEDIR)/linux/
	install -m 0644 lib/libhwevent.h lib/libhwevent-uring.h \
		$(DESTDIR)$(HWINCLUDEDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(HWINCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    lib/libhwevent.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/libhwevent.pc
	install -m 0644 man/event.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/libhwevent.3 $(DESTDIR)$(MANDIR)/man3/
	install -m 0644 man/hwevent.4 $(DESTDIR)$(MANDIR)/man4/
	install -m 0644 README.md docs/design.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 udev/60-hwevent.rules examples/*.c \
		$(DESTDIR)$(DOCDIR)/examples/

# The module's source where DKMS looks for it; then, as root,
#   dkms add -m hwevent -v $(VERSION) && dkms install -m hwevent -v $(VERSION)
# dkms.conf gets the version as a plain string, for the tools that read it
# without running it (dh_dkms).
install-dkms:
	for f in $(DKMS_SRC); do \
		install -D -m 0644 $$f $(DESTDIR)$(DKMSDIR)/$$f || exit; \
	done
	sed 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="$(VERSION)"/' dkms.conf \
		>$(DESTDIR)$(DKMSDIR)/dkms.conf

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/event \
		$(DESTDIR)$(LIBDIR)/libhwevent.so.$(VERSION) \
		$(DESTDIR)$(LIBDIR)/libhwevent.so.$(SOMAJOR) \
		$(DESTDIR)$(LIBDIR)/libhwevent.so $(DESTDIR)$(LIBDIR)/libhwevent.a \
		$(DESTDIR)$(PKGCONFIGDIR)/libhwevent.pc \
		$(DESTDIR)$(MANDIR)/man1/event.1 \
		$(DESTDIR)$(MANDIR)/man3/libhwevent.3 \
		$(DESTDIR)$(MANDIR)/man4/hwevent.4
	rm -rf $(DESTDIR)$(HWINCLUDEDIR) $(DESTDIR)$(DOCDIR)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/driver clean
	$(MAKE) -C $(KDIR) M=$(CURDIR)/bench/floor clean
	rm -rf $(B)

include windows/windows.mk
