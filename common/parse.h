/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The strict number parsers of event's command line, shared by the Linux
 * app (app/) and the Windows one (windows/): plain C11, no system headers
 * beyond the standard library's, no state.  Not part of libhwevent.
 */
#ifndef HWEVENT_COMMON_PARSE_H
#define HWEVENT_COMMON_PARSE_H

#include <stdint.h>

/*
 * A non-negative decimal number of seconds with an optional fraction of
 * up to 9 digits ("1", "0.25", "2.000000001"), into @ns.  -EINVAL for
 * anything else (blanks, signs, exponents, hex, trailing text, empty),
 * -ERANGE when it does not fit in 64 bits of nanoseconds.
 */
int parse_seconds(const char *s, uint64_t *ns);

/*
 * A positive decimal count, digits only ("0", "+1", " 1", "1x" are
 * -EINVAL), into @val; -ERANGE when it does not fit in 64 bits.
 */
int parse_count(const char *s, uint64_t *val);

/* One digit from 0 to @max and nothing else ("01", " 1" are not): -EINVAL. */
int parse_digit(const char *s, unsigned int max, unsigned int *val);

#endif /* HWEVENT_COMMON_PARSE_H */
