// SPDX-License-Identifier: GPL-2.0
/*
 * The strict number parsers of event's command line (see parse.h).  They
 * check the syntax by hand: strtoull() would take leading blanks, signs
 * and hex, and a malformed string must be -EINVAL even when its digits
 * would also overflow.
 */
#include <errno.h>
#include <stddef.h>

#include "parse.h"

#define NSEC_PER_SEC	UINT64_C(1000000000)

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The decimal number in [@s, @end), all digits, into @val. */
static int parse_digits(const char *s, const char *end, uint64_t *val)
{
	uint64_t v = 0;

	for (; s < end; s++) {
		unsigned int d = *s - '0';

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*val = v;
	return 0;
}

int parse_seconds(const char *s, uint64_t *ns)
{
	const char *p = s, *int_end, *frac = NULL;
	uint64_t sec, nsec = 0;
	int digits = 0;

	if (!s || !ns)
		return -EINVAL;
	while (is_digit(*p))
		p++;
	if (p == s)
		return -EINVAL;
	int_end = p;
	if (*p == '.') {
		frac = ++p;
		while (is_digit(*p))
			p++;
		digits = (int)(p - frac);
		if (digits < 1 || digits > 9)
			return -EINVAL;
	}
	if (*p)
		return -EINVAL;

	if (parse_digits(s, int_end, &sec))
		return -ERANGE;
	/* "0.25" is 250000000 ns: pad the fraction to 9 digits. */
	for (int i = 0; i < 9; i++)
		nsec = nsec * 10 + (i < digits ? (uint64_t)(frac[i] - '0') : 0);

	if (sec > UINT64_MAX / NSEC_PER_SEC ||
	    sec * NSEC_PER_SEC > UINT64_MAX - nsec)
		return -ERANGE;
	*ns = sec * NSEC_PER_SEC + nsec;
	return 0;
}

int parse_count(const char *s, uint64_t *val)
{
	const char *p = s;
	uint64_t v;

	if (!s || !val)
		return -EINVAL;
	while (is_digit(*p))
		p++;
	if (p == s || *p)
		return -EINVAL;
	if (parse_digits(s, p, &v))
		return -ERANGE;
	if (!v)
		return -EINVAL;
	*val = v;
	return 0;
}

int parse_digit(const char *s, unsigned int max, unsigned int *val)
{
	if (!s || !val || !is_digit(s[0]) || s[1] ||
	    (unsigned int)(s[0] - '0') > max)
		return -EINVAL;
	*val = (unsigned int)(s[0] - '0');
	return 0;
}
