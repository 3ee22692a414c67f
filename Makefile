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
CFLAGS += -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -Iinclude/uapi -Ilib
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer
CHECK_CFLAGS := $(shell pkg-config --cflags check)
CHECK_LIBS := $(shell pkg-config --libs check)
LDLIBS := -lpthread

HDRS := include/uapi/linux/hwevent.h lib/libhwevent.h
LIB_SRC := lib/libhwevent.c
APP_SRC := app/event.c
UNIT_SRC := $(wildcard tests/unit/*.c)
DEVICE_SRC := $(wildcard tests/device/*.c)
DEVICE_HDRS := $(wildcard tests/device/*.h)

.PHONY: all module userspace tests clean

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/driver modules
	mkdir -p $(B)
	cp driver/hwevent.ko $(B)/hwevent.ko

userspace: $(B)/event $(B)/libhwevent.a

tests: module $(S)/event $(S)/test_unit $(S)/test_device
	cp driver/hwevent.ko $(S)/hwevent.ko

$(B) $(S):
	mkdir -p $@

$(B)/libhwevent.o: $(LIB_SRC) $(HDRS) | $(B)
	$(CC) $(CFLAGS) -fPIC -c -o $@ $(LIB_SRC)

$(B)/libhwevent.a: $(B)/libhwevent.o
	$(AR) rcs $@ $^

$(B)/event: $(APP_SRC) $(B)/libhwevent.a $(HDRS)
	$(CC) $(CFLAGS) -o $@ $(APP_SRC) $(B)/libhwevent.a $(LDLIBS)

$(S)/event: $(APP_SRC) $(LIB_SRC) $(HDRS) | $(S)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $(APP_SRC) $(LIB_SRC) $(LDLIBS)

# The unit tests run the app: build it first.
$(S)/test_unit: $(UNIT_SRC) $(LIB_SRC) $(HDRS) $(S)/event | $(S)
	$(CC) $(CFLAGS) $(SANFLAGS) $(CHECK_CFLAGS) -o $@ $(UNIT_SRC) \
		$(LIB_SRC) $(CHECK_LIBS) $(LDLIBS)

$(S)/test_device: $(DEVICE_SRC) $(DEVICE_HDRS) $(LIB_SRC) $(HDRS) | $(S)
	$(CC) $(CFLAGS) $(SANFLAGS) $(CHECK_CFLAGS) -Itests/device -o $@ \
		$(DEVICE_SRC) $(LIB_SRC) $(CHECK_LIBS) $(LDLIBS)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/driver clean
	rm -rf $(B)
