// SPDX-License-Identifier: GPL-2.0
/*
 * parse_seconds(), the app's delay parser, and now_ns().
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "libhwevent.h"
#include "clock.h"
#include "parse.h"
#include "unit.h"

#define SENTINEL	UINT64_C(0xdeadbeefcafef00d)

static const struct {
	const char *s;
	uint64_t ns;
} valid[] = {
	{ "0", 0 },
	{ "1", 1000000000 },
	{ "0.25", 250000000 },
	{ "1.5", 1500000000 },
	{ "0.1", 100000000 },
	{ "0.100000000", 100000000 },
	{ "2.000000001", 2000000001 },
	{ "0.000000001", 1 },
	{ "0.999999999", 999999999 },
	{ "1.123456789", 1123456789 },
	{ "007", 7000000000 },
	{ "000000000000000000000000000001", 1000000000 },
	{ "86400", UINT64_C(86400000000000) },
	{ "86400.000000001", UINT64_C(86400000000001) },
	{ "4294967296", UINT64_C(4294967296000000000) },
	{ "18446744073", UINT64_C(18446744073000000000) },
	/* The largest value that fits: UINT64_MAX ns. */
	{ "18446744073.709551615", UINT64_MAX },
};

static const char *const invalid[] = {
	"", " 1", "1 ", "\t1", "1\n", "+1", "-1", "-0", "1e3", "1E3",
	"0x10", "010x", ".5", ".", "1.", "1..2", "1.2.3", "1,5", "abc", "1s",
	"inf", "nan", "1.a", "1.-5", "1.+5", "1. 5",
	/* U+0661 ARABIC-INDIC DIGIT ONE: not an ASCII digit. */
	"\xd9\xa1",
	/* Ten fraction digits, even if the tenth is a zero. */
	"1.1234567890", "0.0000000001", "1.0000000000",
	/* Syntax is checked before range. */
	"99999999999999999999999.1234567890", "99999999999999999999x",
};

static const char *const too_big[] = {
	"18446744073.709551616", "18446744073.71", "18446744074",
	"18446744073709551616", "99999999999999999999999999",
	"99999999999999999999.5", "18446744073709551615.999999999",
};

#define N(a)	(sizeof(a) / sizeof((a)[0]))

START_TEST(test_valid)
{
	uint64_t ns = SENTINEL;
	int ret = parse_seconds(valid[_i].s, &ns);

	ck_assert_msg(ret == 0, "'%s': %d", valid[_i].s, ret);
	ck_assert_msg(ns == valid[_i].ns, "'%s': %" PRIu64 " != %" PRIu64,
		      valid[_i].s, ns, valid[_i].ns);
}
END_TEST

START_TEST(test_invalid)
{
	uint64_t ns = SENTINEL;
	int ret = parse_seconds(invalid[_i], &ns);

	ck_assert_msg(ret == -EINVAL, "'%s': %d, not -EINVAL", invalid[_i],
		      ret);
	ck_assert_msg(ns == SENTINEL, "'%s': result written on error",
		      invalid[_i]);
}
END_TEST

START_TEST(test_range)
{
	uint64_t ns = SENTINEL;
	int ret = parse_seconds(too_big[_i], &ns);

	ck_assert_msg(ret == -ERANGE, "'%s': %d, not -ERANGE", too_big[_i],
		      ret);
	ck_assert_msg(ns == SENTINEL, "'%s': result written on error",
		      too_big[_i]);
}
END_TEST

START_TEST(test_fraction_digits)
{
	uint64_t ns = 0;

	ck_assert_int_eq(parse_seconds("3.123456789", &ns), 0);
	ck_assert_uint_eq(ns, 3123456789);
	ck_assert_int_eq(parse_seconds("3.1234567891", &ns), -EINVAL);
	ck_assert_uint_eq(ns, 3123456789);
}
END_TEST

START_TEST(test_null)
{
	uint64_t ns = SENTINEL;

	ck_assert_int_eq(parse_seconds(NULL, &ns), -EINVAL);
	ck_assert_uint_eq(ns, SENTINEL);
	ck_assert_int_eq(parse_seconds("1", NULL), -EINVAL);
}
END_TEST

/* Every value of the uAPI's due range is one parse_seconds gives. */
START_TEST(test_due_bounds)
{
	uint64_t ns;

	ck_assert_int_eq(parse_seconds("0.000000001", &ns), 0);
	ck_assert_uint_eq(ns, HWEVENT_DUE_MIN_NS);
	ck_assert_int_eq(parse_seconds("86400", &ns), 0);
	ck_assert_uint_eq(ns, HWEVENT_DUE_MAX_NS);
	ck_assert_int_eq(parse_seconds("86400.000000001", &ns), 0);
	ck_assert_uint_gt(ns, HWEVENT_DUE_MAX_NS);
}
END_TEST

