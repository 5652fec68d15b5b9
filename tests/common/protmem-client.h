/* SPDX-License-Identifier: MIT */
/* Test helpers: raw protected-memory messages to a platform's TEE, and a probe TA that uses protected memrefs. */
#ifndef RH_TEST_PROTMEM_CLIENT_H
#define RH_TEST_PROTMEM_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/platform.h>
#include <rheap/tee-msg.h>

/* The boards the tests run (tests/data): optee-protmem as built in, and with the SDP dump allowed. */
extern const unsigned char rh_test_dtb_platform_optee_protmem[];
extern const size_t rh_test_dtb_platform_optee_protmem_size;
extern const unsigned char rh_test_dtb_protmem_dump_allowed[];
extern const size_t rh_test_dtb_protmem_dump_allowed_size;

/* A platform built from @dtb whose log is quiet unless RHEAP_TEST_LOG is set. */
void pmc_platform(const void *dtb, size_t size, struct rh_platform **ret_plat);
/* rh_platform_new() of @dtb with a quiet log: its return (a bad DT fails). */
int pmc_platform_try(const void *dtb, size_t size, struct rh_platform **ret_plat);

/*
 * Messages handed straight to the platform's emulator (rh_tee_emu_call()),
 * as a TEE driver would send them; each asserts that the call was
 * answered and returns the TEE's result.
 */
uint32_t pmc_lend(struct rh_platform *plat, uint64_t use_case, uint64_t pa,
		  uint64_t size, uint64_t cookie);
uint32_t pmc_reclaim(struct rh_platform *plat, uint64_t cookie);
/*
 * GET_PROTMEM_CONFIG of @use_case: @attrs NULL asks with a NULL memref,
 * otherwise @attrs (*@inout_size bytes) is registered for the call; the
 * reported size comes back in *@inout_size (may be NULL with @attrs NULL)
 * and value a, b, c in @ret_vals (may be NULL).
 */
uint32_t pmc_config(struct rh_platform *plat, uint64_t use_case, void *attrs,
		    size_t *inout_size, uint64_t ret_vals[3]);
/* REGISTER_SHM / UNREGISTER_SHM of a host buffer under @cookie. */
uint32_t pmc_register_shm(struct rh_platform *plat, void *buf, size_t size, uint64_t cookie);
uint32_t pmc_unregister_shm(struct rh_platform *plat, uint64_t cookie);

/*
 * The probe TA (registered by pmc_probe_add(), opened with a raw
 * OPEN_SESSION, PUBLIC login). Every command takes a memref in p0 and a
 * value in p1:
 *   FILL    (MEMREF_OUTPUT, VALUE_INPUT a = byte): memset the memref
 *   READ    (MEMREF_INPUT, VALUE_OUTPUT): a = the memref's prot (use
 *           case, 0 for normal memory), b = the sum of its bytes, c = its
 *           first byte
 *   HOLD    (MEMREF_INPUT, VALUE_OUTPUT): keep the protected memory beyond
 *           the call (rh_ta_protmem_hold()); a = its return as -errno
 *   RELEASE (NONE, NONE): let go of what HOLD kept
 */
#define PMC_PROBE_UUID "c0ffee00-7e57-4000-8000-0000000000a1"
enum {
	PMC_PROBE_FILL = 0,
	PMC_PROBE_READ = 1,
	PMC_PROBE_HOLD = 2,
	PMC_PROBE_RELEASE = 3,
};

void pmc_probe_add(struct rh_platform *plat);
uint32_t pmc_probe_open(struct rh_platform *plat, uint32_t *ret_session);
void pmc_probe_close(struct rh_platform *plat, uint32_t session);

/*
 * struct pmc_mem - the memref of a probe call: an rmem (@cookie, @offs)
 * or, with @cookie 0, a tmem of physical address @pa; @size bytes.
 */
struct pmc_mem {
	uint64_t cookie;
	uint64_t offs;
	uint64_t pa;
	uint64_t size;
};

/* One probe command with @mem and value @in; @ret_out gets p1 a, b, c (may be NULL). */
uint32_t pmc_probe(struct rh_platform *plat, uint32_t session, uint32_t cmd,
		   const struct pmc_mem *mem, uint64_t in, uint64_t ret_out[3]);

#endif /* RH_TEST_PROTMEM_CLIENT_H */
