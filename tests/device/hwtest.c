// SPDX-License-Identifier: GPL-2.0
/* Shared helpers of the device test suite; see hwtest.h. */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hwtest.h"
#include "textfile.h"

const char *hwt_ko_path(void)
{
	const char *p = getenv("HWEVENT_KO");

	return p && *p ? p : "build/san/hwevent.ko";
}

const char *hwt_app_path(void)
{
	const char *p = getenv("HWEVENT_APP");

	return p && *p ? p : "build/san/event";
}

unsigned int hwt_iters(unsigned int n)
{
	const char *s = getenv("HWEVENT_ITER_PERCENT");
	unsigned long pct = 100;
	char *end;

	if (s && *s) {
		errno = 0;
		pct = strtoul(s, &end, 10);
		ck_assert_msg(!errno && !*end && pct >= 1 && pct <= 1000,
			      "HWEVENT_ITER_PERCENT=%s: not 1 to 1000", s);
	}
	n = (unsigned int)((unsigned long long)n * pct / 100);
	return n ? n : 1;
}

/* ---- skip support: the reason travels from the test child to main ---- */

#define SKIP_LEN 200
static char *skip_buf;

void hwt_skip_init(void)
{
	skip_buf = mmap(NULL, SKIP_LEN, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (skip_buf == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	skip_buf[0] = '\0';
}

void hwt_skip_clear(void)
{
	skip_buf[0] = '\0';
}

const char *hwt_skip_reason(void)
{
	return skip_buf[0] ? skip_buf : NULL;
}

void hwt_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_buf, SKIP_LEN, fmt, ap);
	va_end(ap);
	if (!skip_buf[0])
		strcpy(skip_buf, "skipped");
	/* No newline may break the TAP line. */
	for (char *p = skip_buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

void hwt_diag(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("# %s\n", buf);
	fflush(stdout);
}

unsigned int hwt_seed(void)
{
	static unsigned int seed;
	const char *s;

	if (seed)
		return seed;
	s = getenv("HWEVENT_SEED");
	if (s && *s)
		seed = (unsigned int)strtoul(s, NULL, 0);
	else
		seed = (unsigned int)(now_ns() ^ ((uint64_t)getpid() << 16));
	if (!seed)
		seed = 1;
	hwt_diag("seed %u (set HWEVENT_SEED to repeat)", seed);
	return seed;
}

/* xorshift64*: tiny, good enough, thread-local state. */
uint32_t hwt_rand(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dULL) >> 32);
}

/* ---- module state ---- */

int hwt_unload_retry(int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	int ret;

	for (;;) {
		ret = module_unload();
		if (ret != -EBUSY && ret != -EAGAIN)
			return ret;
		if (now_ns() >= deadline)
			return ret;
		hwt_sleep_ms(20);
	}
}

void hwt_setup_unloaded(void)
{
	int ret;

	if (!module_loaded())
		return;
	ret = hwt_unload_retry(SOON_MS);
	ck_assert_msg(ret == 0 || ret == -ENOENT,
		      "setup: unloading the module failed: %s", strerror(-ret));
	ck_assert_msg(!module_loaded(),
		      "setup: module still loaded after unload");
}

