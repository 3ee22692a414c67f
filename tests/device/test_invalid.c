// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input: every malformed registration and unknown ioctl fails with the
 * documented errno and changes no counter.  The ioctl is called directly,
 * not through the library, so that only the driver answers.  Each test
 * starts from a valid EVENTFD registration with a long due time (so one
 * wrongly accepted would be visible as pending) and breaks one thing.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

#include "hwtest.h"

struct inval {
	int fd;
	int efd;
	struct hwevent_counters c0;
};

static void inval_begin(struct inval *x, struct hwevent_register *r)
{
	x->fd = hwt_open();
	x->efd = hwt_eventfd();
	x->c0 = hwt_counters();
	hwt_reg_eventfd_arg(r, x->efd, LONG_DUE_NS, 0x1234);
}

/* No registration may have been made, the file nor the eventfd touched. */
static void inval_end(struct inval *x)
{
	hwt_assert_delta(&x->c0, 0, 0, 0, 0);
	close(x->fd);
	hwt_assert_delta(&x->c0, 0, 0, 0, 0);
	ck_assert_msg(!hwt_efd_ready(x->efd), "the eventfd was signalled");
	close(x->efd);
	hwt_assert_rest();
}

static void expect_err(struct inval *x, unsigned long cmd, void *arg, int err)
{
	uint64_t t0 = now_ns();
	int ret = hwt_ioctl(x->fd, cmd, arg);

	ck_assert_msg(ret == -err, "ioctl returned %d (%s), expected -%s",
		      ret, ret ? strerror(-ret) : "success", strerrorname_np(err));
	ck_assert_msg(now_ns() - t0 < 5 * NS_PER_SEC,
		      "the failing ioctl blocked");
	inval_end(x);
}

/* One test per bad registration: @stmt breaks the valid @r. */
#define REG_TEST(name, err, stmt)					\
START_TEST(name)							\
{									\
	struct hwevent_register r;					\
	struct inval x;							\
									\
	inval_begin(&x, &r);						\
	stmt;								\
	expect_err(&x, HWEVENT_IOC_REGISTER, &r, err);			\
}									\
END_TEST

#define AS_REQUEST (r.type = HWEVENT_TYPE_REQUEST, r.eventfd = 0)
#define AS_QUEUE (r.type = HWEVENT_TYPE_QUEUE, r.eventfd = 0)

REG_TEST(type_3_einval, EINVAL, r.type = 3)
REG_TEST(type_3_without_eventfd_einval, EINVAL, (r.type = 3, r.eventfd = 0))
REG_TEST(type_u32_max_einval, EINVAL, r.type = 0xffffffffu)
REG_TEST(type_queue_with_eventfd_einval, EINVAL, r.type = HWEVENT_TYPE_QUEUE)
REG_TEST(type_queue_with_eventfd_minus1_einval, EINVAL,
	 (AS_QUEUE, r.eventfd = -1))
REG_TEST(type_request_with_eventfd_einval, EINVAL,
	 r.type = HWEVENT_TYPE_REQUEST)
REG_TEST(type_request_with_eventfd_minus1_einval, EINVAL,
	 (AS_REQUEST, r.eventfd = -1))
REG_TEST(due_zero_eventfd_einval, EINVAL, r.due_ns = 0)
REG_TEST(due_zero_request_einval, EINVAL, (AS_REQUEST, r.due_ns = 0))
REG_TEST(due_above_max_eventfd_einval, EINVAL,
	 r.due_ns = HWEVENT_DUE_MAX_NS + 1)
REG_TEST(due_above_max_request_einval, EINVAL,
	 (AS_REQUEST, r.due_ns = HWEVENT_DUE_MAX_NS + 1))
REG_TEST(due_zero_queue_einval, EINVAL, (AS_QUEUE, r.due_ns = 0))
REG_TEST(due_above_max_queue_einval, EINVAL,
	 (AS_QUEUE, r.due_ns = HWEVENT_DUE_MAX_NS + 1))
REG_TEST(due_u64_max_einval, EINVAL, r.due_ns = UINT64_MAX)
REG_TEST(due_negative_one_second_einval, EINVAL,
	 r.due_ns = (uint64_t)(-(int64_t)NS_PER_SEC))
REG_TEST(flags_1_einval, EINVAL, r.flags = 1)
REG_TEST(flags_high_bit_einval, EINVAL, r.flags = 0x80000000u)
REG_TEST(flags_request_einval, EINVAL,
	 (AS_REQUEST, r.due_ns = NS_PER_MS, r.flags = 1))
