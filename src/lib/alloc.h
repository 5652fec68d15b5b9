/* SPDX-License-Identifier: MIT */
/* Internal allocation wrappers: every library allocation goes through these. */
#ifndef RH_UTIL_ALLOC_H
#define RH_UTIL_ALLOC_H

#include <stddef.h>

/* All return NULL on failure (real or injected); rh_free(NULL) is a no-op. */
void *rh_malloc(size_t size);
void *rh_zalloc(size_t size);
void *rh_calloc(size_t n, size_t size);
char *rh_strdup(const char *s);
char *rh_strndup(const char *s, size_t n);
void rh_free(void *ptr);

#endif /* RH_UTIL_ALLOC_H */