void hwt_setup_loaded(void)
{
	struct hwevent_counters c;
	uint64_t mp;
	int ret;

	if (!module_loaded()) {
		ret = module_load(hwt_ko_path(), NULL);
		ck_assert_msg(ret == 0 || ret == -EEXIST,
			      "setup: loading %s failed: %s", hwt_ko_path(),
			      strerror(-ret));
	}
	ret = device_wait_node(SOON_MS);
	ck_assert_msg(ret == 0, "setup: %s did not appear: %s",
		      HWEVENT_DEV_PATH, strerror(-ret));
	ret = module_param_read("max_pending", &mp);
	ck_assert_msg(ret == 0, "setup: reading max_pending: %s",
		      strerror(-ret));
	if (mp != DEFAULT_MAX_PENDING) {
		ret = module_param_write("max_pending", DEFAULT_MAX_PENDING);
		ck_assert_msg(ret == 0, "setup: resetting max_pending: %s",
			      strerror(-ret));
	}
	ret = module_param_read("queue_len", &mp);
	ck_assert_msg(ret == 0, "setup: reading queue_len: %s", strerror(-ret));
	if (mp != DEFAULT_QUEUE_LEN) {
		ret = module_param_write("queue_len", DEFAULT_QUEUE_LEN);
		ck_assert_msg(ret == 0, "setup: resetting queue_len: %s",
			      strerror(-ret));
	}
	/* Only where io_uring cannot cancel commands (before 6.7). */
	if (module_param_read("uring_timeout_ms", &mp) == 0 &&
	    mp != DEFAULT_URING_TIMEOUT_MS) {
		ret = module_param_write("uring_timeout_ms",
					  DEFAULT_URING_TIMEOUT_MS);
		ck_assert_msg(ret == 0, "setup: resetting uring_timeout_ms: %s",
			      strerror(-ret));
	}
	ret = hwevent_read_counters(&c);
	ck_assert_msg(ret == 0, "setup: reading counters: %s", strerror(-ret));
	ck_assert_msg(c.pending == 0,
		      "setup: %" PRIu64 " registrations left pending by an "
		      "earlier test", c.pending);
	if (c.registered != c.fired + c.cancelled) {
		/* Periodic firings of a test that failed before it unloaded
		 * the module: start again from fresh counters. */
		hwt_diag("setup: counters include periodic firings (registered"
			 " %" PRIu64 ", fired %" PRIu64 ", cancelled %" PRIu64
			 "): reloading the module", c.registered, c.fired,
			 c.cancelled);
		hwt_setup_unloaded();
		hwt_setup_loaded();
	}
}

/* ---- device helpers ---- */

int hwt_open(void)
{
	int fd = hwevent_open(0);

	ck_assert_msg(fd >= 0, "open %s: %s", HWEVENT_DEV_PATH,
		      strerror(fd < 0 ? -fd : 0));
	return fd;
}

int hwt_eventfd(void)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	ck_assert_msg(efd >= 0, "eventfd: %s", strerror(errno));
	return efd;
}

int hwt_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

void hwt_reg_eventfd_arg(struct hwevent_register *r, int efd, uint64_t due_ns,
			 uint64_t cookie)
{
	hwt_reg_arg(r, HWEVENT_TYPE_EVENTFD, due_ns, 0, cookie, efd);
}

uint64_t hwt_reg_eventfd(int fd, int efd, uint64_t due_ns)
{
	uint64_t id = 0;
	int ret = hwevent_register_eventfd(fd, efd, due_ns, 0, &id);

	ck_assert_msg(ret == 0, "register eventfd (due %" PRIu64 " ns): %s",
		      due_ns, strerror(-ret));
	ck_assert_msg(id != 0, "register eventfd returned id 0");
	return id;
}

bool hwt_efd_ready(int efd)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

