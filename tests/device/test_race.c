// SPDX-License-Identifier: GPL-2.0
/*
 * Races: firing against close, firing against signal, firing against
 * SIGKILL.  Due times are tiny and random (1 ns .. 50 us) so that the
 * timer callback runs at the same moment as the cancelling path, on the
 * same or on another CPU.  Whatever happens, every registration must end
 * exactly once, as fired or as cancelled: the counters add up, an eventfd
 * is signalled exactly once per firing, and nothing stays pending.
 * The seed is printed; env HWEVENT_SEED repeats a run.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hwtest.h"

/* open → register 1..RACE_MAX_REGS → close cycles, both threads together. */
#define RACE_OPENS		20000
#define RACE_MAX_REGS		3
#define RACE_MAX_DUE_NS		(50 * NS_PER_US)
/* Busy-wait before a close, up to this long (none in a quarter). */
#define RACE_MAX_JITTER_NS	(30 * NS_PER_US)
/* Blocking requests under a hail of signals. */
#define RACE_REQUESTS		5000
#define RACE_MAX_KICK_NS	(100 * NS_PER_US)
/* Children killed while they register and wait. */
#define RACE_KILLS		200

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* One CPU in the VM: no pinning, the race is still on. */
	sched_setaffinity(0, sizeof(set), &set);
}

static uint64_t rand_due(uint64_t *rng)
{
	return 1 + hwt_rand(rng) % RACE_MAX_DUE_NS;
}

/* ---- EVENTFD registrations against close ---- */

#define RING 64

/* Single-producer single-consumer queue of descriptors. */
struct ring {
	_Atomic unsigned int head, tail;
	int fd[RING];
};

static bool ring_push(struct ring *r, int fd)
{
	unsigned int h = atomic_load_explicit(&r->head, memory_order_relaxed);
	unsigned int t = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (h - t == RING)
		return false;
	r->fd[h % RING] = fd;
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
	return true;
}

static int ring_pop(struct ring *r)
{
	unsigned int t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	unsigned int h = atomic_load_explicit(&r->head, memory_order_acquire);
	int fd;

	if (t == h)
		return -1;
	fd = r->fd[t % RING];
	atomic_store_explicit(&r->tail, t + 1, memory_order_release);
	return fd;
}

struct racer {
	int cpu;
	int efd;
	unsigned int opens;
	uint64_t rng;
	struct ring *in, *out;
	atomic_bool *my_done, *peer_done;
	/* results */
	uint64_t registered;
	uint64_t handed_over;
	int err;
	const char *what;
};

static void close_jittered(int fd, uint64_t *rng)
{
	uint32_t x = hwt_rand(rng);

	if (x % 4)
		hwt_spin_ns(x % RACE_MAX_JITTER_NS);
	close(fd);
}

/*
 * Each thread opens, registers and then either closes the file itself or
 * hands it to the other thread, pinned to the other CPU, which closes it
 * while the timers started on this CPU fire.
 */
static void *racer_fn(void *arg)
{
	struct racer *r = arg;
	int fd;

	pin_to_cpu(r->cpu);
	for (unsigned int i = 0; i < r->opens && !r->err; i++) {
		unsigned int n = 1 + hwt_rand(&r->rng) % RACE_MAX_REGS;

		fd = hwevent_open(0);
		if (fd < 0) {
			r->err = fd;
			r->what = "open";
			break;
		}
		for (unsigned int j = 0; j < n; j++) {
			int ret = hwevent_register_eventfd(fd, r->efd,
							   rand_due(&r->rng),
							   i, NULL);
			if (ret) {
				r->err = ret;
				r->what = "register";
				break;
			}
			r->registered++;
		}
		if ((hwt_rand(&r->rng) & 1) && ring_push(r->out, fd))
			r->handed_over++;
		else
			close_jittered(fd, &r->rng);
		while ((fd = ring_pop(r->in)) >= 0)
			close_jittered(fd, &r->rng);
	}
	atomic_store(r->my_done, true);
	for (;;) {
		bool peer = atomic_load(r->peer_done);

		while ((fd = ring_pop(r->in)) >= 0)
			close(fd);
		if (peer)
			break;
		sched_yield();
	}
	return NULL;
}