REG_TEST(pad_einval, EINVAL, r.pad = 1)
REG_TEST(pad_request_einval, EINVAL,
	 (AS_REQUEST, r.due_ns = NS_PER_MS, r.pad = 0x80000000u))
REG_TEST(flags_queue_einval, EINVAL, (AS_QUEUE, r.flags = 2))
REG_TEST(pad_queue_einval, EINVAL, (AS_QUEUE, r.pad = 1))
REG_TEST(reserved0_einval, EINVAL, r.reserved[0] = 1)
REG_TEST(reserved1_einval, EINVAL, r.reserved[1] = 1ULL << 63)
REG_TEST(reserved2_einval, EINVAL, r.reserved[2] = UINT64_MAX)
REG_TEST(reserved2_request_einval, EINVAL,
	 (AS_REQUEST, r.due_ns = NS_PER_MS, r.reserved[2] = 1))
REG_TEST(reserved0_queue_einval, EINVAL, (AS_QUEUE, r.reserved[0] = 0x100))
/* period_ns: 0, or HWEVENT_PERIOD_MIN_NS..HWEVENT_PERIOD_MAX_NS. */
REG_TEST(period_1_einval, EINVAL, r.period_ns = 1)
REG_TEST(period_below_min_einval, EINVAL,
	 r.period_ns = HWEVENT_PERIOD_MIN_NS - 1)
REG_TEST(period_above_max_einval, EINVAL,
	 r.period_ns = HWEVENT_PERIOD_MAX_NS + 1)
REG_TEST(period_u64_max_einval, EINVAL, r.period_ns = UINT64_MAX)
REG_TEST(period_below_min_request_einval, EINVAL,
	 (AS_REQUEST, r.due_ns = NS_PER_MS, r.period_ns = 9999))
REG_TEST(period_below_min_queue_einval, EINVAL,
	 (AS_QUEUE, r.due_ns = NS_PER_MS, r.period_ns = 9999))
REG_TEST(period_above_max_queue_einval, EINVAL,
	 (AS_QUEUE, r.period_ns = HWEVENT_PERIOD_MAX_NS + 1))
REG_TEST(period_ok_but_due_zero_einval, EINVAL,
	 (r.due_ns = 0, r.period_ns = NS_PER_MS))
REG_TEST(eventfd_minus1_ebadf, EBADF, r.eventfd = -1)
REG_TEST(eventfd_int_min_ebadf, EBADF, r.eventfd = INT_MIN)
REG_TEST(eventfd_int_max_ebadf, EBADF, r.eventfd = INT_MAX)
REG_TEST(eventfd_self_einval, EINVAL, r.eventfd = x.fd)

/* A descriptor number that was an eventfd but is closed now. */
START_TEST(eventfd_closed_fd_ebadf)
{
	struct hwevent_register r;
	struct inval x;
	int e2;

	inval_begin(&x, &r);
	e2 = hwt_eventfd();
	close(e2);
	r.eventfd = e2;
	expect_err(&x, HWEVENT_IOC_REGISTER, &r, EBADF);
}
END_TEST

static void pipe_end(int end)
{
	struct hwevent_register r;
	struct inval x;
	int p[2];

	inval_begin(&x, &r);
	ck_assert_int_eq(pipe(p), 0);
	r.eventfd = p[end];
	expect_err(&x, HWEVENT_IOC_REGISTER, &r, EINVAL);
	close(p[0]);
	close(p[1]);
}

START_TEST(eventfd_pipe_read_end_einval)
{
	pipe_end(0);
}
END_TEST

START_TEST(eventfd_pipe_write_end_einval)
{
	pipe_end(1);
}
END_TEST

