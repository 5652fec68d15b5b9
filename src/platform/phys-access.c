// SPDX-License-Identifier: MIT
/* Normal-world CPU access to simulated DRAM: the fault handler that logs trapped accesses, /dev/mem-like probes. */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <rheap/dma-buf.h>
#include <rheap/firewall.h>
#include <rheap/phys.h>
#include <rheap/scatterlist.h>
#include <rheap/uapi.h>

#include "internal.h"
#include "trace/trace.h"

/*
 * The normal view and every alias of DRAM are PROT_NONE where the firewall
 * protects (emu/hw/physmem.c), so a normal-world CPU access there raises a
 * real SIGSEGV: the external abort a TZASC-protected address raises on the
 * real SoC. The handler below is installed while any platform lives
 * (refcounted: each platform and each running probe hold a reference) and:
 *
 *  - a fault inside the calling thread's active probe jumps back to the
 *    probe (siglongjmp), which logs it and returns -EFAULT; the fd layer's
 *    trapped user copies (src/lib/uaccess.c) are probes of a user range,
 *    as the kernel's exception-table fixups catch copy_from_user();
 *  - any other fault at an address that maps a protected page of a live
 *    platform's DRAM is logged as a violation of that platform (master
 *    "cpu"), then handled as any SIGSEGV: the previous handler gets it, or
 *    the default action kills the process, as the kernel does with a user
 *    access that takes an external abort;
 *  - every other fault is forwarded untouched to the previous handler (or
 *    the default action), so real crashes still crash, under ASan and
 *    valgrind too.
 *
 * Signal dispositions belong to the process, not to a platform: this file
 * keeps the library's only process-wide state, the handler's refcount, the
 * actions it displaced, and the list of live platforms it searches. That
 * list is read in signal context without a lock: writers publish with
 * release stores and free a removed entry only after every handler that
 * might be on it has left (trap_readers back to 0).
 */
struct probe_ctx {
	sigjmp_buf env;
	uintptr_t start; /* host range the probe touches */
	uintptr_t end;
	/*
	 * A general-protection fault (SIGSEGV, SI_KERNEL, no address: a
	 * non-canonical address on x86-64) is the probe's too: only a user
	 * copy, whose range the caller does not choose, can raise one.
	 */
	bool catch_gp;
	volatile uintptr_t fault_addr;
	volatile sig_atomic_t fault_sig;
	/* The mask the fault interrupted (the handler's uc_sigmask), restored after the jump. */
	sigset_t fault_mask;
	struct probe_ctx *prev; /* nesting (a probe from a log callback...) */
};

/*
 * initial-exec: the handler must not call __tls_get_addr, which may allocate
 * on a thread's first access (a foreign fault can hit any thread).
 */
static _Thread_local struct probe_ctx *tl_probe
	__attribute__((tls_model("initial-exec")));
/* Handler activations of this thread not yet returned (see trap_handler()). */
static _Thread_local unsigned int tl_trap_depth
	__attribute__((tls_model("initial-exec")));

/* A handler installed after ours that chains back to us makes a loop: cut it here. */
#define TRAP_MAX_DEPTH 4

/* The actions displaced by ours; two buffers so the handler never reads one being written. */
struct trap_prev {
	struct sigaction segv;
	struct sigaction bus;
};

struct trap_plat {
	struct rh_platform *plat;
	struct trap_plat *_Atomic next; /* read lock-free by the handler */
	struct trap_plat *prev;         /* under trap_lock */
};

static pthread_mutex_t trap_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int trap_users;
static struct trap_prev trap_prev_buf[2];
static struct trap_prev *_Atomic trap_prev;
static struct trap_plat *_Atomic trap_plats;
static atomic_uint trap_readers;

/* The default action: reinstate it; a fault then kills when the instruction runs again. */
static void trap_default(int sig, const siginfo_t *si)
{
	struct sigaction dfl;

	/*
	 * The kernel also forces it for an ignored or blocked fault. A sent
	 * signal (kill/raise, si_code <= 0) is raised again: it stays blocked
	 * until we return, then kills with the right status and core dump.
	 */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	if (si->si_code <= 0)
		raise(sig);
}

