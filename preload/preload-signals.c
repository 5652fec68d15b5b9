// SPDX-License-Identifier: MIT
/* LD_PRELOAD shim: SIGSEGV/SIGBUS actions and masks watched, for trapped user copies. */
#include "config.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "preload.h"

/*
 * The two promises of RH_UACCESS_TRAPPED (rh_uapi_set_user_access()): the
 * library's handler is the SIGSEGV and SIGBUS action when a copy faults,
 * and the copying thread does not block them.
 */

/* A SIGSEGV/SIGBUS action changed since the handler was last put on top. */
atomic_bool trap_stale;
/* The platform's copies (RHEAP_UACCESS); set before the platform is published. */
enum rh_uaccess_mode uaccess_want;
/* This thread is installing the library's own handler: not the program's change. */
_Thread_local bool tl_arming __attribute__((tls_model("initial-exec")));

_Thread_local unsigned char tl_fault_mask __attribute__((tls_model("initial-exec")));

static const int fault_sigs[] = { SIGSEGV, SIGBUS };
#define N_FAULT_SIGS (sizeof(fault_sigs) / sizeof(fault_sigs[0]))

static bool is_fault_sig(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS;
}

static void note_action(int sig)
{
	if (is_fault_sig(sig) && !tl_arming)
		atomic_store_explicit(&trap_stale, true, memory_order_relaxed);
}

static bool blocks_faults(const sigset_t *mask)
{
	return sigismember(mask, SIGSEGV) == 1 || sigismember(mask, SIGBUS) == 1;
}

/* After a successful mask change from @old by (@how, @want): the new state. */
static void note_mask(int how, const sigset_t *want, const sigset_t *old)
{
	bool blocked = false, was, in;
	unsigned int i;

	if (!want) {
		tl_fault_mask = blocks_faults(old) ? MASK_BLOCKS : MASK_OPEN;
		return;
	}
	for (i = 0; i < N_FAULT_SIGS; i++) {
		was = sigismember(old, fault_sigs[i]) == 1;
		in = sigismember(want, fault_sigs[i]) == 1;
		blocked |= how == SIG_SETMASK ? in : how == SIG_BLOCK ? was || in : was && !in;
	}
	tl_fault_mask = blocked ? MASK_BLOCKS : MASK_OPEN;
}

/* Which user copies the platform makes: RHEAP_UACCESS ("trapped" by default, or "checked"). */
int uaccess_mode(enum rh_uaccess_mode *ret_mode)
{
	const char *want = getenv("RHEAP_UACCESS");

	if (!want || !*want || !strcmp(want, "trapped"))
		*ret_mode = RH_UACCESS_TRAPPED;
	else if (!strcmp(want, "checked"))
		*ret_mode = RH_UACCESS_CHECKED;
	else
		return -EINVAL;
	return 0;
}

/*
 * The library's handler back on top of the program's new one (which then
 * gets every fault that is not a copy's). Checked copies if it cannot be.
 */
__attribute__((noinline)) void rearm(struct rh_platform *p)
{
	atomic_store_explicit(&trap_stale, false, memory_order_relaxed);
	if (uaccess_want != RH_UACCESS_TRAPPED)
		return;
	tl_arming = true;
	if (rh_uapi_set_user_access(p, RH_UACCESS_TRAPPED))
		rh_uapi_set_user_access(p, RH_UACCESS_CHECKED);
	tl_arming = false;
}

/* uaccess_begin() of a thread whose mask may block SIGSEGV/SIGBUS (preload.h). */
bool uaccess_unblock(sigset_t *ret_saved)
{
	sigset_t faults, cur;
	unsigned int i;

	if (tl_fault_mask == MASK_UNKNOWN) {
		if (libc_pthread_sigmask(SIG_BLOCK, NULL, &cur))
			return false;
		tl_fault_mask = blocks_faults(&cur) ? MASK_BLOCKS : MASK_OPEN;
		if (tl_fault_mask == MASK_OPEN)
			return false;
	}
	sigemptyset(&faults);
	for (i = 0; i < N_FAULT_SIGS; i++)
		sigaddset(&faults, fault_sigs[i]);
	return libc_pthread_sigmask(SIG_UNBLOCK, &faults, ret_saved) == 0;
}

RH_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	int ret;

	resolve();
	ret = libc_sigaction(sig, act, old);
	if (!ret && act)
		note_action(sig);
	return ret;
}

/* signal() and its variants: libc's own calls to sigaction() do not come here. */
#define SIGNAL_WRAPPER(name)                                        \
	RH_EXPORT sighandler_t name(int sig, sighandler_t handler); \
	RH_EXPORT sighandler_t name(int sig, sighandler_t handler)  \
	{                                                           \
		sighandler_t ret;                                   \
                                                                    \
		resolve();                                          \
		ret = libc_##name(sig, handler);                    \
		if (ret != SIG_ERR)                                 \
			note_action(sig);                           \
		return ret;                                         \
	}

SIGNAL_WRAPPER(signal)
SIGNAL_WRAPPER(bsd_signal)
SIGNAL_WRAPPER(sysv_signal)
SIGNAL_WRAPPER(__sysv_signal)

/* sigset() also blocks (SIG_HOLD) or unblocks the signal: ask the mask again. */
RH_EXPORT sighandler_t sigset(int sig, sighandler_t handler)
{
	sighandler_t ret;

	resolve();
	ret = libc_sigset(sig, handler);
	if (ret != SIG_ERR) {
		note_action(sig);
		tl_fault_mask = MASK_UNKNOWN;
	}
	return ret;
}

/* The mask calls: the caller's @old is libc's to fill (it may be a bad pointer). */
static int do_sigmask(int (*call)(int, const sigset_t *, sigset_t *), int how,
		      const sigset_t *set, sigset_t *old)
{
	sigset_t want, prev, *o = old ? old : &prev;
	int ret;

	/* @set may be @old: read it first (libc reads it too, a bad one crashes there). */
	if (set)
		want = *set;
	ret = call(how, set, o);
	if (!ret)
		note_mask(how, set ? &want : NULL, o);
	return ret;
}

RH_EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	resolve();
	return do_sigmask(libc_pthread_sigmask, how, set, old);
}

RH_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	resolve();
	return do_sigmask(libc_sigprocmask, how, set, old);
}
