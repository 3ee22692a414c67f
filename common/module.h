/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading, unloading and configuring the hwevent module, for the app, the
 * tests and the benchmark.  Not part of libhwevent: a device library does
 * not load kernel modules.  Every call returns 0 (or what it documents)
 * or a negative errno.
 */
#ifndef HWEVENT_COMMON_MODULE_H
#define HWEVENT_COMMON_MODULE_H

#include <stdbool.h>
#include <stdint.h>

#define HWEVENT_MODULE_NAME	"hwevent"
/* Module parameters, e.g. max_pending: one file each. */
#define HWEVENT_PARAMS_DIR	"/sys/module/" HWEVENT_MODULE_NAME "/parameters"

/* Whether the module is loaded (/sys/module/hwevent exists). */
bool module_loaded(void);

/*
 * Load the module from the open file @fd with finit_module(2); @params
 * may be NULL.  The kernel's errors as they are: EEXIST when loaded
 * already; EPERM without CAP_SYS_MODULE, but also under lockdown (an
 * unsigned module) or with kernel.modules_disabled=1 (see the three
 * functions below); ENOENT for a symbol the kernel lacks (the file is
 * there: dmesg names the symbol); ENOEXEC for a file that is not a module
 * of this kernel; EKEYREJECTED for a signature the kernel rejects.
 */
int module_load_fd(int fd, const char *params);

/* Why finit_module(2) may say EPERM: kernel.modules_disabled is 1; the
 * kernel is locked down (its level, "integrity" or "confidentiality", in
 * @level); the caller lacks CAP_SYS_MODULE. */
bool modules_disabled(void);
bool kernel_locked_down(char *level, size_t size);
bool have_cap_sys_module(void);

/* Open @ko_path (ENOENT: no such file; EISDIR, EINVAL: not a regular
 * file) and load it with module_load_fd(). */
int module_load(const char *ko_path, const char *params);

/* Unload it with delete_module(2), without waiting: EBUSY while the device
 * is open, ENOENT when it is not loaded. */
int module_unload(void);

/* Wait up to @timeout_ms for /dev/hwevent to exist (udev or devtmpfs may
 * create it a little after the module loaded): 0 or -ETIMEDOUT. */
int device_wait_node(int timeout_ms);

/* Read or write the module parameter @name (a file name, never a path:
 * EINVAL); writing needs root. */
int module_param_read(const char *name, uint64_t *val);
int module_param_write(const char *name, uint64_t val);

#endif /* HWEVENT_COMMON_MODULE_H */
