// SPDX-License-Identifier: MIT
/* Unit tests of src/platform/phys-access.c: CPU probes allowed and trapped, handler hygiene. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rheap/firewall.h>
#include <rheap/phys.h>

#include "emu.h"
#include "hand-platform.h"
#include "rh-test.h"

#define MB (1ULL << 20)
#define PROT_PA HAND_CHUNK_BASE /* protected by the fixture */
#define OPEN_PA (HAND_DRAM_BASE + MB)

static int setup(void **state)
{
	struct rh_platform_desc desc;
	struct rh_platform *plat = NULL;

	hand_desc_minimal(&desc);
	assert_int_equal(hand_platform_new(&desc, &plat), 0);
	assert_int_equal(rh_firewall_program(plat->firewall, PROT_PA, HAND_CHUNK_SIZE,
					     RH_FW_SECURE_ONLY, NULL), 0);
	*state = plat;
	return 0;
}

static int teardown(void **state)
{
	hand_platform_free(*state);
	return 0;
}

static unsigned char *secure_ptr(struct rh_platform *plat, rh_phys_addr_t pa, size_t len)
{
	void *p;

	assert_int_equal(rh_emu_secure_ptr(plat, pa, len, &p), 0);
	return p;
}

static void test_probe_allowed(void **state)
{
	struct rh_platform *plat = *state;
	unsigned char buf[300], *sec = secure_ptr(plat, OPEN_PA, sizeof(buf));
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7);
	assert_int_equal(rh_phys_probe_write(plat, OPEN_PA, buf, sizeof(buf)), 0);
	assert_memory_equal(sec, buf, sizeof(buf));

	sec[5] = 0xee;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(rh_phys_probe_read(plat, OPEN_PA, buf, sizeof(buf)), 0);
	assert_int_equal(buf[5], 0xee);
	assert_int_equal(buf[6], 42);

	/* The last byte before the protected chunk is still open. */
	assert_int_equal(rh_phys_probe_read(plat, PROT_PA - 1, buf, 1), 0);
	assert_int_equal(rh_phys_violation_count(plat), 0);
}

static void test_probe_read_trapped(void **state)
{
	struct rh_platform *plat = *state;
	unsigned char buf[2 * RH_PAGE_SIZE];
	unsigned char *before = secure_ptr(plat, PROT_PA - RH_PAGE_SIZE, RH_PAGE_SIZE);
	struct rh_violation v;

	memset(before, 0x3c, RH_PAGE_SIZE);
	memset(secure_ptr(plat, PROT_PA, 64), 0x99, 64);
	memset(buf, 0, sizeof(buf));
	assert_neg_errno(rh_phys_probe_read(plat, PROT_PA + 8, buf, 64), EFAULT);
	/* Nothing of the secret made it out. */
	assert_int_equal(buf[0], 0);
	assert_int_equal(rh_phys_violation_count(plat), 1);
	assert_int_equal(rh_phys_violation_last(plat, &v), 0);
	assert_int_equal(v.pa, PROT_PA + 8);
	assert_int_equal(v.size, 64);
	assert_int_equal(v.fault_pa, PROT_PA + 8);
	assert_int_equal(v.master_id, RH_MASTER_CPU);
	assert_string_equal(v.master, "cpu");
	assert_false(v.write);
	assert_false(v.secure);
	assert_int_equal(v.region, 0);
	assert_true(v.timestamp_ns > 0);

	/* Starting in open memory: the open page is copied, the fault is at the region. */
	assert_neg_errno(rh_phys_probe_read(plat, PROT_PA - RH_PAGE_SIZE, buf, sizeof(buf)),
			 EFAULT);
	assert_int_equal(buf[0], 0x3c);
	assert_int_equal(buf[RH_PAGE_SIZE - 1], 0x3c);
	assert_int_equal(rh_phys_violation_last(plat, &v), 0);
	assert_int_equal(v.pa, PROT_PA - RH_PAGE_SIZE);
	assert_int_equal(v.size, sizeof(buf));
	assert_int_equal(v.fault_pa, PROT_PA);

	/* The trap is reusable: probe again, then a good probe still works. */
	assert_neg_errno(rh_phys_probe_read(plat, PROT_PA + HAND_CHUNK_SIZE - 1, buf, 1), EFAULT);
	assert_int_equal(rh_phys_probe_read(plat, PROT_PA + HAND_CHUNK_SIZE, buf, 1), 0);
	assert_int_equal(rh_phys_violation_count(plat), 3);
}