uint64_t hwt_efd_take(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

uint64_t hwt_efd_wait(int efd, int timeout_ms)
{
	return hwt_readable(efd, timeout_ms) ? hwt_efd_take(efd) : 0;
}

uint64_t hwt_efd_collect(int efd, uint64_t want, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	uint64_t sum = 0;

	while (sum < want) {
		uint64_t now = now_ns();

		if (now >= deadline)
			break;
		sum += hwt_efd_wait(efd, (int)((deadline - now) / NS_PER_MS) + 1);
	}
	return sum;
}

struct hwevent_counters hwt_counters(void)
{
	struct hwevent_counters c;
	int ret;

	ret = hwevent_read_counters(&c);
	ck_assert_msg(ret == 0, "reading counters: %s", strerror(-ret));
	return c;
}

void hwt_assert_delta_at(const char *file, int line,
			 const struct hwevent_counters *c0, int64_t dreg,
			 int64_t dfired, int64_t dcanc, int64_t dpend)
{
	struct hwevent_counters c = hwt_counters();
	int64_t r = (int64_t)(c.registered - c0->registered);
	int64_t f = (int64_t)(c.fired - c0->fired);
	int64_t x = (int64_t)(c.cancelled - c0->cancelled);
	int64_t p = (int64_t)(c.pending - c0->pending);

	ck_assert_msg(r == dreg && f == dfired && x == dcanc && p == dpend,
		      "%s:%d: counter deltas registered/fired/cancelled/pending "
		      "= %" PRId64 "/%" PRId64 "/%" PRId64 "/%" PRId64
		      ", expected %" PRId64 "/%" PRId64 "/%" PRId64 "/%" PRId64,
		      file, line, r, f, x, p, dreg, dfired, dcanc, dpend);
	ck_assert_msg(c.registered == c.fired + c.cancelled + c.pending,
		      "%s:%d: invariant broken: registered %" PRIu64
		      " != fired %" PRIu64 " + cancelled %" PRIu64
		      " + pending %" PRIu64, file, line, c.registered, c.fired,
		      c.cancelled, c.pending);
}

void hwt_assert_rest_at(const char *file, int line)
{
	struct hwevent_counters c = hwt_counters();

	ck_assert_msg(c.pending == 0, "%s:%d: %" PRIu64
		      " registrations still pending", file, line, c.pending);
	ck_assert_msg(c.registered == c.fired + c.cancelled,
		      "%s:%d: invariant broken at rest: registered %" PRIu64
		      " != fired %" PRIu64 " + cancelled %" PRIu64,
		      file, line, c.registered, c.fired, c.cancelled);
}

void hwt_assert_delta_rcp_at(const char *file, int line,
			     const struct hwevent_counters *c0, int64_t dreg,
			     int64_t dcanc, int64_t dpend)
{
	struct hwevent_counters c = hwt_counters();
	int64_t r = (int64_t)(c.registered - c0->registered);
	int64_t x = (int64_t)(c.cancelled - c0->cancelled);
	int64_t p = (int64_t)(c.pending - c0->pending);

	ck_assert_msg(r == dreg && x == dcanc && p == dpend,
		      "%s:%d: counter deltas registered/cancelled/pending "
		      "= %" PRId64 "/%" PRId64 "/%" PRId64 ", expected %" PRId64
		      "/%" PRId64 "/%" PRId64 " (fired %+" PRId64 ", lost %+"
		      PRId64 ")", file, line, r, x, p, dreg, dcanc, dpend,
		      (int64_t)(c.fired - c0->fired),
		      (int64_t)(c.lost - c0->lost));
}

void hwt_assert_rest_unload_at(const char *file, int line)
{
	int ret;

	ck_assert_msg(hwt_wait_pending(0, SOON_MS), "%s:%d: %" PRIu64
		      " registrations still pending", file, line,
		      hwt_counters().pending);
	ret = hwt_unload_retry(SOON_MS);
	ck_assert_msg(ret == 0, "%s:%d: unloading the module at the end of "
		      "the test: %s", file, line, strerror(-ret));
}

bool hwt_wait_pending(uint64_t want, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	struct hwevent_counters c;

	for (;;) {
		if (hwevent_read_counters(&c) == 0 && c.pending == want)
			return true;
		if (now_ns() >= deadline)
			return false;
		hwt_sleep_ms(2);
	}
}

void hwt_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Whether /proc/@tid says it sleeps in system call @sysno (a thread of
 * this process, or a child). */
static bool thread_blocked_in(pid_t tid, long sysno)
{
	char path[64], buf[256], *p;
	long nr;
	FILE *f;
	bool in_call;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)tid);
	f = fopen(path, "re");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	/* "NR arg1 ... sp pc" inside a call, "running" when running. */
	in_call = fscanf(f, "%ld", &nr) == 1 && nr == sysno;
	fclose(f);
	if (!in_call)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	f = fopen(path, "re");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* "tid (comm) S ...": the state follows the last ')'. */
	p = p ? strrchr(buf, ')') : NULL;
	return p && p[1] == ' ' && p[2] == 'S';
}

void hwt_wait_blocked(pid_t tid, long sysno, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NS_PER_MS;

	while (!thread_blocked_in(tid, sysno)) {
		ck_assert_msg(now_ns() < deadline, "thread %d did not "
			      "block in system call %ld within %d ms", (int)tid,
			      sysno, timeout_ms);
		hwt_sleep_ms(1);
	}
}

static void *kicker_fn(void *arg)
{
	struct hwt_kicker *k = arg;

	/* No deadline: the test's timeout bounds a call that never ends. */
	while (!atomic_load(&k->done)) {
		if (thread_blocked_in(k->tid, k->sysno)) {
			pthread_kill(k->target, k->sig);
			atomic_store(&k->kicked, true);
			break;
		}
		hwt_sleep_ms(1);
	}
	return NULL;
}

void hwt_kick_when_blocked(struct hwt_kicker *k, int sig, long sysno)
{
	k->target = pthread_self();
	k->tid = gettid();
	k->sysno = sysno;
	k->sig = sig;
	atomic_init(&k->done, false);
	atomic_init(&k->kicked, false);
	ck_assert_int_eq(pthread_create(&k->thread, NULL, kicker_fn, k), 0);
}