/* Hand a fault on to whoever had the signal before us. */
static void trap_forward(int sig, siginfo_t *si, void *uctx)
{
	const struct trap_prev *p = atomic_load_explicit(&trap_prev, memory_order_acquire);
	const struct sigaction *prev;
	bool sent = si->si_code <= 0;

	if (!p) {
		trap_default(sig, si);
		return;
	}
	prev = sig == SIGBUS ? &p->bus : &p->segv;
	if (prev->sa_flags & SA_SIGINFO) {
		prev->sa_sigaction(sig, si, uctx);
		return;
	}
	if (prev->sa_handler == SIG_IGN && sent)
		return;
	if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
		prev->sa_handler(sig);
		return;
	}
	trap_default(sig, si);
}

/*
 * Was the faulting access a write? Known on x86-64 from the page-fault
 * error code (bit 1); elsewhere, and under emulators that do not fill it
 * in, a fault is logged as a read.
 */
static bool fault_is_write(const void *uctx)
{
#if defined(__x86_64__) && defined(REG_ERR)
	const ucontext_t *uc = uctx;

	return uc && (uc->uc_mcontext.gregs[REG_ERR] & 2);
#else
	(void)uctx;
	return false;
#endif
}

/* Log a trapped CPU access of [@pa, @pa + @len) that faulted at @fault_pa. */
static void cpu_fault_report(struct rh_platform *plat, rh_phys_addr_t pa,
			     size_t len, rh_phys_addr_t fault_pa, bool write)
{
	rh_dbg(plat, "phys: CPU %s of 0x%" PRIx64 "+0x%zx trapped at 0x%" PRIx64,
	       write ? "write" : "read", pa, len, fault_pa);
	RH_TRACE(plat, RH_TRACE_CPU_TRAP, .pa = pa, .size = len, .err = -EFAULT,
		 .msg = write ? "write" : "read");
	rh_phys_report_cpu_fault(plat, pa, len, fault_pa, write);
}

/*
 * A fault outside any probe: if @addr maps a protected page of a live
 * platform, that platform logs it (size 1: the access size is not known).
 * The lookup is lock-free and async-signal-safe; the log itself takes the
 * violation log's lock and calls the log and trace callbacks, as the
 * kernel prints from its fault handler: the process is about to get the
 * signal anyway.
 */
static void trap_record(uintptr_t addr, bool write)
{
	struct rh_phys_cpu_map map;
	struct trap_plat *tp;

	/* seq_cst, paired with rh_phys_trap_fini()'s unlink and wait */
	atomic_fetch_add_explicit(&trap_readers, 1, memory_order_seq_cst);
	for (tp = atomic_load_explicit(&trap_plats, memory_order_seq_cst); tp;
	     tp = atomic_load_explicit(&tp->next, memory_order_seq_cst)) {
		if (!rh_phys_cpu_lookup(tp->plat, (const void *)addr, &map))
			continue;
		if (map.fw_protected)
			cpu_fault_report(tp->plat, map.pa, 1, map.pa, write);
		break;
	}
	atomic_fetch_sub_explicit(&trap_readers, 1, memory_order_release);
}

/* Did the fault @si hit the running probe @ctx? */
static bool probe_faulted(const struct probe_ctx *ctx, int sig, const siginfo_t *si)
{
	uintptr_t addr = (uintptr_t)si->si_addr;

	/* si_code <= 0: sent by kill() or raise(), whatever the address says */
	if (!ctx || si->si_code <= 0)
		return false;
	if (addr >= ctx->start && addr < ctx->end)
		return true;
#ifdef SI_KERNEL
	return ctx->catch_gp && sig == SIGSEGV && si->si_code == SI_KERNEL;
#else
	return false;
#endif
}