static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

START_TEST(test_now_is_monotonic_clock)
{
	uint64_t before = clock_ns();
	uint64_t now = now_ns();
	uint64_t after = clock_ns();

	ck_assert_uint_ne(now, 0);
	ck_assert_uint_le(before, now);
	ck_assert_uint_le(now, after);
}
END_TEST

START_TEST(test_now_never_goes_back)
{
	uint64_t prev = now_ns(), now;

	for (int i = 0; i < 50000; i++) {
		now = now_ns();
		ck_assert_uint_ge(now, prev);
		prev = now;
	}
}
END_TEST

START_TEST(test_now_advances)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	uint64_t t0 = now_ns(), t1;

	while (nanosleep(&ts, &ts))
		;
	t1 = now_ns();
	ck_assert_uint_ge(t1 - t0, 20 * 1000 * 1000);
	ck_assert_uint_lt(t1 - t0, 5ULL * 1000 * 1000 * 1000);
}
END_TEST

/* No hidden state: threads parsing different strings get their own. */
static void *parse_many(void *arg)
{
	uintptr_t seed = (uintptr_t)arg;
	char buf[32];
	uint64_t ns;

	for (uint64_t i = 0; i < 20000; i++) {
		uint64_t sec = seed * 100000 + i, frac = (i * 7919) % 1000000000;

		snprintf(buf, sizeof(buf), "%" PRIu64 ".%09" PRIu64, sec, frac);
		if (parse_seconds(buf, &ns) ||
		    ns != sec * 1000000000 + frac)
			return (void *)1;
	}
	return NULL;
}

START_TEST(test_threads)
{
	pthread_t t[8];
	void *res;

	for (uintptr_t i = 0; i < N(t); i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, parse_many,
						(void *)i), 0);
	for (size_t i = 0; i < N(t); i++) {
		ck_assert_int_eq(pthread_join(t[i], &res), 0);
		ck_assert_ptr_null(res);
	}
}
END_TEST

/* Counts: positive, digits only, within 64 bits. */
START_TEST(test_count)
{
	uint64_t v = SENTINEL;

	ck_assert_int_eq(parse_count("1", &v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(parse_count("0042", &v), 0);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(parse_count("18446744073709551615", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	v = SENTINEL;
	ck_assert_int_eq(parse_count("18446744073709551616", &v), -ERANGE);
	for (const char *const *s = (const char *const[]){ "", "0", "000",
	     "+1", "-1", " 1", "1 ", "1x", "0x10", "1.0", "1e3", NULL };
	     *s; s++) {
		ck_assert_msg(parse_count(*s, &v) == -EINVAL, "'%s'", *s);
		ck_assert_uint_eq(v, SENTINEL);
	}
	ck_assert_int_eq(parse_count(NULL, &v), -EINVAL);
	ck_assert_int_eq(parse_count("1", NULL), -EINVAL);
}
END_TEST

/* A type: one digit within its bound, nothing else. */
START_TEST(test_digit)
{
	unsigned int v = 77;

	ck_assert_int_eq(parse_digit("0", 4, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(parse_digit("4", 4, &v), 0);
	ck_assert_uint_eq(v, 4);
	v = 77;
	for (const char *const *s = (const char *const[]){ "", "5", "9",
	     "01", " 1", "1 ", "+1", "-1", "a", "10", NULL }; *s; s++) {
		ck_assert_msg(parse_digit(*s, 4, &v) == -EINVAL, "'%s'", *s);
		ck_assert_uint_eq(v, 77);
	}
	ck_assert_int_eq(parse_digit(NULL, 4, &v), -EINVAL);
	ck_assert_int_eq(parse_digit("1", 4, NULL), -EINVAL);
}
END_TEST

Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse_seconds");

	tcase_add_loop_test(tc, test_valid, 0, N(valid));
	tcase_add_loop_test(tc, test_invalid, 0, N(invalid));
	tcase_add_loop_test(tc, test_range, 0, N(too_big));
	tcase_add_test(tc, test_fraction_digits);
	tcase_add_test(tc, test_null);
	tcase_add_test(tc, test_due_bounds);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_count);
	tcase_add_test(tc, test_digit);
	/* Generous: the VM runs these under TCG emulation and ASan. */
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("now_ns");
	tcase_add_test(tc, test_now_is_monotonic_clock);
	tcase_add_test(tc, test_now_never_goes_back);
	tcase_add_test(tc, test_now_advances);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
