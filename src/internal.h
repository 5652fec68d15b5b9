/* SPDX-License-Identifier: MIT */
/* Cross-module internals of the normal world (not installed). */
#ifndef RH_INTERNAL_H
#define RH_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <rheap/platform.h>

#include "log.h"
#include "util/alloc.h"

#define RH_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define RH_ALIGN_UP(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define RH_IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define rh_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/*
 * Each module keeps its own state behind one pointer here and provides
 * rh_<module>_init(plat) / rh_<module>_fini(plat), called by platform.c in
 * dependency order (fini in reverse).
 */
struct rh_physmem;
struct rh_firewall;
struct rh_device_table;
struct rh_heap_registry;
struct rh_file_table;
struct rh_tee_emu;
struct rh_trace;

struct rh_platform {
	atomic_int refcount;
	pthread_mutex_t lock; /* platform-wide bookkeeping only, never held across module calls */

	enum rh_log_level log_level;
	void (*log_fn)(void *data, enum rh_log_level level, const char *msg);
	void *log_data;

	void *dtb; /* owned copy of the blob the platform was built from */
	size_t dtb_size;
	struct rh_platform_desc desc;

	struct rh_physmem *physmem;       /* emu/physmem.c */
	struct rh_firewall *firewall;     /* emu/firewall.c */
	struct rh_device_table *devices;  /* src/device.c */
	struct rh_heap_registry *heaps;   /* src/dma-heap.c */
	struct rh_file_table *files;      /* src/uapi.c */
	struct rh_tee_emu *tee_emu;       /* emu/tee-core.c */
	struct rh_trace *trace;           /* src/trace.c */
};

#endif /* RH_INTERNAL_H */