static void trap_handler(int sig, siginfo_t *si, void *uctx)
{
	struct probe_ctx *ctx = tl_probe;
	uintptr_t addr = (uintptr_t)si->si_addr;
	int saved_errno = errno;

	if (probe_faulted(ctx, sig, si)) {
		ctx->fault_addr = addr;
		ctx->fault_sig = sig;
		/*
		 * Without the signal mask: saving it would cost every probe a
		 * system call. The mask sigreturn would have restored is in
		 * the context; the probe restores it after the jump.
		 */
		ctx->fault_mask = ((ucontext_t *)uctx)->uc_sigmask;
		siglongjmp(ctx->env, 1);
	}
	/*
	 * A handler installed after ours may have kept ours as its previous
	 * one and chain to it while we forward to it: log the fault once, at
	 * the outermost activation, and take the default action past a few
	 * rounds. (A previous handler that longjmps out, as cmocka's does,
	 * leaves the count raised until the thread's next probe resets it;
	 * meanwhile its faults are forwarded without being logged.)
	 */
	if (tl_trap_depth >= TRAP_MAX_DEPTH) {
		trap_default(sig, si);
		errno = saved_errno;
		return;
	}
	if (tl_trap_depth++ == 0 && si->si_code > 0)
		trap_record(addr, fault_is_write(uctx));
	trap_forward(sig, si, uctx);
	if (tl_trap_depth)
		tl_trap_depth--;
	errno = saved_errno;
}

static bool trap_is_ours(const struct sigaction *sa)
{
	return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == trap_handler;
}

/*
 * Put our handler in charge of @sig unless it is. Returns 1 and the action
 * it displaced in @prev, 0 when ours was there already (@prev untouched),
 * or -errno.
 */
static int trap_take(int sig, struct sigaction *prev)
{
	struct sigaction sa, old;

	if (sigaction(sig, NULL, &old) < 0)
		return -errno;
	if (trap_is_ours(&old))
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = trap_handler;
	/*
	 * Run on the alternate stack when the handler we displace did (ASan's
	 * does: a forwarded stack overflow still needs it), not otherwise
	 * (valgrind cannot deliver SA_ONSTACK without one).
	 */
	sa.sa_flags = SA_SIGINFO | (old.sa_flags & SA_ONSTACK);
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, &old) < 0)
		return -errno;
	*prev = old;
	return 1;
}

/* Gives @sig back to @prev if our handler still has it (else it is someone else's now). */
static void trap_give_back(int sig, const struct sigaction *prev)
{
	struct sigaction cur;

	if (sigaction(sig, NULL, &cur) == 0 && trap_is_ours(&cur))
		sigaction(sig, prev, NULL);
}

/*
 * Under trap_lock: our handler on both signals, the displaced actions
 * published. Nothing is written when ours holds both already (every probe
 * comes through here), so a buffer changes only when a handler displaced
 * ours, and a handler forwarding at that very moment reads the other one.
 */
static int trap_install(void)
{
	struct trap_prev *cur = atomic_load_explicit(&trap_prev, memory_order_relaxed);
	struct trap_prev *next = cur == &trap_prev_buf[0] ? &trap_prev_buf[1] : &trap_prev_buf[0];
	struct trap_prev saved;
	int segv, bus;

	/* A signal we still hold keeps the action we displaced from it. */
	if (cur) {
		saved = *cur;
	} else {
		memset(&saved, 0, sizeof(saved));
		saved.segv.sa_handler = SIG_DFL;
		saved.bus.sa_handler = SIG_DFL;
	}
	segv = trap_take(SIGSEGV, &saved.segv);
	if (segv < 0)
		return segv;
	bus = trap_take(SIGBUS, &saved.bus);
	if (bus < 0) {
		if (segv)
			trap_give_back(SIGSEGV, &saved.segv);
		return bus;
	}
	if (segv || bus || !cur) {
		*next = saved;
		atomic_store_explicit(&trap_prev, next, memory_order_release);
	}
	return 0;
}

int rh_phys_trap_get(void)
{
	int ret = 0;

	pthread_mutex_lock(&trap_lock);
	/*
	 * Installed when the first user comes, and again whenever a handler
	 * set since has displaced ours (cmocka sets and restores its own
	 * around every test, for instance): a probe must catch its faults.
	 */
	ret = trap_install();
	if (!ret)
		trap_users++;
	pthread_mutex_unlock(&trap_lock);
	return ret;
}

void rh_phys_trap_put(void)
{
	const struct trap_prev *p;

	pthread_mutex_lock(&trap_lock);
	assert(trap_users > 0);
	if (--trap_users == 0) {
		p = atomic_load_explicit(&trap_prev, memory_order_relaxed);
		assert(p);
		trap_give_back(SIGBUS, &p->bus);
		trap_give_back(SIGSEGV, &p->segv);
		atomic_store_explicit(&trap_prev, NULL, memory_order_release);
	}
	pthread_mutex_unlock(&trap_lock);
}