static void test_probe_write_trapped(void **state)
{
	struct rh_platform *plat = *state;
	unsigned char *sec = secure_ptr(plat, PROT_PA, 16);
	unsigned char evil[16];
	struct rh_platform_stats st;
	struct rh_violation v;

	memset(sec, 0x11, 16);
	memset(evil, 0x66, sizeof(evil));
	assert_neg_errno(rh_phys_probe_write(plat, PROT_PA, evil, sizeof(evil)), EFAULT);
	assert_int_equal(sec[0], 0x11);
	assert_int_equal(sec[15], 0x11);
	assert_int_equal(rh_phys_violation_last(plat, &v), 0);
	assert_true(v.write);
	assert_string_equal(v.master, "cpu");
	assert_int_equal(v.fault_pa, PROT_PA);

	assert_int_equal(rh_platform_get_stats(plat, &st), 0);
	assert_int_equal(st.cpu_violations, 1);
	assert_int_equal(st.dma_violations, 0);
}

static void test_probe_after_clear(void **state)
{
	struct rh_platform *plat = *state;
	unsigned char byte = 0;

	secure_ptr(plat, PROT_PA, 1)[0] = 0x42;
	assert_neg_errno(rh_phys_probe_read(plat, PROT_PA, &byte, 1), EFAULT);
	assert_int_equal(rh_firewall_clear(plat->firewall, 0), 0);
	assert_int_equal(rh_phys_probe_read(plat, PROT_PA, &byte, 1), 0);
	assert_int_equal(byte, 0x42);
	byte = 0x43;
	assert_int_equal(rh_phys_probe_write(plat, PROT_PA, &byte, 1), 0);
	assert_int_equal(secure_ptr(plat, PROT_PA, 1)[0], 0x43);
}

static void test_probe_bad_args(void **state)
{
	struct rh_platform *plat = *state;
	const struct rh_platform_desc *d = &plat->desc;
	unsigned char buf[16] = { 0 };

	assert_neg_errno(rh_phys_probe_read(NULL, OPEN_PA, buf, 1), EINVAL);
	assert_neg_errno(rh_phys_probe_read(plat, OPEN_PA, NULL, 1), EINVAL);
	assert_neg_errno(rh_phys_probe_read(plat, OPEN_PA, buf, 0), EINVAL);
	assert_neg_errno(rh_phys_probe_write(NULL, OPEN_PA, buf, 1), EINVAL);
	assert_neg_errno(rh_phys_probe_write(plat, OPEN_PA, NULL, 1), EINVAL);
	assert_neg_errno(rh_phys_probe_write(plat, OPEN_PA, buf, 0), EINVAL);

	assert_neg_errno(rh_phys_probe_read(plat, d->dram_base - 1, buf, 1), ERANGE);
	assert_neg_errno(rh_phys_probe_read(plat, d->dram_base - 1, buf, 2), ERANGE);
	assert_neg_errno(rh_phys_probe_read(plat, d->dram_base + d->dram_size, buf, 1), ERANGE);
	assert_neg_errno(rh_phys_probe_read(plat, d->dram_base + d->dram_size - 8, buf, 16),
			 ERANGE);
	assert_neg_errno(rh_phys_probe_write(plat, UINT64_MAX - 3, buf, 16), ERANGE);
	assert_neg_errno(rh_phys_probe_read(plat, 0, buf, 1), ERANGE);
	/* Rejected before touching memory: not violations. */
	assert_int_equal(rh_phys_violation_count(plat), 0);
}

static int marker_calls;

static void marker_handler(int sig)
{
	marker_calls++;
}

static void assert_same_action(const struct sigaction *a, const struct sigaction *b)
{
	assert_ptr_equal(a->sa_handler, b->sa_handler);
	assert_int_equal(a->sa_flags, b->sa_flags);
}

static bool handler_is_trap(int sig)
{
	struct sigaction now;

	assert_int_equal(sigaction(sig, NULL, &now), 0);
	return (now.sa_flags & SA_SIGINFO) && now.sa_handler != marker_handler;
}

static void set_marker(int sig, void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(sig, &sa, NULL), 0);
}

static void other_marker_handler(int sig)
{
	marker_calls += 100;
}