START_TEST(eventfd_dev_null_einval)
{
	struct hwevent_register r;
	struct inval x;
	int n;

	inval_begin(&x, &r);
	n = open("/dev/null", O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(n, 0);
	r.eventfd = n;
	expect_err(&x, HWEVENT_IOC_REGISTER, &r, EINVAL);
	close(n);
}
END_TEST

START_TEST(eventfd_regular_file_einval)
{
	struct hwevent_register r;
	struct inval x;
	int n;

	inval_begin(&x, &r);
	n = open(hwt_ko_path(), O_RDONLY | O_CLOEXEC);
	ck_assert_msg(n >= 0, "open %s: %s", hwt_ko_path(), strerror(errno));
	r.eventfd = n;
	expect_err(&x, HWEVENT_IOC_REGISTER, &r, EINVAL);
	close(n);
}
END_TEST

/*
 * The bounds of period_ns are inclusive: exactly the minimum and exactly
 * the maximum are accepted.  The first firing is far away, so the
 * registration is cancelled (by id, then it is gone) before it fires.
 */
static void period_accepted(uint32_t type, uint64_t period)
{
	struct hwevent_counters c0;
	struct hwevent_register r;
	int fd, efd, ret;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	hwt_reg_arg(&r, type, LONG_DUE_NS, period, 1,
		    type == HWEVENT_TYPE_EVENTFD ? efd : 0);
	ret = hwevent_register(fd, &r);
	ck_assert_msg(ret == 0, "type %u period %" PRIu64 " ns refused: %s",
		      type, period, strerror(-ret));
	ck_assert_uint_eq(r.id, 1);
	hwt_assert_delta(&c0, 1, 0, 0, 1);
	ck_assert_int_eq(hwevent_cancel(fd, r.id), 0);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	close(fd);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	ck_assert(!hwt_efd_ready(efd));
	close(efd);
	hwt_assert_rest();
}

START_TEST(period_min_accepted)
{
	period_accepted(HWEVENT_TYPE_EVENTFD, HWEVENT_PERIOD_MIN_NS);
}
END_TEST

START_TEST(period_max_accepted)
{
	period_accepted(HWEVENT_TYPE_EVENTFD, HWEVENT_PERIOD_MAX_NS);
}
END_TEST

START_TEST(period_min_queue_accepted)
{
	period_accepted(HWEVENT_TYPE_QUEUE, HWEVENT_PERIOD_MIN_NS);
}
END_TEST

/* ---- bad pointers ---- */

START_TEST(null_pointer_efault)
{
	struct hwevent_register r;
	struct inval x;

	inval_begin(&x, &r);
	expect_err(&x, HWEVENT_IOC_REGISTER, NULL, EFAULT);
}
END_TEST

START_TEST(pointer_one_efault)
{
	struct hwevent_register r;
	struct inval x;

	inval_begin(&x, &r);
	expect_err(&x, HWEVENT_IOC_REGISTER, (void *)1, EFAULT);
}
END_TEST

START_TEST(kernel_pointer_efault)
{
	struct hwevent_register r;
	struct inval x;

	inval_begin(&x, &r);
	expect_err(&x, HWEVENT_IOC_REGISTER, (void *)0xffffffff81000000UL,
		   EFAULT);
}
END_TEST

/* Two read-write pages; protect_second() then changes the second. */
static char *two_pages(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_msg(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

static void protect_second(char *p, int prot)
{
	long pg = sysconf(_SC_PAGESIZE);

	ck_assert_int_eq(mprotect(p + pg, pg, prot), 0);
}

/* The argument runs off the end of the accessible memory. */
START_TEST(arg_straddles_unmapped_page_efault)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct hwevent_register r, *rp;
	struct inval x;
	char *p;

	inval_begin(&x, &r);
	p = two_pages();
	rp = (struct hwevent_register *)(p + pg - 8);
	/* Only its first 8 bytes (type, flags) are accessible. */
	memcpy(rp, &r, 8);
	protect_second(p, PROT_NONE);
	expect_err(&x, HWEVENT_IOC_REGISTER, rp, EFAULT);
	munmap(p, 2 * pg);
}
END_TEST

START_TEST(arg_in_unmapped_memory_efault)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct hwevent_register r;
	struct inval x;
	char *p;

	inval_begin(&x, &r);
	p = two_pages();
	munmap(p, 2 * pg);
	expect_err(&x, HWEVENT_IOC_REGISTER, p, EFAULT);
}
END_TEST

/* Input readable but the output fields read-only: refused before
 * anything is registered (no registration the caller cannot learn of). */
static void output_readonly(uint32_t type)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t in_len = offsetof(struct hwevent_register, id);
	struct hwevent_register r, *rp;
	struct inval x;
	char *p;

	inval_begin(&x, &r);
	if (type != HWEVENT_TYPE_EVENTFD) {
		r.type = type;
		r.eventfd = 0;
		r.due_ns = NS_PER_MS;
	}
	p = two_pages();
	/* The input fields end exactly at the page boundary. */
	rp = (struct hwevent_register *)(p + pg - in_len);
	memcpy(rp, &r, sizeof(r));
	protect_second(p, PROT_READ);
	expect_err(&x, HWEVENT_IOC_REGISTER, rp, EFAULT);
	munmap(p, 2 * pg);
}