int rh_phys_trap_init(struct rh_platform *plat)
{
	struct trap_plat *tp, *head;
	int ret;

	tp = rh_zalloc(sizeof(*tp));
	if (!tp)
		return -ENOMEM;
	tp->plat = plat;
	ret = rh_phys_trap_get();
	if (ret) {
		rh_err(plat, "phys: cannot install the CPU fault handler: %s", strerror(-ret));
		rh_free(tp);
		return ret;
	}
	pthread_mutex_lock(&trap_lock);
	head = atomic_load_explicit(&trap_plats, memory_order_relaxed);
	atomic_store_explicit(&tp->next, head, memory_order_relaxed);
	if (head)
		head->prev = tp;
	/* Release: a handler that finds the entry sees the platform it names. */
	atomic_store_explicit(&trap_plats, tp, memory_order_release);
	pthread_mutex_unlock(&trap_lock);
	return 0;
}

void rh_phys_trap_fini(struct rh_platform *plat)
{
	struct trap_plat *tp, *next;

	pthread_mutex_lock(&trap_lock);
	for (tp = atomic_load_explicit(&trap_plats, memory_order_relaxed); tp;
	     tp = atomic_load_explicit(&tp->next, memory_order_relaxed))
		if (tp->plat == plat)
			break;
	if (tp) {
		next = atomic_load_explicit(&tp->next, memory_order_relaxed);
		if (tp->prev)
			atomic_store_explicit(&tp->prev->next, next, memory_order_seq_cst);
		else
			atomic_store_explicit(&trap_plats, next, memory_order_seq_cst);
		if (next)
			next->prev = tp->prev;
	}
	pthread_mutex_unlock(&trap_lock);
	if (!tp)
		return;
	/* No handler may still be logging into the platform, whose firewall goes next. */
	while (atomic_load_explicit(&trap_readers, memory_order_seq_cst))
		sched_yield();
	rh_free(tp);
	rh_phys_trap_put();
}

/* ---------------------------------------------------------------- probes */

enum probe_op {
	PROBE_READ,       /* copy from the host range to dst */
	PROBE_WRITE,      /* copy src to the host range */
	PROBE_TOUCH,      /* read the first byte of each page */
	PROBE_USER_READ,  /* copy_from_user(): the user range to dst */
	PROBE_USER_WRITE, /* copy_to_user(): src to the user range */
};

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UCOPY_UNINSTRUMENTED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define UCOPY_UNINSTRUMENTED 1
#endif
#endif

/*
 * The copy of a user range. Under ASan and TSan it must not be their
 * memcpy(): that looks up the shadow of the user range first, and a wild
 * pointer has none, so it would fault in the sanitizer, outside the probe
 * (the kernel's copy_user routines are likewise outside KASAN's sight).
 * Elsewhere memcpy(), which reads and writes only inside both ranges.
 */
#ifdef UCOPY_UNINSTRUMENTED
#if defined(__x86_64__) || defined(__i386__)
static void user_copy(void *dst, const void *src, size_t n)
{
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}
#else
__attribute__((no_sanitize("address", "thread"))) static void
user_copy(void *dst, const void *src, size_t n)
{
	volatile unsigned char *d = dst;
	const volatile unsigned char *s = src;

	while (n--)
		*d++ = *s++;
}
#endif
#else
static void user_copy(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}
#endif

/*
 * Front to back, one page at a time, as read_mem()/write_mem() do: on a
 * fault every page before the faulting one has been copied whole (a single
 * memcpy may touch the tail first). A user copy is one copy_user call.
 */
