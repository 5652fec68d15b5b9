// SPDX-License-Identifier: MIT
/* Normal-world CPU access to simulated DRAM: /dev/mem-like probes that trap faults. */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include <rheap/phys.h>

#include "internal.h"
#include "trace/trace.h"

/*
 * A probe copies through the normal view, where firewall-protected ranges
 * are PROT_NONE, so reading one raises a real SIGSEGV. The handler below
 * turns a fault inside the calling thread's active probe into a siglongjmp
 * back to the probe; any other fault is forwarded to the handler that was
 * installed before us (or to the default action), so real crashes still
 * crash.
 *
 * Signal dispositions belong to the process, not to a platform: this is the
 * one place where the library keeps mutable global state. The handler is
 * installed while at least one probe runs in any thread of any platform
 * (refcount), and the previous actions are put back when the last one ends.
 */
struct probe_ctx {
	sigjmp_buf env;
	uintptr_t start; /* normal-view range the probe touches */
	uintptr_t end;
	volatile uintptr_t fault_addr;
	struct probe_ctx *prev; /* nesting (a probe from a log callback...) */
};

/*
 * initial-exec: the handler must not call __tls_get_addr, which may allocate
 * on a thread's first access (a foreign fault can hit any thread).
 */
static _Thread_local struct probe_ctx *tl_probe
	__attribute__((tls_model("initial-exec")));

static pthread_mutex_t trap_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int trap_users;
static struct sigaction trap_prev_segv;
static struct sigaction trap_prev_bus;

/* Hand a fault that is not ours to whoever had the signal before us. */
static void trap_forward(int sig, siginfo_t *si, void *uctx)
{
	const struct sigaction *prev = sig == SIGBUS ? &trap_prev_bus :
						       &trap_prev_segv;
	bool sent = si->si_code <= 0; /* kill()/raise(), not a fault */
	struct sigaction dfl;

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
	/*
	 * Default action (the kernel also forces it for an ignored fault):
	 * reinstate it and return; the faulting instruction runs again and the
	 * process dies of the signal, with the right status and core dump. A
	 * sent signal is raised again: it stays blocked until we return.
	 */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	if (sent)
		raise(sig);
}

static void trap_handler(int sig, siginfo_t *si, void *uctx)
{
	struct probe_ctx *ctx = tl_probe;
	uintptr_t addr = (uintptr_t)si->si_addr;

	if (ctx && si->si_code > 0 && addr >= ctx->start && addr < ctx->end) {
		ctx->fault_addr = addr;
		siglongjmp(ctx->env, 1);
	}
	trap_forward(sig, si, uctx);
}

int rh_phys_trap_get(void)
{
	struct sigaction sa;
	int ret = 0;

	pthread_mutex_lock(&trap_lock);
	if (trap_users == 0) {
		if (sigaction(SIGSEGV, NULL, &trap_prev_segv) < 0) {
			ret = -errno;
			goto out_unlock;
		}
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = trap_handler;
		/*
		 * Run on the alternate stack when the handler we displace did
		 * (ASan's does: a forwarded stack overflow still needs it), not
		 * otherwise (valgrind cannot deliver SA_ONSTACK without one).
		 */
		sa.sa_flags = SA_SIGINFO | (trap_prev_segv.sa_flags & SA_ONSTACK);
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSEGV, &sa, &trap_prev_segv) < 0) {
			ret = -errno;
			goto out_unlock;
		}
		if (sigaction(SIGBUS, &sa, &trap_prev_bus) < 0) {
			ret = -errno;
			sigaction(SIGSEGV, &trap_prev_segv, NULL);
			goto out_unlock;
		}
	}
	trap_users++;
out_unlock:
	pthread_mutex_unlock(&trap_lock);
	return ret;
}

void rh_phys_trap_put(void)
{
	pthread_mutex_lock(&trap_lock);
	assert(trap_users > 0);
	if (--trap_users == 0) {
		sigaction(SIGBUS, &trap_prev_bus, NULL);
		sigaction(SIGSEGV, &trap_prev_segv, NULL);
	}
	pthread_mutex_unlock(&trap_lock);
}

/*
 * Front to back, one page at a time, as read_mem()/write_mem() do: on a
 * fault every page before the faulting one has been copied whole (a single
 * memcpy may touch the tail first).
 */
static void phys_copy(unsigned char *view, unsigned char *dst,
		      const unsigned char *src, size_t len, bool write)
{
	size_t done = 0, chunk;

	while (done < len) {
		chunk = RH_PAGE_SIZE - (((uintptr_t)view + done) & (RH_PAGE_SIZE - 1));
		if (chunk > len - done)
			chunk = len - done;
		if (write)
			memcpy(view + done, src + done, chunk);
		else
			memcpy(dst + done, view + done, chunk);
		done += chunk;
	}
}

static int phys_probe(struct rh_platform *plat, rh_phys_addr_t pa, void *dst,
		      const void *src, size_t len, bool write)
{
	struct probe_ctx ctx;
	rh_phys_addr_t fault_pa;
	volatile bool faulted = false;
	void *view;
	int ret;

	if (!plat || !len || (write ? !src : !dst))
		return -EINVAL;
	ret = rh_phys_normal_ptr(plat, pa, len, &view);
	if (ret)
		return ret;
	ret = rh_phys_trap_get();
	if (ret)
		return ret;

	memset(&ctx, 0, sizeof(ctx));
	ctx.start = (uintptr_t)view;
	ctx.end = ctx.start + len;
	ctx.prev = tl_probe;
	tl_probe = &ctx;
	/* savemask = 1: the jump must unblock SIGSEGV again. */
	if (sigsetjmp(ctx.env, 1) == 0) {
		phys_copy(view, dst, src, len, write);
	} else {
		faulted = true;
	}
	tl_probe = ctx.prev;
	rh_phys_trap_put();

	if (!faulted)
		return 0;
	if (rh_phys_normal_to_phys(plat, (const void *)ctx.fault_addr, &fault_pa))
		fault_pa = pa;
	rh_dbg(plat, "phys: CPU %s of 0x%" PRIx64 "+0x%zx trapped at 0x%" PRIx64,
	       write ? "write" : "read", pa, len, fault_pa);
	RH_TRACE(plat, RH_TRACE_CPU_TRAP, .pa = pa, .size = len, .err = -EFAULT,
		 .msg = write ? "write" : "read");
	rh_phys_report_cpu_fault(plat, pa, len, fault_pa, write);
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
