/* SPDX-License-Identifier: MIT */
/* Helpers of the fuzz targets: a small platform built once, and the check that an input left it clean. */
#ifndef RH_FUZZ_COMMON_H
#define RH_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/platform.h>

/*
 * The fuzzing platform: 32 MiB of DRAM at 0x40000000, a 4 MiB TEE chunk, an
 * 8 MiB dynamic restricted region, a 4-region firewall, a secure-capable
 * decoder and a GPU, the emulator as TEE. Small, so that even the largest
 * allocation an input asks for is refused or done quickly.
 */
/*
 * Code that only serves the fuzzer (a custom mutator) stays out of the
 * coverage it measures. gcc has no such attribute: there it is a no-op.
 */
#if defined(__clang__)
#define FUZZ_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define FUZZ_NO_COVERAGE
#endif

#define FUZZ_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define FUZZ_DRAM_BASE 0x40000000ULL
#define FUZZ_DRAM_SIZE (32ULL << 20)
#define FUZZ_CHUNK_BASE 0x41000000ULL
#define FUZZ_CHUNK_SIZE (4ULL << 20)
#define FUZZ_CMA_BASE 0x41800000ULL
#define FUZZ_CMA_SIZE (8ULL << 20)

/*
 * An input read as operands: little-endian integers of 1 to 8 bytes; past
 * the end every byte reads as 0, so any input is a complete program.
 */
struct fuzz_cursor {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t fuzz_get(struct fuzz_cursor *c, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && c->n; i++, c->p++, c->n--)
		v |= (uint64_t)*c->p << (8 * i);
	return v;
}

static inline uint8_t fuzz_get8(struct fuzz_cursor *c)
{
	return (uint8_t)fuzz_get(c, 1);
}

/* Prints "@target: @what" on stderr and aborts: the invariant that broke. */
void fuzz_fail(const char *target, const char *what) __attribute__((noreturn));

/*
 * fuzz_platform_new() - the fuzzing platform, logging nowhere; aborts
 * (naming @target) when it cannot be built. Build it once per process:
 * inputs reuse it and must leave it as fuzz_check_clean() expects.
 */
struct rh_platform *fuzz_platform_new(const char *target);

/*
 * fuzz_check_clean() - @plat is back where it started: the three standard
 * fds only, no dma-buf, no buffer in the secure-memory TA and its CMA
 * region returned. Aborts (naming @target) otherwise.
 */
void fuzz_check_clean(const char *target, struct rh_platform *plat);

#endif /* RH_FUZZ_COMMON_H */