static void probe_copy(unsigned char *cpu, unsigned char *dst,
		       const unsigned char *src, size_t len, enum probe_op op)
{
	size_t done = 0, chunk;

	if (op == PROBE_USER_READ) {
		user_copy(dst, cpu, len);
		return;
	}
	if (op == PROBE_USER_WRITE) {
		user_copy(cpu, src, len);
		return;
	}
	while (done < len) {
		chunk = RH_PAGE_SIZE - (((uintptr_t)cpu + done) & (RH_PAGE_SIZE - 1));
		if (chunk > len - done)
			chunk = len - done;
		if (op == PROBE_WRITE)
			memcpy(cpu + done, src + done, chunk);
		else if (op == PROBE_READ)
			memcpy(dst + done, cpu + done, chunk);
		else
			(void)*(volatile unsigned char *)(cpu + done);
		done += chunk;
	}
}

/*
 * Runs @op over the host range [@cpu, @cpu + @len) (which must not wrap)
 * with a fault there trapped. The handler must be in charge and the
 * thread must not block SIGSEGV or SIGBUS; nothing here makes a system
 * call unless the range faults. Returns 0, or 1 when it faulted (the
 * address in @ret_fault, 0 for a general-protection fault).
 */
static int trap_run(unsigned char *cpu, size_t len, void *dst, const void *src,
		    enum probe_op op, uintptr_t *ret_fault)
{
	struct probe_ctx ctx;

	/* Outside any handler activation now (see trap_handler()). */
	if (!tl_probe)
		tl_trap_depth = 0;
	ctx.start = (uintptr_t)cpu;
	ctx.end = ctx.start + len;
	ctx.catch_gp = op == PROBE_USER_READ || op == PROBE_USER_WRITE;
	ctx.fault_addr = 0;
	ctx.fault_sig = 0;
	ctx.prev = tl_probe;
	tl_probe = &ctx;
	/* The handler, on this thread, must see the probe before the access. */
	atomic_signal_fence(memory_order_seq_cst);
	/*
	 * savemask = 0: saving the mask is a system call on every probe.
	 * The handler returns here by siglongjmp() with its own mask still
	 * in force (the signal it took, its sa_mask, or a sanitizer
	 * runtime's wider one), so the fault path sets back the mask the
	 * fault interrupted, as sigreturn would have.
	 */
	if (sigsetjmp(ctx.env, 0) == 0) {
		probe_copy(cpu, dst, src, len, op);
		atomic_signal_fence(memory_order_seq_cst);
		tl_probe = ctx.prev;
		return 0;
	}
	tl_probe = ctx.prev;
	pthread_sigmask(SIG_SETMASK, &ctx.fault_mask, NULL);
	*ret_fault = ctx.fault_addr;
	return 1;
}

/*
 * A probe: trap_run() with the handler (re)installed for it. Returns 0, 1
 * when it faulted (the address in @ret_fault), or the -errno of
 * installing the handler.
 */
static int probe_run(unsigned char *cpu, size_t len, void *dst,
		     const void *src, enum probe_op op, uintptr_t *ret_fault)
{
	int ret;

	ret = rh_phys_trap_get();
	if (ret)
		return ret;
	ret = trap_run(cpu, len, dst, src, op, ret_fault);
	rh_phys_trap_put();
	return ret;
}

int rh_phys_trap_copy_user(void *dst, const void *src, size_t n, bool to_user)
{
	unsigned char *range = to_user ? dst : (unsigned char *)(uintptr_t)src;
	uintptr_t fault;

	if (trap_run(range, n, to_user ? NULL : dst, to_user ? src : NULL,
		     to_user ? PROBE_USER_WRITE : PROBE_USER_READ, &fault))
		return -EFAULT;
	return 0;
}

static int phys_probe(struct rh_platform *plat, rh_phys_addr_t pa, void *dst,
		      const void *src, size_t len, bool write)
{
	rh_phys_addr_t fault_pa;
	uintptr_t fault;
	void *view;
	int ret;

	if (!plat || !len || (write ? !src : !dst))
		return -EINVAL;
	ret = rh_phys_normal_ptr(plat, pa, len, &view);
	if (ret)
		return ret;
	ret = probe_run(view, len, dst, src, write ? PROBE_WRITE : PROBE_READ, &fault);
	if (ret <= 0)
		return ret;
	if (rh_phys_normal_to_phys(plat, (const void *)fault, &fault_pa))
		fault_pa = pa;
	cpu_fault_report(plat, pa, len, fault_pa, write);
	return -EFAULT;
}

