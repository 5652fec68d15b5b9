/* SPDX-License-Identifier: MIT */
/* Test helpers: drive the secure-memory and SVP TAs through the real TEE client. */
#ifndef RH_TEST_SECMEM_CLIENT_H
#define RH_TEST_SECMEM_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/platform.h>
#include <rheap/secure-stats.h>
#include <rheap/tee-secmem.h>
#include <rheap/tee.h>

/*
 * One context with one session, opened as the MTK heap does it (login
 * REE_KERNEL, 4 NONE parameters). Every helper asserts that the call
 * reached the TEE (the client returned 0) and returns the TEE result; the
 * origin of the last call is kept in @origin. A CM_CMA ZALLOC first records
 * the region as lent through this session, as the CMA heap does, unless
 * @no_lend is set.
 */
struct tc {
	struct rh_platform *plat;
	struct rh_tee_context *ctx;
	uint32_t session;
	uint32_t origin;
	bool no_lend;
};

void tc_open(struct rh_platform *plat, const char *uuid, struct tc *ret_tc);
void tc_close(struct tc *tc);

/* Raw invoke with exactly 4 parameters. */
uint32_t tc_invoke(struct tc *tc, uint32_t func, struct rh_tee_param p[4]);

/* ZALLOC as patch 8 builds it; outputs written only on success. */
uint32_t tc_zalloc(struct tc *tc, uint64_t size, uint64_t align, uint64_t type,
		   uint64_t cma_base, uint64_t cma_size, uint64_t *ret_nr,
		   uint64_t *ret_pa, uint64_t *ret_handle);
/* ZALLOC that must succeed with a CM_TZ buffer; returns the handle. */
uint64_t tc_zalloc_tz(struct tc *tc, uint64_t size, uint64_t *ret_nr,
		      uint64_t *ret_pa);
/* FREE; @ret_status receives p1.a (the TA's own status). */
uint32_t tc_free(struct tc *tc, uint64_t handle, uint64_t *ret_status);
/* FREE that must succeed with status 0. */
void tc_free_ok(struct tc *tc, uint64_t handle);
/*
 * RETRIEVE_SG into @buf (registered as shared memory for the call) of
 * *@inout_size bytes; *@inout_size receives the size the TA reported.
 * @buf NULL sends a NULL memref.
 */
uint32_t tc_retrieve_sg(struct tc *tc, uint64_t handle, void *buf,
			size_t *inout_size);

/* Decode entry @i of a RETRIEVE_SG answer (little-endian, packed). */
void tc_sg_entry(const void *buf, unsigned int i, uint64_t *ret_pa,
		 uint32_t *ret_len);

/* SVP: SET_DEVICE_SECURE (grant/ungrant buffer @handle) and DECRYPT. */
uint32_t tc_set_device_secure(struct tc *tc, uint64_t master_id, uint64_t secure,
			      uint64_t handle);
uint32_t tc_decrypt(struct tc *tc, const void *cipher, size_t len,
		    uint64_t handle, uint64_t offset, const uint8_t *iv,
		    size_t iv_len, uint64_t *ret_written);

/* Snapshot of rh_secmem_get_stats() that must succeed. */
struct rh_secmem_stats tc_stats(struct rh_platform *plat,
				enum rh_mtk_secure_mem_type type);
/* Asserts every field of @a and @b is equal (names the first that is not). */
void tc_assert_stats_equal(const struct rh_secmem_stats *a,
			   const struct rh_secmem_stats *b);

/* A platform from a DTB blob, with the quiet log sink. */
void tc_platform_from_dtb(const void *dtb, size_t size, struct rh_platform **ret_plat);
/* platforms/minimal.dtb embedded by tests/data/meson.build. */
void tc_minimal_platform(struct rh_platform **ret_plat);
/* The built-in default platform (mt8188-svp), logs as quiet. */
void tc_default_platform(struct rh_platform **ret_plat);

#endif /* RH_TEST_SECMEM_CLIENT_H */
