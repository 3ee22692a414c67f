# SPDX-License-Identifier: GPL-2.0
#
# `make windows`: the WDM driver and the Windows programs, cross-built with
# mingw-w64 (Debian: gcc-mingw-w64-x86-64, mingw-w64-x86-64-dev) into
# build/windows/.  Included by the top Makefile.  docs/windows.md says how
# to run them under Wine; scripts/wine-suite.sh tests them.

WIN_CC ?= x86_64-w64-mingw32-gcc
WIN_B := build/windows
WIN_DDK ?= /usr/share/mingw-w64/include/ddk
WIN_CFLAGS ?= -O2 -g
WIN_CFLAGS += -std=gnu11 -Wall -Wextra -Werror=implicit-function-declaration

# A kernel image: no C runtime, no stack protector or probes (the kernel
# has neither), the native subsystem, imports from ntoskrnl and hal only.
# POOL_TAGGING: without it mingw maps ExAllocatePoolWithQuotaTag and
# friends to the untagged calls.
WIN_DRV_CFLAGS := $(WIN_CFLAGS) -I$(WIN_DDK) -DPOOL_TAGGING \
	-fno-stack-protector -mno-stack-arg-probe
WIN_DRV_LDFLAGS := -nostdlib -shared -Wl,--subsystem,native \
	-Wl,--entry,DriverEntry -Wl,--image-base,0x140000000
WIN_DRV_LIBS := -lntoskrnl -lhal

# The programs share the number parsers with the Linux app (common/) and
# the SCM helpers with each other (windows/app/scm.c).
WIN_APP_CFLAGS := $(WIN_CFLAGS) -Icommon -Iwindows -Iwindows/app \
	-D_WIN32_WINNT=0x0601 -municode
WIN_APP_LIBS := -ladvapi32
WIN_HDRS := windows/hwevent.h windows/app/scm.h common/parse.h
WIN_APP_SRC := windows/app/event.c windows/app/scm.c common/parse.c
WIN_TEST_SRC := $(wildcard windows/tests/*.c) windows/app/scm.c

.PHONY: windows

windows: $(WIN_B)/hwevent.sys $(WIN_B)/event.exe $(WIN_B)/hwtest.exe

$(WIN_B):
	mkdir -p $@

$(WIN_B)/hwevent.sys: windows/driver/hwevent.c windows/hwevent.h | $(WIN_B)
	$(WIN_CC) $(WIN_DRV_CFLAGS) $(WIN_DRV_LDFLAGS) -o $@ \
		windows/driver/hwevent.c $(WIN_DRV_LIBS)

$(WIN_B)/event.exe: $(WIN_APP_SRC) $(WIN_HDRS) | $(WIN_B)
	$(WIN_CC) $(WIN_APP_CFLAGS) -o $@ $(WIN_APP_SRC) $(WIN_APP_LIBS)

$(WIN_B)/hwtest.exe: $(WIN_TEST_SRC) $(wildcard windows/tests/*.h) \
		$(WIN_HDRS) | $(WIN_B)
	$(WIN_CC) $(WIN_APP_CFLAGS) -Iwindows/tests -o $@ $(WIN_TEST_SRC) \
		$(WIN_APP_LIBS)