START_TEST(output_readonly_eventfd_efault)
{
	output_readonly(HWEVENT_TYPE_EVENTFD);
}
END_TEST

START_TEST(output_readonly_request_efault)
{
	output_readonly(HWEVENT_TYPE_REQUEST);
}
END_TEST

START_TEST(output_readonly_queue_efault)
{
	output_readonly(HWEVENT_TYPE_QUEUE);
}
END_TEST

START_TEST(whole_arg_readonly_efault)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct hwevent_register r;
	struct inval x;
	char *p;

	inval_begin(&x, &r);
	p = two_pages();
	memcpy(p, &r, sizeof(r));
	ck_assert_int_eq(mprotect(p, 2 * pg, PROT_READ), 0);
	expect_err(&x, HWEVENT_IOC_REGISTER, p, EFAULT);
	munmap(p, 2 * pg);
}
END_TEST

/* ---- unknown ioctls: ENOTTY, even with a valid argument ---- */

#define CMD_TEST(name, cmd)						\
START_TEST(name)							\
{									\
	struct hwevent_register r[2];					\
	struct inval x;							\
									\
	memset(r, 0, sizeof(r));					\
	inval_begin(&x, &r[0]);						\
	expect_err(&x, (cmd), r, ENOTTY);				\
}									\
END_TEST

struct bigger { struct hwevent_register r; __u64 extra; };

CMD_TEST(ioctl_nr0_enotty,
	 _IOWR(HWEVENT_IOC_MAGIC, 0, struct hwevent_register))
CMD_TEST(ioctl_nr2_enotty,
	 _IOWR(HWEVENT_IOC_MAGIC, 2, struct hwevent_register))
CMD_TEST(ioctl_nr4_enotty,
	 _IOWR(HWEVENT_IOC_MAGIC, 4, struct hwevent_register))
CMD_TEST(ioctl_cancel_wrong_dir_enotty,
	 _IOWR(HWEVENT_IOC_MAGIC, 2, struct hwevent_cancel))
CMD_TEST(ioctl_cancel_wrong_size_enotty, _IOW(HWEVENT_IOC_MAGIC, 2, __u64))
CMD_TEST(ioctl_wait_wrong_dir_enotty,
	 _IOW(HWEVENT_IOC_MAGIC, 3, struct hwevent_wait))
CMD_TEST(ioctl_wait_wrong_size_enotty,
	 _IOWR(HWEVENT_IOC_MAGIC, 3, struct hwevent_register))
CMD_TEST(ioctl_nr255_enotty,
	 _IOWR(HWEVENT_IOC_MAGIC, 0xff, struct hwevent_register))
CMD_TEST(ioctl_wrong_magic_enotty, _IOWR('x', 1, struct hwevent_register))
CMD_TEST(ioctl_wrong_size_u64_enotty, _IOWR(HWEVENT_IOC_MAGIC, 1, __u64))
CMD_TEST(ioctl_wrong_size_larger_enotty,
	 _IOWR(HWEVENT_IOC_MAGIC, 1, struct bigger))
CMD_TEST(ioctl_read_only_dir_enotty,
	 _IOR(HWEVENT_IOC_MAGIC, 1, struct hwevent_register))
CMD_TEST(ioctl_write_only_dir_enotty,
	 _IOW(HWEVENT_IOC_MAGIC, 1, struct hwevent_register))
CMD_TEST(ioctl_no_dir_enotty, _IO(HWEVENT_IOC_MAGIC, 1))
CMD_TEST(ioctl_cmd_zero_enotty, 0)
CMD_TEST(ioctl_tcgets_enotty, TCGETS)
CMD_TEST(ioctl_fionread_enotty, FIONREAD)

/* The command is checked before the argument. */
START_TEST(ioctl_unknown_with_null_arg_enotty)
{
	struct hwevent_register r;
	struct inval x;

	inval_begin(&x, &r);
	expect_err(&x, _IOWR(HWEVENT_IOC_MAGIC, 2, struct hwevent_register),
		   NULL, ENOTTY);
}
END_TEST