/* No fixture: the only platforms alive are the ones this test makes. */
static void test_handler_lifetime(void **state)
{
	struct sigaction orig_segv, orig_bus, installed, other, now;
	struct rh_platform_desc desc;
	struct rh_platform *a = NULL, *b = NULL;
	unsigned char byte;

	(void)state;
	hand_desc_minimal(&desc);
	assert_int_equal(sigaction(SIGSEGV, NULL, &orig_segv), 0);
	assert_int_equal(sigaction(SIGBUS, NULL, &orig_bus), 0);
	set_marker(SIGSEGV, marker_handler);
	set_marker(SIGBUS, marker_handler);
	/* As the kernel reports it (glibc adds SA_RESTORER). */
	assert_int_equal(sigaction(SIGSEGV, NULL, &installed), 0);

	/* A platform installs the trap for its whole life, two of them share it. */
	assert_int_equal(hand_platform_new(&desc, &a), 0);
	assert_true(handler_is_trap(SIGSEGV));
	assert_true(handler_is_trap(SIGBUS));
	assert_int_equal(hand_platform_new(&desc, &b), 0);
	assert_int_equal(rh_firewall_program(a->firewall, PROT_PA, HAND_CHUNK_SIZE,
					     RH_FW_SECURE_ONLY, NULL), 0);
	assert_int_equal(rh_phys_probe_read(a, OPEN_PA, &byte, 1), 0);
	assert_neg_errno(rh_phys_probe_read(a, PROT_PA, &byte, 1), EFAULT);
	assert_neg_errno(rh_phys_probe_write(a, PROT_PA, &byte, 1), EFAULT);
	assert_int_equal(marker_calls, 0); /* our faults never reached it */
	assert_true(handler_is_trap(SIGSEGV));
	hand_platform_free(a);
	assert_true(handler_is_trap(SIGSEGV));

	/* Nested users: installed while any is active. */
	assert_int_equal(rh_phys_trap_get(), 0);
	hand_platform_free(b);
	assert_true(handler_is_trap(SIGSEGV));
	rh_phys_trap_put();
	/* The last one gone: exactly what was there before. */
	assert_int_equal(sigaction(SIGSEGV, NULL, &now), 0);
	assert_same_action(&now, &installed);
	assert_int_equal(sigaction(SIGBUS, NULL, &now), 0);
	assert_same_action(&now, &installed);

	/*
	 * A handler set while a platform lives displaces ours; a probe puts
	 * ours back on top (its faults must be caught), and the last user
	 * gives the signal back to that newer handler.
	 */
	assert_int_equal(hand_platform_new(&desc, &a), 0);
	set_marker(SIGSEGV, other_marker_handler);
	assert_int_equal(sigaction(SIGSEGV, NULL, &other), 0);
	assert_int_equal(rh_firewall_program(a->firewall, PROT_PA, HAND_CHUNK_SIZE,
					     RH_FW_SECURE_ONLY, NULL), 0);
	assert_neg_errno(rh_phys_probe_read(a, PROT_PA, &byte, 1), EFAULT);
	assert_int_equal(marker_calls, 0);
	assert_true(handler_is_trap(SIGSEGV));
	hand_platform_free(a);
	assert_int_equal(sigaction(SIGSEGV, NULL, &now), 0);
	assert_same_action(&now, &other);

	/* Displaced and never taken back: the last user leaves the newer one alone. */
	assert_int_equal(hand_platform_new(&desc, &a), 0);
	set_marker(SIGSEGV, marker_handler);
	hand_platform_free(a);
	assert_int_equal(sigaction(SIGSEGV, NULL, &now), 0);
	assert_same_action(&now, &installed);

	assert_int_equal(sigaction(SIGSEGV, &orig_segv, NULL), 0);
	assert_int_equal(sigaction(SIGBUS, &orig_bus, NULL), 0);
}

static void exit42_handler(int sig)
{
	_exit(42);
}

/*
 * Runs @child in a fork with @handler (SIG_DFL or a function) as the SIGSEGV
 * action and the probe trap installed on top; returns the wait status.
 */
