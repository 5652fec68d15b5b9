// SPDX-License-Identifier: MIT
/* LD_PRELOAD shim: the fd table, placeholder fds to simulated ones, held by calls as fdget() holds a file. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "preload.h"

/*
 * fdmap[real fd]: 0, or an entry: generation << 32 | kind << 24 | (simulated
 * fd + 1). Written under change_lock, read without it.
 */
_Atomic uint64_t fdmap[MAP_FDS];
static atomic_uint next_gen;
pthread_mutex_t change_lock = PTHREAD_MUTEX_INITIALIZER;

uint64_t make_entry(int sim, enum sim_kind kind)
{
	uint64_t gen = atomic_fetch_add_explicit(&next_gen, 1, memory_order_relaxed);

	return gen << 32 | (uint64_t)kind << 24 | (uint64_t)(sim + 1);
}

static struct holder *_Atomic holders;
static pthread_once_t holder_once = PTHREAD_ONCE_INIT;
static pthread_key_t holder_key;
static bool holder_key_ok;
_Thread_local struct holder *tl_holder __attribute__((tls_model("initial-exec")));

static void holder_release(void *arg)
{
	struct holder *h = arg;

	tl_holder = NULL;
	atomic_store_explicit(&h->in_use, false, memory_order_release);
}

static void holder_key_create(void)
{
	holder_key_ok = pthread_key_create(&holder_key, holder_release) == 0;
}

__attribute__((noinline)) struct holder *holder_attach(void)
{
	struct holder *h;
	bool free_one;

	for (h = atomic_load_explicit(&holders, memory_order_acquire); h; h = h->next) {
		free_one = false;
		if (atomic_compare_exchange_strong(&h->in_use, &free_one, true))
			goto found;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	atomic_init(&h->in_use, true);
	h->next = atomic_load_explicit(&holders, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(&holders, &h->next, h,
						      memory_order_release,
						      memory_order_relaxed))
		;
found:
	h->depth = 0;
	pthread_once(&holder_once, holder_key_create);
	/* Without the key the record stays this thread's for good: a leak, not a fault. */
	if (holder_key_ok)
		pthread_setspecific(holder_key, h);
	tl_holder = h;
	return h;
}

/*
 * The entry @e left the map (under change_lock, not held now): once no
 * call holds it, its simulated fd is closed (the last fput()).
 */
void retire(uint64_t e)
{
	struct holder *h;
	unsigned int i;

	if (!e)
		return;
	for (h = atomic_load_explicit(&holders, memory_order_acquire); h; h = h->next)
		for (i = 0; i < HOLD_MAX; i++)
			while (atomic_load_explicit(&h->held[i], memory_order_seq_cst) == e)
				sched_yield();
	rh_close(plat, entry_sim(e));
}

/*
 * A placeholder fd for simulated fd @sim (whose reference it takes over).
 * Returns the real fd or -errno (then @sim is closed).
 */
int install(int sim, enum sim_kind kind, bool cloexec)
{
	int fd, err;

	pthread_mutex_lock(&change_lock);
	fd = libc_open(PLACEHOLDER, O_RDWR | (cloexec ? O_CLOEXEC : 0));
	if (fd >= 0 && fd < MAP_FDS) {
		atomic_store_explicit(&fdmap[fd], make_entry(sim, kind), memory_order_release);
		pthread_mutex_unlock(&change_lock);
		return fd;
	}
	err = fd < 0 ? errno : EMFILE;
	if (fd >= 0)
		libc_close(fd);
	pthread_mutex_unlock(&change_lock);
	rh_close(plat, sim);
	return -err;
}

/* Forget @fd (change_lock held); returns its entry for retire(). */
uint64_t uninstall(int fd)
{
	if ((unsigned int)fd >= MAP_FDS)
		return 0;
	return atomic_exchange_explicit(&fdmap[fd], 0, memory_order_seq_cst);
}

/* Close real fd @fd that install() just made, and what is behind it. */
void uninstall_close(int fd)
{
	uint64_t e;

	pthread_mutex_lock(&change_lock);
	e = uninstall(fd);
	libc_close(fd);
	pthread_mutex_unlock(&change_lock);
	retire(e);
}

/* A fork()'s child: no simulated fd, and no other thread to hold one. */
void fdtable_fork_child(void)
{
	struct holder *h;
	unsigned int fd, i;

	for (fd = 0; fd < MAP_FDS; fd++)
		if (atomic_load_explicit(&fdmap[fd], memory_order_relaxed))
			atomic_store_explicit(&fdmap[fd], 0, memory_order_relaxed);
	/* The other threads are gone: so are their holds and records. */
	for (h = atomic_load_explicit(&holders, memory_order_relaxed); h; h = h->next) {
		for (i = 0; i < HOLD_MAX; i++)
			atomic_store_explicit(&h->held[i], 0, memory_order_relaxed);
		h->depth = 0;
		atomic_store_explicit(&h->in_use, h == tl_holder, memory_order_relaxed);
	}
}