/* Failed registrations use up no id: the first good one still gets 1. */
START_TEST(failed_registrations_use_no_id)
{
	struct hwevent_counters c0;
	struct hwevent_register r;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	c0 = hwt_counters();
	hwt_reg_eventfd_arg(&r, efd, 0, 0);
	ck_assert_int_eq(hwt_ioctl(fd, HWEVENT_IOC_REGISTER, &r), -EINVAL);
	hwt_reg_eventfd_arg(&r, -1, LONG_DUE_NS, 0);
	ck_assert_int_eq(hwt_ioctl(fd, HWEVENT_IOC_REGISTER, &r), -EBADF);
	hwt_reg_eventfd_arg(&r, fd, LONG_DUE_NS, 0);
	ck_assert_int_eq(hwt_ioctl(fd, HWEVENT_IOC_REGISTER, &r), -EINVAL);
	ck_assert_int_eq(hwt_ioctl(fd, HWEVENT_IOC_REGISTER, NULL), -EFAULT);
	hwt_assert_delta(&c0, 0, 0, 0, 0);
	ck_assert_uint_eq(hwt_reg_eventfd(fd, efd, LONG_DUE_NS), 1);
	close(fd);
	hwt_assert_delta(&c0, 1, 0, 1, 0);
	close(efd);
	hwt_assert_rest();
}
END_TEST

