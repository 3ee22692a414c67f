# SPDX-License-Identifier: GPL-2.0
#
# Builds the module (driver/), the library (lib/), the app (app/) and the
# tests (tests/).  Userspace goes to build/ and, compiled with ASan and
# UBSan for the tests, to build/san/.  The app loads hwevent.ko from its
# own folder, so each of those folders gets a copy of the module.

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

HDRS := include/uapi/linux/hwevent.h lib/libhwevent.h lib/libhwevent-uring.h \
	common/parse.h
LIB_SRC := lib/libhwevent.c
# Shared by the Linux and Windows apps (and the tests); not installed.
COMMON_SRC := common/parse.c
APP_SRC := app/event.c $(COMMON_SRC)
UNIT_SRC := $(wildcard tests/unit/*.c)
DEVICE_SRC := $(wildcard tests/device/*.c)
DEVICE_HDRS := $(wildcard tests/device/*.h tests/common/*.h)

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

.PHONY: all module userspace tests bench install install-dkms uninstall clean \
	windows

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/driver modules
	mkdir -p $(B)
	cp driver/hwevent.ko $(B)/hwevent.ko

userspace: $(B)/event $(B)/libhwevent.a $(B)/libhwevent.so.$(VERSION)

tests: module $(S)/event $(S)/test_unit $(S)/test_device $(S)/hwfuzz \
	$(S)/hwstress
	cp driver/hwevent.ko $(S)/hwevent.ko

$(B) $(S):
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

$(B)/event: $(APP_SRC) $(B)/libhwevent.a $(HDRS)
	$(CC) $(CFLAGS) -o $@ $(APP_SRC) $(B)/libhwevent.a $(LDLIBS)

$(S)/event: $(APP_SRC) $(LIB_SRC) $(HDRS) | $(S)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $(APP_SRC) $(LIB_SRC) $(LDLIBS)

# The unit tests run the app: build it first.
$(S)/test_unit: $(UNIT_SRC) $(LIB_SRC) $(COMMON_SRC) $(HDRS) $(S)/event | $(S)
	$(CC) $(CFLAGS) $(SANFLAGS) $(CHECK_CFLAGS) -o $@ $(UNIT_SRC) \
		$(LIB_SRC) $(COMMON_SRC) $(CHECK_LIBS) $(LDLIBS)

$(S)/test_device: $(DEVICE_SRC) $(DEVICE_HDRS) $(LIB_SRC) $(HDRS) | $(S)
	$(CC) $(CFLAGS) $(SANFLAGS) $(CHECK_CFLAGS) -Itests/device \
		-Itests/common -o $@ \
		$(DEVICE_SRC) $(LIB_SRC) $(CHECK_LIBS) $(LDLIBS)

# The fuzzer; tests/fuzz/run-fuzz.sh runs it, and trinity, in the VM.
$(S)/hwfuzz: tests/fuzz/hwfuzz.c $(LIB_SRC) $(HDRS) | $(S)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ tests/fuzz/hwfuzz.c $(LIB_SRC) $(LDLIBS)

$(S)/hwstress: tests/stress/hwstress.c $(LIB_SRC) $(HDRS) | $(S)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ tests/stress/hwstress.c $(LIB_SRC) $(LDLIBS)

# The benchmark; ./run-bench.sh builds it and runs it in the test VM.
bench: $(B)/hwbench

$(B)/hwbench: bench/hwbench.c tests/common/textfile.h $(LIB_SRC) $(HDRS) | $(B)
	$(CC) $(CFLAGS) -Itests/common -o $@ bench/hwbench.c $(LIB_SRC) \
		$(LDLIBS) -lm

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
	install -m 0644 udev/60-hwevent.rules $(DESTDIR)$(DOCDIR)/examples/

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
	rm -rf $(B)

include windows/windows.mk