START_TEST(race_eventfd_fire_vs_close)
{
	static struct ring rings[2];
	atomic_bool done[2];
	struct racer r[2];
	pthread_t th[2];
	struct hwevent_counters c0, c1;
	uint64_t seed = hwt_seed(), total = 0, signalled, t0;
	int efd;

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ck_assert_int_ge(efd, 0);
	c0 = hwt_counters();
	t0 = now_ns();
	for (int i = 0; i < 2; i++) {
		atomic_init(&done[i], false);
		atomic_init(&rings[i].head, 0);
		atomic_init(&rings[i].tail, 0);
	}
	for (int i = 0; i < 2; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].cpu = i;
		r[i].efd = efd;
		r[i].opens = hwt_iters(RACE_OPENS) / 2;
		r[i].rng = seed * 2 + (uint64_t)i + 1;
		r[i].out = &rings[i];
		r[i].in = &rings[1 - i];
		r[i].my_done = &done[i];
		r[i].peer_done = &done[1 - i];
		ck_assert_int_eq(pthread_create(&th[i], NULL, racer_fn, &r[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++) {
		ck_assert_msg(!r[i].err, "thread %d: %s: %s", i, r[i].what,
			      strerror(-r[i].err));
		total += r[i].registered;
	}
	/* Every file is closed: nothing can signal the eventfd any more. */
	signalled = hwt_efd_take(efd);
	close(efd);
	c1 = hwt_counters();
	hwt_diag("%d opens, %" PRIu64 " registrations (%" PRIu64 "+%" PRIu64
		 " files closed by the other thread): %" PRIu64 " fired, %"
		 PRIu64 " cancelled, in %.2f s", hwt_iters(RACE_OPENS) / 2 * 2, total,
		 r[0].handed_over, r[1].handed_over, c1.fired - c0.fired,
		 c1.cancelled - c0.cancelled,
		 (double)(now_ns() - t0) / 1e9);
	ck_assert_uint_eq(c1.registered - c0.registered, total);
	ck_assert_msg(c1.fired - c0.fired + c1.cancelled - c0.cancelled == total,
		      "fired %" PRIu64 " + cancelled %" PRIu64 " != registered %"
		      PRIu64, c1.fired - c0.fired, c1.cancelled - c0.cancelled,
		      total);
	ck_assert_msg(signalled == c1.fired - c0.fired,
		      "eventfd signalled %" PRIu64 " times for %" PRIu64
		      " firings", signalled, c1.fired - c0.fired);
	ck_assert_uint_eq(c1.pending, 0);
	/* Both outcomes must have happened, or there was no race. */
	ck_assert_msg(c1.fired > c0.fired && c1.cancelled > c0.cancelled,
		      "no race: fired %" PRIu64 ", cancelled %" PRIu64,
		      c1.fired - c0.fired, c1.cancelled - c0.cancelled);
	hwt_assert_rest();
}
END_TEST

/* ---- REQUEST against signals ---- */

struct kicker {
	pthread_t target;
	atomic_bool stop;
	uint64_t rng;
	uint64_t kicks;
};

static void *kicker_fn(void *arg)
{
	struct kicker *k = arg;

	pin_to_cpu(1);
	while (!atomic_load(&k->stop)) {
		hwt_spin_ns(hwt_rand(&k->rng) % RACE_MAX_KICK_NS);
		pthread_kill(k->target, SIGUSR1);
		k->kicks++;
	}
	return NULL;
}

START_TEST(race_request_fire_vs_signal)
{
	struct hwevent_counters c0, c1;
	struct kicker k;
	pthread_t th;
	uint64_t rng = hwt_seed() * 3 + 1, last_id = 0, last_seq = 0, t0;
	uint64_t n_ok = 0, n_intr = 0, n_bad = 0;
	uint64_t requests = hwt_iters(RACE_REQUESTS);
	char bad[256] = "";
	int fd, err = 0;

	hwt_catch_signal(SIGUSR1, 0);	/* no SA_RESTART */
	pin_to_cpu(0);
	fd = hwt_open();
	c0 = hwt_counters();
	k.target = pthread_self();
	atomic_init(&k.stop, false);
	k.rng = rng + 17;
	k.kicks = 0;
	t0 = now_ns();
	ck_assert_int_eq(pthread_create(&th, NULL, kicker_fn, &k), 0);

	for (uint64_t i = 1; i <= requests; i++) {
		/*
		 * Tiny due times race the signals; every 16th is long enough
		 * that a signal surely comes first, so both outcomes happen.
		 */
		uint64_t due = i % 16 ? rand_due(&rng) : NS_PER_SEC, t1, t2;
		struct hwevent_msg m;
		int ret;

		memset(&m, 0, sizeof(m));
		t1 = now_ns();
		ret = hwevent_wait_request(fd, due, i, &m);
		t2 = now_ns();
		if (ret == -EINTR) {
			n_intr++;
			continue;
		}
		if (ret) {
			err = ret;
			break;
		}
		n_ok++;
		if (m.cookie != i || m.type != HWEVENT_TYPE_REQUEST ||
		    m.id <= last_id || m.seq <= last_seq || m.flags ||
		    m.lost || m.reserved || m.fired_ns < t1 + due ||
		    m.fired_ns > t2) {
			if (!n_bad++)
				snprintf(bad, sizeof(bad), "request %" PRIu64
					 " (due %" PRIu64 "): cookie %llu type %u id"
					 " %llu (last %" PRIu64 ") seq %llu (last %"
					 PRIu64 ") fired %+" PRId64 " ns after the"
					 " call, returned %+" PRId64 " ns later",
					 i, due, (unsigned long long)m.cookie,
					 m.type, (unsigned long long)m.id,
					 last_id, (unsigned long long)m.seq,
					 last_seq, (int64_t)(m.fired_ns - t1),
					 (int64_t)(t2 - m.fired_ns));
		}
		last_id = m.id;
		last_seq = m.seq;
	}
	atomic_store(&k.stop, true);
	pthread_join(th, NULL);
	close(fd);
	c1 = hwt_counters();
	hwt_diag("%" PRIu64 " requests, %" PRIu64 " signals: %" PRIu64 " fired, %" PRIu64
		 " EINTR (%" PRIu64 " cancelled), in %.2f s", requests,
		 k.kicks, n_ok, n_intr, c1.cancelled - c0.cancelled,
		 (double)(now_ns() - t0) / 1e9);
	ck_assert_msg(!err, "a request failed with %s", strerror(-err));
	ck_assert_msg(!n_bad, "%" PRIu64 " bad messages, first: %s", n_bad, bad);
	ck_assert_uint_eq(n_ok + n_intr, requests);
	/* Success means fired; EINTR means cancelled (or never registered). */
	ck_assert_uint_eq(c1.fired - c0.fired, n_ok);
	ck_assert_uint_le(c1.cancelled - c0.cancelled, n_intr);
	ck_assert_uint_eq(c1.registered - c0.registered,
			  (c1.fired - c0.fired) + (c1.cancelled - c0.cancelled));
	ck_assert_uint_eq(c1.pending, 0);
	ck_assert_msg(n_ok && c1.cancelled > c0.cancelled,
		      "no race: %" PRIu64 " fired, %" PRIu64 " cancelled", n_ok,
		      c1.cancelled - c0.cancelled);
	hwt_assert_rest();
}
END_TEST

/* ---- both types against SIGKILL ---- */

static void __attribute__((noreturn)) kill_child(uint64_t rng, int ready)
{
	struct hwevent_msg m;
	int fd = hwevent_open(0);
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0 || efd < 0)
		_exit(10);
	if (write(ready, "r", 1) != 1)
		_exit(11);
	for (uint64_t i = 1;; i++) {
		int ret = hwevent_register_eventfd(fd, efd, rand_due(&rng), i,
						   NULL);

		if (ret && ret != -ENOSPC)
			_exit(12);
		ret = hwevent_wait_request(fd, rand_due(&rng), i, &m);
		if (ret && ret != -ENOSPC)
			_exit(13);
	}
}

START_TEST(race_sigkill_vs_fire)
{
	struct hwevent_counters c0, c1;
	uint64_t rng = hwt_seed() * 5 + 3, t0;
	unsigned int kills = hwt_iters(RACE_KILLS);
	int status;

	c0 = hwt_counters();
	t0 = now_ns();
	for (unsigned int i = 0; i < kills; i++) {
		int p[2];
		char c;
		pid_t pid;

		ck_assert_int_eq(pipe(p), 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			close(p[0]);
			pin_to_cpu(i % 2);
			kill_child(rng + (uint64_t)i * 7919, p[1]);
		}
		close(p[1]);
		ck_assert_msg(read(p[0], &c, 1) == 1, "child %d failed to start",
			      i);
		close(p[0]);
		hwt_spin_ns(hwt_rand(&rng) % (2 * NS_PER_MS));
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
			      "child %u ended with status %#x", i, status);
		ck_assert_msg(hwt_counters().pending == 0,
			      "registrations left pending after child %u died", i);
	}
	c1 = hwt_counters();
	hwt_diag("%u children killed: %" PRIu64 " registrations, %" PRIu64
		 " fired, %" PRIu64 " cancelled, in %.2f s", kills,
		 c1.registered - c0.registered, c1.fired - c0.fired,
		 c1.cancelled - c0.cancelled,
		 (double)(now_ns() - t0) / 1e9);
	ck_assert_uint_eq(c1.registered - c0.registered,
			  (c1.fired - c0.fired) + (c1.cancelled - c0.cancelled));
	hwt_assert_rest();
}
END_TEST

static const struct hwt_case cases[] = {
	HWT_CASE(race_eventfd_fire_vs_close, HWT_LOADED, 300),
	HWT_CASE(race_request_fire_vs_signal, HWT_LOADED, 300),
	HWT_CASE(race_sigkill_vs_fire, HWT_LOADED, 300),
};

const struct hwt_suite hwt_suite_race = HWT_SUITE("race", cases);