RH_EXPORT int rh_phys_probe_read(struct rh_platform *plat, rh_phys_addr_t pa,
				 void *buf, size_t len)
{
	return phys_probe(plat, pa, buf, NULL, len, false);
}

RH_EXPORT int rh_phys_probe_write(struct rh_platform *plat, rh_phys_addr_t pa,
				  const void *buf, size_t len)
{
	return phys_probe(plat, pa, NULL, buf, len, true);
}

static int phys_probe_ptr(struct rh_platform *plat, void *addr, void *dst,
			  const void *src, size_t len, bool write)
{
	unsigned char *cpu = addr;
	struct rh_phys_cpu_map map;
	rh_phys_addr_t pa = 0;
	uintptr_t fault;
	size_t off;
	int ret;

	if (!plat || !addr || !len || (write ? !src : !dst) ||
	    (uintptr_t)addr > UINTPTR_MAX - len)
		return -EINVAL;
	/*
	 * Only DRAM as this platform's CPU maps it: the trap must never
	 * swallow a fault on memory that is not ours to judge.
	 */
	for (off = 0; off < len; off += map.run) {
		if (!rh_phys_cpu_lookup(plat, cpu + off, &map))
			return -EINVAL;
		if (!off)
			pa = map.pa;
	}
	ret = probe_run(cpu, len, dst, src, write ? PROBE_WRITE : PROBE_READ, &fault);
	if (ret <= 0)
		return ret;
	/*
	 * The firewall's refusal only if the mapping itself allows the access:
	 * a write through a read-only alias is the MMU's, not the TZASC's.
	 */
	if (rh_phys_cpu_lookup(plat, (const void *)fault, &map) &&
	    (map.prot & (write ? PROT_WRITE : PROT_READ)))
		cpu_fault_report(plat, pa, len, map.pa, write);
	return -EFAULT;
}

RH_EXPORT int rh_phys_probe_ptr_read(struct rh_platform *plat, const void *addr,
				     void *buf, size_t len)
{
	return phys_probe_ptr(plat, (void *)(uintptr_t)addr, buf, NULL, len, false);
}

RH_EXPORT int rh_phys_probe_ptr_write(struct rh_platform *plat, void *addr,
				      const void *buf, size_t len)
{
	return phys_probe_ptr(plat, addr, NULL, buf, len, true);
}

/* Touch one byte of each page of [@pa, @pa + @len) through the normal view. */
static int probe_touch(struct rh_platform *plat, rh_phys_addr_t pa, uint64_t len)
{
	rh_phys_addr_t fault_pa;
	uintptr_t fault;
	void *view;
	int ret;

	ret = rh_phys_normal_ptr(plat, pa, (size_t)len, &view);
	if (ret)
		return ret;
	ret = probe_run(view, (size_t)len, NULL, NULL, PROBE_TOUCH, &fault);
	if (ret <= 0)
		return ret;
	if (rh_phys_normal_to_phys(plat, (const void *)fault, &fault_pa))
		fault_pa = pa;
	cpu_fault_report(plat, pa, (size_t)len, fault_pa, false);
	return -EFAULT;
}

#define SAMPLE_STRIDE_PAGES ((1u << 20) >> RH_PAGE_SHIFT)

/*
 * The pages of entry [@pa, @pa + @len) of a buffer, whose first page is
 * page @first of @nr_pages: all of them, or only those the sample keeps
 * (the first and last of the buffer, and one every MiB).
 */
static int probe_entry(struct rh_platform *plat, rh_phys_addr_t pa, uint64_t len,
		       uint64_t first, uint64_t nr_pages, bool sample)
{
	uint64_t n = len >> RH_PAGE_SHIFT, k;
	int ret;

	if (!sample)
		return probe_touch(plat, pa, len);
	for (k = 0; k < n; k++) {
		uint64_t page = first + k;

		if (page % SAMPLE_STRIDE_PAGES && page != nr_pages - 1) {
			/* Skip to the next page the sample keeps. */
			uint64_t next = (page / SAMPLE_STRIDE_PAGES + 1) * SAMPLE_STRIDE_PAGES;

			if (next > nr_pages - 1)
				next = nr_pages - 1;
			k = next - first - 1;
			continue;
		}
		ret = probe_touch(plat, pa + (k << RH_PAGE_SHIFT), RH_PAGE_SIZE);
		if (ret)
			return ret;
	}
	return 0;
}