/* After any number of failures the file still works normally. */
START_TEST(file_usable_after_errors)
{
	struct hwevent_register r;
	struct hwevent_msg m;
	int fd, efd;

	fd = hwt_open();
	efd = hwt_eventfd();
	for (int i = 0; i < 100; i++) {
		hwt_reg_eventfd_arg(&r, efd, 0, 0);
		r.type = (uint32_t)i + 3;
		ck_assert_int_eq(hwt_ioctl(fd, HWEVENT_IOC_REGISTER, &r), -EINVAL);
		ck_assert_int_eq(hwt_ioctl(fd, _IO(HWEVENT_IOC_MAGIC, i), &r),
				 -ENOTTY);
	}
	ck_assert_int_eq(hwevent_wait_request(fd, NS_PER_MS, 5, &m), 0);
	ck_assert_uint_eq(m.cookie, 5);
	ck_assert_uint_eq(m.id, 1);
	close(fd);
	close(efd);
	hwt_assert_rest();
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(type_3_einval, HWT_LOADED, 30),
	HWT_CASE(type_3_without_eventfd_einval, HWT_LOADED, 30),
	HWT_CASE(type_u32_max_einval, HWT_LOADED, 30),
	HWT_CASE(type_queue_with_eventfd_einval, HWT_LOADED, 30),
	HWT_CASE(type_queue_with_eventfd_minus1_einval, HWT_LOADED, 30),
	HWT_CASE(type_request_with_eventfd_einval, HWT_LOADED, 30),
	HWT_CASE(type_request_with_eventfd_minus1_einval, HWT_LOADED, 30),
	HWT_CASE(due_zero_eventfd_einval, HWT_LOADED, 30),
	HWT_CASE(due_zero_request_einval, HWT_LOADED, 30),
	HWT_CASE(due_above_max_eventfd_einval, HWT_LOADED, 30),
	HWT_CASE(due_above_max_request_einval, HWT_LOADED, 30),
	HWT_CASE(due_zero_queue_einval, HWT_LOADED, 30),
	HWT_CASE(due_above_max_queue_einval, HWT_LOADED, 30),
	HWT_CASE(due_u64_max_einval, HWT_LOADED, 30),
	HWT_CASE(due_negative_one_second_einval, HWT_LOADED, 30),
	HWT_CASE(flags_1_einval, HWT_LOADED, 30),
	HWT_CASE(flags_high_bit_einval, HWT_LOADED, 30),
	HWT_CASE(flags_request_einval, HWT_LOADED, 30),
	HWT_CASE(pad_einval, HWT_LOADED, 30),
	HWT_CASE(pad_request_einval, HWT_LOADED, 30),
	HWT_CASE(flags_queue_einval, HWT_LOADED, 30),
	HWT_CASE(pad_queue_einval, HWT_LOADED, 30),
	HWT_CASE(reserved0_einval, HWT_LOADED, 30),
	HWT_CASE(reserved1_einval, HWT_LOADED, 30),
	HWT_CASE(reserved2_einval, HWT_LOADED, 30),
	HWT_CASE(reserved2_request_einval, HWT_LOADED, 30),
	HWT_CASE(reserved0_queue_einval, HWT_LOADED, 30),
	HWT_CASE(period_1_einval, HWT_LOADED, 30),
	HWT_CASE(period_below_min_einval, HWT_LOADED, 30),
	HWT_CASE(period_above_max_einval, HWT_LOADED, 30),
	HWT_CASE(period_u64_max_einval, HWT_LOADED, 30),
	HWT_CASE(period_below_min_request_einval, HWT_LOADED, 30),
	HWT_CASE(period_below_min_queue_einval, HWT_LOADED, 30),
	HWT_CASE(period_above_max_queue_einval, HWT_LOADED, 30),
	HWT_CASE(period_ok_but_due_zero_einval, HWT_LOADED, 30),
	HWT_CASE(eventfd_minus1_ebadf, HWT_LOADED, 30),
	HWT_CASE(eventfd_int_min_ebadf, HWT_LOADED, 30),
	HWT_CASE(eventfd_int_max_ebadf, HWT_LOADED, 30),
	HWT_CASE(eventfd_self_einval, HWT_LOADED, 30),
	HWT_CASE(eventfd_closed_fd_ebadf, HWT_LOADED, 30),
	HWT_CASE(eventfd_pipe_read_end_einval, HWT_LOADED, 30),
	HWT_CASE(eventfd_pipe_write_end_einval, HWT_LOADED, 30),
	HWT_CASE(eventfd_dev_null_einval, HWT_LOADED, 30),
	HWT_CASE(eventfd_regular_file_einval, HWT_LOADED, 30),
	HWT_CASE(period_min_accepted, HWT_LOADED, 30),
	HWT_CASE(period_max_accepted, HWT_LOADED, 30),
	HWT_CASE(period_min_queue_accepted, HWT_LOADED, 30),
	HWT_CASE(null_pointer_efault, HWT_LOADED, 30),
	HWT_CASE(pointer_one_efault, HWT_LOADED, 30),
	HWT_CASE(kernel_pointer_efault, HWT_LOADED, 30),
	HWT_CASE(arg_straddles_unmapped_page_efault, HWT_LOADED, 30),
	HWT_CASE(arg_in_unmapped_memory_efault, HWT_LOADED, 30),
	HWT_CASE(output_readonly_eventfd_efault, HWT_LOADED, 30),
	HWT_CASE(output_readonly_request_efault, HWT_LOADED, 30),
	HWT_CASE(output_readonly_queue_efault, HWT_LOADED, 30),
	HWT_CASE(whole_arg_readonly_efault, HWT_LOADED, 30),
	HWT_CASE(ioctl_nr0_enotty, HWT_LOADED, 30),
	HWT_CASE(ioctl_nr2_enotty, HWT_LOADED, 30),
	HWT_CASE(ioctl_nr4_enotty, HWT_LOADED, 30),
	HWT_CASE(ioctl_cancel_wrong_dir_enotty, HWT_LOADED, 30),
	HWT_CASE(ioctl_cancel_wrong_size_enotty, HWT_LOADED, 30),
	HWT_CASE(ioctl_wait_wrong_dir_enotty, HWT_LOADED, 30),
	HWT_CASE(ioctl_wait_wrong_size_enotty, HWT_LOADED, 30),
	HWT_CASE(ioctl_nr255_enotty, HWT_LOADED, 30),
	HWT_CASE(ioctl_wrong_magic_enotty, HWT_LOADED, 30),
	HWT_CASE(ioctl_wrong_size_u64_enotty, HWT_LOADED, 30),
	HWT_CASE(ioctl_wrong_size_larger_enotty, HWT_LOADED, 30),
	HWT_CASE(ioctl_read_only_dir_enotty, HWT_LOADED, 30),
	HWT_CASE(ioctl_write_only_dir_enotty, HWT_LOADED, 30),
	HWT_CASE(ioctl_no_dir_enotty, HWT_LOADED, 30),
	HWT_CASE(ioctl_cmd_zero_enotty, HWT_LOADED, 30),
	HWT_CASE(ioctl_tcgets_enotty, HWT_LOADED, 30),
	HWT_CASE(ioctl_fionread_enotty, HWT_LOADED, 30),
	HWT_CASE(ioctl_unknown_with_null_arg_enotty, HWT_LOADED, 30),
	HWT_CASE(failed_registrations_use_no_id, HWT_LOADED, 30),
	HWT_CASE(file_usable_after_errors, HWT_LOADED, 30),
};

const struct hwt_suite hwt_suite_invalid = HWT_SUITE("invalid", cases);
