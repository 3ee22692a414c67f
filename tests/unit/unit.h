/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-side unit tests of libhwevent, common/ and the event app: nothing
 * here needs the driver, and nothing loads or unloads a module.
 */
#ifndef HWEVENT_UNIT_H
#define HWEVENT_UNIT_H

#include <check.h>

Suite *parse_suite(void);
Suite *uapi_suite(void);
Suite *lib_suite(void);
Suite *module_suite(void);
Suite *app_suite(void);

#endif /* HWEVENT_UNIT_H */