bool hwt_kick_join(struct hwt_kicker *k)
{
	atomic_store(&k->done, true);
	pthread_join(k->thread, NULL);
	return atomic_load(&k->kicked);
}

static void on_caught_signal(int sig)
{
	(void)sig;
}

void hwt_catch_signal(int sig, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_caught_signal;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(sig, &sa, NULL), 0);
}

void hwt_spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

/* ---- running programs ---- */

static void append(char *buf, size_t *len, const char *src, size_t n)
{
	if (n > HWT_OUT_MAX - 1 - *len)
		n = HWT_OUT_MAX - 1 - *len;
	memcpy(buf + *len, src, n);
	*len += n;
	buf[*len] = '\0';
}

int hwt_run(char *const argv[], uid_t uid, struct hwt_output *o,
	    int timeout_s, uint64_t *elapsed_ns)
{
	uint64_t t0 = now_ns();
	uint64_t deadline = t0 + (uint64_t)timeout_s * NS_PER_SEC;
	size_t len[2] = { 0, 0 };
	char *buf[2] = { o->out, o->err };
	int po[2], pe[2], status, open_pipes = 2;
	struct pollfd p[2];
	bool timed_out = false;
	pid_t pid;

	o->out[0] = o->err[0] = '\0';
	if (pipe2(po, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(po[0]);
		close(po[1]);
		close(pe[0]);
		close(pe[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(po[1], STDOUT_FILENO);
		dup2(pe[1], STDERR_FILENO);
		if (uid != (uid_t)-1) {
			if (setgroups(0, NULL) < 0 || setgid(uid) < 0 ||
			    setuid(uid) < 0) {
				dprintf(STDERR_FILENO, "hwt_run: drop to %u: %s\n",
					(unsigned int)uid, strerror(errno));
				_exit(126);
			}
		}
		execv(argv[0], argv);
		dprintf(STDERR_FILENO, "hwt_run: exec %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	p[0] = (struct pollfd){ .fd = po[0], .events = POLLIN };
	p[1] = (struct pollfd){ .fd = pe[0], .events = POLLIN };
	while (open_pipes) {
		uint64_t now = now_ns();
		char tmp[4096];
		int r;

		if (now >= deadline) {
			timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		r = poll(p, 2, (int)((deadline - now) / NS_PER_MS) + 1);
		if (r <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, tmp, sizeof(tmp));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				open_pipes--;
				continue;
			}
			append(buf[i], &len[i], tmp, (size_t)n);
		}
	}
	for (int i = 0; i < 2; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (elapsed_ns)
		*elapsed_ns = now_ns() - t0;
	if (timed_out)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

const char *hwt_mktempdir(void)
{
	static char path[PATH_MAX];
	char tmpl[] = "/tmp/hwevent-test-XXXXXX";
	char *d = mkdtemp(tmpl);

	ck_assert_msg(d != NULL, "mkdtemp: %s", strerror(errno));
	ck_assert_msg(chmod(d, 0755) == 0, "chmod %s: %s", d, strerror(errno));
	ck_assert_msg(realpath(d, path) != NULL, "realpath %s: %s", d,
		      strerror(errno));
	return path;
}

void hwt_copy_file(const char *src, const char *dst, mode_t mode)
{
	char buf[65536];
	int in, outfd;
	ssize_t n;

	in = open(src, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(in >= 0, "open %s: %s", src, strerror(errno));
	outfd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ck_assert_msg(outfd >= 0, "create %s: %s", dst, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_msg(write(outfd, buf, (size_t)n) == n, "write %s: %s",
			      dst, strerror(errno));
	ck_assert_msg(n == 0, "read %s: %s", src, strerror(errno));
	ck_assert_msg(fchmod(outfd, mode) == 0, "chmod %s", dst);
	close(in);
	ck_assert_msg(close(outfd) == 0, "close %s: %s", dst, strerror(errno));
}

void hwt_rmtree(const char *dir)
{
	char p[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d) {
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

bool hwt_contains(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}

int hwt_count_lines(const char *s, const char *needle)
{
	int n = 0;

	while (s && *s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char line[1024];

		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, s, len);
		line[len] = '\0';
		if (strcasestr(line, needle))
			n++;
		s = nl ? nl + 1 : NULL;
	}
	return n;
}

/* ---- registration arguments, through the library ---- */

void hwt_reg_arg(struct hwevent_register *r, uint32_t type, uint64_t due_ns,
		 uint64_t period_ns, uint64_t cookie, int efd)
{
	hwevent_register_init(r, type, due_ns, period_ns, cookie);
	r->eventfd = efd;
}

int hwt_register_efd(int fd, int efd, uint64_t due_ns, uint64_t period_ns,
		     uint64_t cookie, uint64_t *id)
{
	struct hwevent_register r;
	int ret;

	hwt_reg_arg(&r, HWEVENT_TYPE_EVENTFD, due_ns, period_ns, cookie, efd);
	ret = hwevent_register(fd, &r);
	if (!ret && id)
		*id = r.id;
	return ret;
}

ssize_t hwt_read_raw(int fd, void *buf, size_t count)
{
	ssize_t n = read(fd, buf, count);

	return n < 0 ? -errno : n;
}

uint64_t hwt_reg_queue(int fd, uint64_t due_ns, uint64_t period_ns,
		       uint64_t cookie)
{
	uint64_t id = 0;
	int ret = hwevent_register_queue(fd, due_ns, period_ns, cookie, &id);

	ck_assert_msg(ret == 0, "register queue (due %" PRIu64 " period %"
		      PRIu64 " ns): %s", due_ns, period_ns, strerror(-ret));
	ck_assert_msg(id != 0, "register queue returned id 0");
	return id;
}

uint64_t hwt_reg_periodic_efd(int fd, int efd, uint64_t due_ns,
			      uint64_t period_ns)
{
	uint64_t id = 0;
	int ret = hwt_register_efd(fd, efd, due_ns, period_ns, 0, &id);

	ck_assert_msg(ret == 0, "register eventfd (due %" PRIu64 " period %"
		      PRIu64 " ns): %s", due_ns, period_ns, strerror(-ret));
	ck_assert_msg(id != 0, "register eventfd returned id 0");
	return id;
}

bool hwt_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NS_PER_MS;

	for (;;) {
		uint64_t now = now_ns();
		int left = now >= deadline ? 0 :
			   (int)((deadline - now + NS_PER_MS - 1) / NS_PER_MS);
		int n = poll(&p, 1, left);

		if (n == 1)
			return (p.revents & POLLIN) != 0;
		if (n == 0 || (n < 0 && errno != EINTR))
			return false;
	}
}

unsigned int hwt_read_msgs(int fd, struct hwevent_msg *m, unsigned int n,
			   int timeout_ms)
{
	int got;

	if (!hwt_readable(fd, timeout_ms))
		return 0;
	/* EIO: the read returned something else than whole records. */
	got = hwevent_read_msgs(fd, m, n);
	ck_assert_msg(got > 0, "read after POLLIN: %s", strerror(-got));
	return (unsigned int)got;
}

unsigned int hwt_collect_msgs(int fd, struct hwevent_msg *m,
			      unsigned int want, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	unsigned int got = 0;

	while (got < want) {
		uint64_t now = now_ns();

		if (now >= deadline)
			break;
		got += hwt_read_msgs(fd, m + got, want - got,
				     (int)((deadline - now) / NS_PER_MS) + 1);
	}
	return got;
}

void hwt_set_queue_len(uint64_t v)
{
	uint64_t got = 0;
	int ret = module_param_write("queue_len", v);

	ck_assert_msg(ret == 0, "writing queue_len=%" PRIu64 ": %s", v,
		      strerror(-ret));
	ck_assert_int_eq(module_param_read("queue_len", &got), 0);
	ck_assert_uint_eq(got, v);
}

void hwt_set_max_pending(uint64_t v)
{
	uint64_t got = 0;
	int ret = module_param_write("max_pending", v);

	ck_assert_msg(ret == 0, "writing max_pending=%" PRIu64 ": %s", v,
		      strerror(-ret));
	ck_assert_int_eq(module_param_read("max_pending", &got), 0);
	ck_assert_uint_eq(got, v);
}

void hwt_assert_msg_clean_at(const char *file, int line,
			     const struct hwevent_msg *m)
{
	ck_assert_msg(m->flags == 0 && m->reserved == 0,
		      "%s:%d: message flags %#x reserved %#llx, expected 0",
		      file, line, m->flags, (unsigned long long)m->reserved);
}

int hwt_stop_cont_child(int (*fn)(void *), void *arg, uint64_t want_pending,
			long sysno, unsigned int stop_ms, unsigned int *tries)
{
	int status;
	pid_t pid;

	for (*tries = 1;; ++*tries) {
		fflush(NULL);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			_exit(fn(arg));
		ck_assert_msg(hwt_wait_pending(want_pending, SOON_MS),
			      "the child's registrations never became pending");
		hwt_wait_blocked(pid, sysno, 60000);
		ck_assert_int_eq(kill(pid, SIGSTOP), 0);
		ck_assert_int_eq(waitpid(pid, &status, WUNTRACED), pid);
		if (WIFSTOPPED(status))
			break;
		/* Its event came before the stop: right, but no test. */
		ck_assert_msg(WIFEXITED(status), "child status %#x", status);
		if (WEXITSTATUS(status))
			return WEXITSTATUS(status);
		ck_assert_msg(*tries < 5, "the event beat SIGSTOP %u times",
			      *tries);
		hwt_diag("try %u: the child's event came before SIGSTOP",
			 *tries);
	}
	hwt_sleep_ms(stop_ms);
	ck_assert_int_eq(kill(pid, SIGCONT), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "child status %#x", status);
	return WEXITSTATUS(status);
}

/* ---- io_uring ---- */

void hwt_ring_init(struct io_uring *ring, unsigned int entries)
{
	int ret = io_uring_queue_init(entries, ring, 0);

	ck_assert_msg(ret == 0, "io_uring_queue_init(%u): %s", entries,
		      strerror(-ret));
}

struct io_uring_sqe *hwt_sqe(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	ck_assert_msg(sqe != NULL, "the submission queue is full");
	return sqe;
}

void hwt_ring_submit(struct io_uring *ring, int n)
{
	int ret = io_uring_submit(ring);

	ck_assert_msg(ret == n, "io_uring_submit returned %d (%s), expected %d",
		      ret, ret < 0 ? strerror(-ret) : "", n);
}

bool hwt_ring_wait(struct io_uring *ring, int timeout_ms, int *res,
		   uint64_t *user_data)
{
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (long long)(timeout_ms % 1000) * 1000000LL,
	};
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	struct io_uring_cqe *cqe;
	int ret;

	for (;;) {
		ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
		if (ret == 0)
			break;
		ck_assert_msg(ret == -ETIME || ret == -EINTR || ret == -EAGAIN,
			      "io_uring_wait_cqe_timeout: %s", strerror(-ret));
		if (ret == -ETIME || now_ns() >= deadline)
			return false;
	}
	if (res)
		*res = cqe->res;
	if (user_data)
		*user_data = cqe->user_data;
	io_uring_cqe_seen(ring, cqe);
	return true;
}

/* ---- the node under test (see hwtest.h) ---- */

const char *hwt_node(void)
{
	const char *n = getenv("HWEVENT_TEST_NODE");

	return n && *n && !strchr(n, '/') ? n : HWEVENT_DEVICE_NAME;
}

/* Per thread: the suite's threads open the node at the same time. */
const char *hwt_dev_path(void)
{
	static __thread char path[PATH_MAX];

	snprintf(path, sizeof(path), "/dev/%.64s", hwt_node());
	return path;
}

const char *hwt_counters_dir(void)
{
	static __thread char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/class/misc/%.64s/counters",
		 hwt_node());
	return path;
}

/* As the library's, on the node under test. */
int hwt_node_open(int flags)
{
	int fd;

	if (flags & ~(O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW))
		return -EINVAL;
	fd = open(hwt_dev_path(), O_RDWR | O_CLOEXEC | flags);
	return fd < 0 ? -errno : fd;
}

int hwt_node_read_counters(struct hwevent_counters *c)
{
	const char *names[] = { "registered", "fired", "cancelled", "pending",
				"lost" };
	struct hwevent_counters tmp;
	uint64_t *vals[] = { &tmp.registered, &tmp.fired, &tmp.cancelled,
			     &tmp.pending, &tmp.lost };
	char path[PATH_MAX + 32];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char buf[32], *end;
		int ret;

		snprintf(path, sizeof(path), "%s/%s", hwt_counters_dir(),
			 names[i]);
		ret = read_text(path, buf, sizeof(buf));
		if (ret)
			return ret;
		*vals[i] = strtoull(buf, &end, 10);
		if (end == buf)
			return -EIO;
	}
	*c = tmp;
	return 0;
}

int hwt_node_wait_for_device(int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NS_PER_MS;

	while (access(hwt_dev_path(), F_OK) != 0) {
		if (now_ns() >= deadline)
			return -ETIMEDOUT;
		hwt_sleep_ms(10);
	}
	return 0;
}