static int run_child(struct rh_platform *plat, void (*handler)(int), bool trap)
{
	struct sigaction sa;
	volatile unsigned char *p;
	int status;
	pid_t pid;

	assert_int_equal(rh_phys_normal_ptr(plat, PROT_PA, 1, (void **)&p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = handler;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSEGV, &sa, NULL);
		if (trap && rh_phys_trap_get())
			_exit(3);
		(void)*p; /* an unguarded normal-world read of protected memory */
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void assert_killed_by_segv(int status)
{
	assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
#if RH_SANITIZED
	/* ASan may keep its own SEGV handler and exit(1) after its report. */
	if (WIFEXITED(status))
		return;
#endif
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);
}

static void test_foreign_fault_forwarded_to_handler(void **state)
{
	int status = run_child(*state, exit42_handler, true);

	/* The trap saw a fault outside any probe and handed it on. */
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 42);
}

static void test_foreign_fault_default_action(void **state)
{
	assert_killed_by_segv(run_child(*state, SIG_DFL, true));
}

static void test_death_unguarded_read(void **state)
{
	assert_killed_by_segv(run_child(*state, SIG_DFL, false));
}

/* A host range of @len bytes nobody else uses, for aliases to go into. */
static void *reserve(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static void test_probe_ptr_normal_view(void **state)
{
	struct rh_platform *plat = *state;
	unsigned char buf[64], *open, *prot, *sec = secure_ptr(plat, OPEN_PA, 16);
	struct rh_violation v;

	assert_int_equal(rh_phys_normal_ptr(plat, OPEN_PA, 16, (void **)&open), 0);
	assert_int_equal(rh_phys_normal_ptr(plat, PROT_PA, 16, (void **)&prot), 0);
	memset(sec, 0x5a, 16);
	assert_int_equal(rh_phys_probe_ptr_read(plat, open, buf, 16), 0);
	assert_int_equal(buf[15], 0x5a);
	memset(buf, 0x17, sizeof(buf));
	assert_int_equal(rh_phys_probe_ptr_write(plat, open, buf, 16), 0);
	assert_int_equal(sec[0], 0x17);
	assert_int_equal(rh_phys_violation_count(plat), 0);

	assert_neg_errno(rh_phys_probe_ptr_read(plat, prot + 8, buf, 32), EFAULT);
	assert_int_equal(rh_phys_violation_last(plat, &v), 0);
	assert_int_equal(v.pa, PROT_PA + 8);
	assert_int_equal(v.size, 32);
	assert_int_equal(v.fault_pa, PROT_PA + 8);
	assert_string_equal(v.master, "cpu");
	assert_false(v.write);
	assert_int_equal(v.region, 0);
	assert_neg_errno(rh_phys_probe_ptr_write(plat, prot, buf, 1), EFAULT);
	assert_int_equal(rh_phys_violation_last(plat, &v), 0);
	assert_true(v.write);
	assert_int_equal(rh_phys_violation_count(plat), 2);
}

static void test_probe_ptr_alias(void **state)
{
	struct rh_platform *plat = *state;
	unsigned char buf[2 * RH_PAGE_SIZE], *map = reserve(4 * RH_PAGE_SIZE);
	unsigned char *sec = secure_ptr(plat, PROT_PA, RH_PAGE_SIZE);
	struct rh_violation v;

	/* Page 0: the page before the protected chunk; 1-2: the chunk; 3: read-only, open. */
	assert_int_equal(rh_phys_map_alias(plat, map, PROT_PA - RH_PAGE_SIZE,
					   3 * RH_PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(rh_phys_map_alias(plat, map + 3 * RH_PAGE_SIZE, OPEN_PA,
					   RH_PAGE_SIZE, PROT_READ), 0);
	memset(sec, 0x99, RH_PAGE_SIZE);
	memset(secure_ptr(plat, PROT_PA - RH_PAGE_SIZE, RH_PAGE_SIZE), 0x3c, RH_PAGE_SIZE);

	memset(buf, 0, sizeof(buf));
	assert_neg_errno(rh_phys_probe_ptr_read(plat, map, buf, sizeof(buf)), EFAULT);
	assert_int_equal(buf[RH_PAGE_SIZE - 1], 0x3c);
	assert_int_equal(buf[RH_PAGE_SIZE], 0); /* nothing of the secret */
	assert_int_equal(rh_phys_violation_last(plat, &v), 0);
	assert_int_equal(v.pa, PROT_PA - RH_PAGE_SIZE);
	assert_int_equal(v.size, sizeof(buf));
	assert_int_equal(v.fault_pa, PROT_PA);
	assert_int_equal(v.region, 0);
	assert_neg_errno(rh_phys_probe_ptr_write(plat, map + RH_PAGE_SIZE + 5, buf, 1), EFAULT);
	assert_int_equal(rh_phys_violation_last(plat, &v), 0);
	assert_true(v.write);
	assert_int_equal(v.fault_pa, PROT_PA + 5);
	assert_int_equal(sec[5], 0x99);

	/* The mapping's own protection refuses a write: -EFAULT, but no violation. */
	assert_int_equal(rh_phys_probe_ptr_read(plat, map + 3 * RH_PAGE_SIZE, buf, 8), 0);
	assert_neg_errno(rh_phys_probe_ptr_write(plat, map + 3 * RH_PAGE_SIZE, buf, 8), EFAULT);
	assert_int_equal(rh_phys_violation_count(plat), 2);

	/* Released: the alias reads what the secure world left there. */
	assert_int_equal(rh_firewall_clear(plat->firewall, 0), 0);
	assert_int_equal(rh_phys_probe_ptr_read(plat, map + RH_PAGE_SIZE, buf, 16), 0);
	assert_int_equal(buf[0], 0x99);
	assert_int_equal(rh_phys_unmap_alias(plat, map, 4 * RH_PAGE_SIZE), 0);
	assert_int_equal(rh_physmem_nr_aliases(plat->physmem), 0);
	/* Unmapped: no longer DRAM of this platform. */
	assert_neg_errno(rh_phys_probe_ptr_read(plat, map, buf, 1), EINVAL);
}

static void test_probe_ptr_bad_args(void **state)
{
	struct rh_platform *plat = *state;
	unsigned char buf[16], *open, *map = reserve(2 * RH_PAGE_SIZE);
	struct rh_platform_desc desc;
	struct rh_platform *other = NULL;

	assert_int_equal(rh_phys_normal_ptr(plat, OPEN_PA, 16, (void **)&open), 0);
	assert_neg_errno(rh_phys_probe_ptr_read(NULL, open, buf, 1), EINVAL);
	assert_neg_errno(rh_phys_probe_ptr_read(plat, NULL, buf, 1), EINVAL);
	assert_neg_errno(rh_phys_probe_ptr_read(plat, open, NULL, 1), EINVAL);
	assert_neg_errno(rh_phys_probe_ptr_read(plat, open, buf, 0), EINVAL);
	assert_neg_errno(rh_phys_probe_ptr_write(plat, open, NULL, 1), EINVAL);
	assert_neg_errno(rh_phys_probe_ptr_write(plat, (void *)(UINTPTR_MAX - 3), buf, 16),
			 EINVAL);
	/* Plain host memory, a reservation with nothing mapped: not ours to probe. */
	assert_neg_errno(rh_phys_probe_ptr_read(plat, buf, buf + 8, 8), EINVAL);
	assert_neg_errno(rh_phys_probe_ptr_write(plat, map, buf, 1), EINVAL);
	/* Running off the end of an alias into the unmapped rest. */
	assert_int_equal(rh_phys_map_alias(plat, map, OPEN_PA, RH_PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(rh_phys_probe_ptr_read(plat, map + RH_PAGE_SIZE - 8, buf, 8), 0);
	assert_neg_errno(rh_phys_probe_ptr_read(plat, map + RH_PAGE_SIZE - 8, buf, 9), EINVAL);
	/* Past the end of the normal view. */
	assert_int_equal(rh_phys_normal_ptr(plat, plat->desc.dram_base + plat->desc.dram_size - 8,
					    8, (void **)&open), 0);
	assert_neg_errno(rh_phys_probe_ptr_read(plat, open, buf, 9), EINVAL);
	/* Another platform's DRAM. */
	hand_desc_minimal(&desc);
	assert_int_equal(hand_platform_new(&desc, &other), 0);
	assert_int_equal(rh_phys_normal_ptr(other, OPEN_PA, 8, (void **)&open), 0);
	assert_neg_errno(rh_phys_probe_ptr_read(plat, open, buf, 8), EINVAL);
	assert_int_equal(rh_phys_probe_ptr_read(other, open, buf, 8), 0);
	hand_platform_free(other);
	assert_int_equal(rh_phys_violation_count(plat), 0);
	assert_int_equal(rh_phys_unmap_alias(plat, map, 2 * RH_PAGE_SIZE), 0);
}

static void pipe_log(void *data, enum rh_log_level level, const char *msg)
{
	int fd = *(int *)data;
	size_t len = strlen(msg);

	(void)level;
	/* From the fault handler: write(2) only. */
	if (write(fd, msg, len) != (ssize_t)len || write(fd, "\n", 1) != 1)
		_exit(4);
}

/*
 * In a child: @access touches @p without a probe, with the platform's log
 * going to a pipe. Returns the wait status and what was logged.
 */
static int run_unguarded(struct rh_platform *plat, volatile unsigned char *p, bool write,
			 char *log, size_t log_size)
{
	int pfd[2], status;
	struct sigaction sa;
	ssize_t n, got = 0;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		plat->log_fn = pipe_log;
		plat->log_data = &pfd[1];
		plat->log_level = RH_LOG_INFO;
		/* A real process: no cmocka handler underneath, ours on top. */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSEGV, &sa, NULL);
		if (rh_phys_trap_get())
			_exit(3);
		if (write)
			*p = 0x66;
		else
			(void)*p;
		_exit(0);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], log + got, log_size - 1 - (size_t)got)) > 0)
		got += n;
	log[got] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_unguarded_alias_logged_then_fatal(void **state)
{
	struct rh_platform *plat = *state;
	unsigned char *alias = reserve(RH_PAGE_SIZE), *map;
	char log[4096], want[128];
	int status;

	assert_int_equal(rh_phys_map_alias(plat, alias, PROT_PA, RH_PAGE_SIZE,
					   PROT_READ | PROT_WRITE), 0);
	status = run_unguarded(plat, alias + 0x24, false, log, sizeof(log));
	assert_killed_by_segv(status);
	/* The violation was logged before the process died of it. */
	snprintf(want, sizeof(want), "firewall: refused read of 0x%llx+0x1 at 0x%llx by cpu",
		 (unsigned long long)PROT_PA + 0x24, (unsigned long long)PROT_PA + 0x24);
	assert_non_null(strstr(log, want));

	/* The normal view is guarded the same way. */
	assert_int_equal(rh_phys_normal_ptr(plat, PROT_PA + 0x40, 1, (void **)&map), 0);
	status = run_unguarded(plat, map, true, log, sizeof(log));
	assert_killed_by_segv(status);
	assert_non_null(strstr(log, "by cpu (non-secure), region 0"));

	/* A fault on memory that is not DRAM is not a violation: forwarded as is. */
	map = reserve(RH_PAGE_SIZE);
	status = run_unguarded(plat, map, false, log, sizeof(log));
	assert_killed_by_segv(status);
	assert_null(strstr(log, "refused"));
	assert_int_equal(munmap(map, RH_PAGE_SIZE), 0);
	/* Nothing of the children's faults in the parent's log. */
	assert_int_equal(rh_phys_violation_count(plat), 0);
	assert_int_equal(rh_phys_unmap_alias(plat, alias, RH_PAGE_SIZE), 0);
}

static void test_reserved_find(void **state)
{
	struct rh_platform *plat = *state;
	const struct rh_reserved_region *r;

	r = rh_phys_reserved_find(plat, "restricted-cma");
	assert_non_null(r);
	assert_int_equal(r->base, HAND_CMA_BASE);
	assert_true(r->reusable);
	r = rh_phys_reserved_find_compatible(plat, "mediatek,secure-chunk-memory");
	assert_non_null(r);
	assert_string_equal(r->name, "tee-chunk");
	assert_true(r->no_map);
	assert_null(rh_phys_reserved_find(plat, "nope"));
	assert_null(rh_phys_reserved_find(plat, "restricted-cma@4c000000"));
	assert_null(rh_phys_reserved_find_compatible(plat, "shared-dma-pool"));
	assert_null(rh_phys_reserved_find(NULL, "tee-chunk"));
	assert_null(rh_phys_reserved_find(plat, NULL));
	assert_null(rh_phys_reserved_find_compatible(NULL, "x"));
	assert_null(rh_phys_reserved_find_compatible(plat, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe_allowed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_read_trapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_write_trapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_after_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_bad_args, setup, teardown),
		cmocka_unit_test(test_handler_lifetime),
		cmocka_unit_test_setup_teardown(test_foreign_fault_forwarded_to_handler, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_foreign_fault_default_action, setup, teardown),
		cmocka_unit_test_setup_teardown(test_death_unguarded_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_ptr_normal_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_ptr_alias, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_ptr_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unguarded_alias_logged_then_fatal, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reserved_find, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