/* Every page (or the sample) of a mapped table, in buffer order. */
static int probe_table(struct rh_platform *plat, struct rh_sg_table *sgt, bool sample)
{
	struct rh_scatterlist *sg;
	uint64_t nr_pages = 0, first = 0, len;
	rh_phys_addr_t pa;
	unsigned int i;
	int ret;

	rh_for_each_sgtable_sg(sgt, sg, i)
		nr_pages += (RH_ALIGN_UP(rh_sg_phys(sg) + sg->length, RH_PAGE_SIZE) -
			     (rh_sg_phys(sg) & ~(uint64_t)(RH_PAGE_SIZE - 1))) >> RH_PAGE_SHIFT;
	rh_for_each_sgtable_sg(sgt, sg, i) {
		if (!sg->length)
			continue;
		/* Whole pages: an entry that starts or ends inside one probes it. */
		pa = rh_sg_phys(sg) & ~(uint64_t)(RH_PAGE_SIZE - 1);
		len = RH_ALIGN_UP(rh_sg_phys(sg) + sg->length, RH_PAGE_SIZE) - pa;
		ret = probe_entry(plat, pa, len, first, nr_pages, sample);
		if (ret)
			return ret;
		first += len >> RH_PAGE_SHIFT;
	}
	return 0;
}

RH_EXPORT int rh_dma_buf_probe_cpu(struct rh_platform *plat, int fd,
				   unsigned int flags)
{
	struct rh_dma_buf_attachment *attach;
	struct rh_dma_buf *dmabuf;
	struct rh_sg_table *sgt;
	struct rh_device *dev;
	int ret;

	if (!plat || (flags & ~RH_PROBE_CPU_SAMPLE))
		return -EINVAL;
	dmabuf = rh_dma_buf_get(plat, fd);
	if (RH_IS_ERR(dmabuf))
		return (int)RH_PTR_ERR(dmabuf);
	/*
	 * The pages as the exporter hands them to any importer: attach a
	 * device of our own and map, whatever the exporter. Nothing of it
	 * outlives the call.
	 */
	ret = rh_device_create_internal(plat, "cpu-probe", RH_MASTER_CPU, &dev);
	if (ret)
		goto out_put;
	attach = rh_dma_buf_attach(dmabuf, dev);
	if (RH_IS_ERR(attach)) {
		ret = (int)RH_PTR_ERR(attach);
		goto out_free_dev;
	}
	/* The CPU reads what a device may have written. */
	sgt = rh_dma_buf_map_attachment(attach, RH_DMA_FROM_DEVICE);
	if (RH_IS_ERR(sgt)) {
		ret = (int)RH_PTR_ERR(sgt);
		goto out_detach;
	}
	ret = probe_table(plat, sgt, flags & RH_PROBE_CPU_SAMPLE);
	rh_dma_buf_unmap_attachment(attach, sgt, RH_DMA_FROM_DEVICE);
out_detach:
	rh_dma_buf_detach(dmabuf, attach);
out_free_dev:
	rh_device_destroy_internal(dev);
out_put:
	rh_dma_buf_put(dmabuf);
	return ret;
}

/* ---------------------------------------------------------------- reserved memory */

/* The first reserved region whose name (or compatible) is @key. */
static const struct rh_reserved_region *
reserved_find(const struct rh_platform *plat, const char *key, bool by_compatible)
{
	const struct rh_reserved_region *r;
	unsigned int i;

	if (!plat || !key)
		return NULL;
	for (i = 0; i < plat->desc.nr_reserved; i++) {
		r = &plat->desc.reserved[i];
		if (!strcmp(by_compatible ? r->compatible : r->name, key))
			return r;
	}
	return NULL;
}

RH_EXPORT const struct rh_reserved_region *
rh_phys_reserved_find(const struct rh_platform *plat, const char *name)
{
	return reserved_find(plat, name, false);
}

RH_EXPORT const struct rh_reserved_region *
rh_phys_reserved_find_compatible(const struct rh_platform *plat,
				 const char *compatible)
{
	return reserved_find(plat, compatible, true);
}
