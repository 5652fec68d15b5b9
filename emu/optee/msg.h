/* SPDX-License-Identifier: MIT */
/* Strict parser and encoder of the TEE wire format (secure side). */
#ifndef RH_EMU_MSG_H
#define RH_EMU_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/tee-msg.h>

#include "optee/tee.h"

/* OPEN_SESSION carries two meta parameters before the TA's four. */
#define RH_EMU_MSG_MAX_PARAMS (RH_TA_NUM_PARAMS + 2)
/* Largest buffer REGISTER_SHM accepts (a sanity bound, not a policy). */
#define RH_EMU_MSG_MAX_SHM_SIZE (1ULL << 40)

/**
 * struct rh_emu_msg_param - one decoded parameter
 * @attr: the attribute as sent
 * @type: RH_OPTEE_MSG_ATTR_TYPE_*
 * @u.value: VALUE_* (and the meta parameters)
 * @u.mem: RMEM_* / TMEM_*: @buf is the resolved host address (NULL for a
 *         NULL memref, set by rh_emu_msg_resolve_mem()), @addr the
 *         tmem.buf_ptr, @offs / @size / @shm_ref as sent (@size is updated
 *         with the TA's answer for outputs); @prot the protected-memory use
 *         case the range lies in (0: normal-world shared memory) and
 *         @prot_region the hold taken on it for the call (NULL: none)
 */
struct rh_emu_msg_param {
	uint64_t attr;
	uint32_t type;
	union {
		struct rh_optee_msg_param_value value;
		struct {
			void *buf;
			uint64_t addr;
			uint64_t offs;
			uint64_t size;
			uint64_t shm_ref;
			uint32_t prot;
			void *prot_region;
		} mem;
	} u;
};

/**
 * struct rh_emu_msg - a validated private copy of a message
 * @cmd, @func, @session, @cancel_id, @num_params: header fields
 * @first: index of the first TA parameter (2 for OPEN_SESSION, else 0)
 * @ta_uuid, @clnt_uuid, @login: OPEN_SESSION meta parameters
 * @params: the parameters
 * @why: after a refusal: what was wrong, for the one log line
 */
struct rh_emu_msg {
	uint32_t cmd;
	uint32_t func;
	uint32_t session;
	uint32_t cancel_id;
	uint32_t num_params;
	unsigned int first;
	uint8_t ta_uuid[RH_TEE_IOCTL_UUID_LEN];
	uint8_t clnt_uuid[RH_TEE_IOCTL_UUID_LEN];
	uint32_t login;
	struct rh_emu_msg_param params[RH_EMU_MSG_MAX_PARAMS];
	char why[96];
};

/*
 * rh_emu_msg_decode() - validate the layout and the parameters of a message
 * and copy it into @msg (later changes to @buf by the normal world do not
 * matter). Needs @size >= a header. Checks, in order: @size within a page
 * and equal to header + 32 x num_params, pad 0, known command, parameter
 * count of that command, each attribute (known type, no reserved bit,
 * predefined cache attributes, NONCONTIG only on a REGISTER_SHM tmem,
 * META exactly on the two first
 * parameters of OPEN_SESSION), the login, and the memory references
 * (a tmem in a call is a NULL memref or a physical address, never a
 * cookie: only protected memory is named by address, which the resolver
 * checks; REGISTER_SHM: a tmem input or a NONCONTIG tmem, non-zero cookie
 * and address (page list address), size 1..RH_EMU_MSG_MAX_SHM_SIZE
 * without wrapping; UNREGISTER_SHM: rmem with offs 0, size 0;
 * LEND_PROTMEM: a value input and a tmem input of non-zero address, size
 * and cookie that does not wrap; RECLAIM_PROTMEM: an rmem input with a
 * non-zero cookie, offs 0, size 0; GET_PROTMEM_CONFIG: a value inout and
 * an rmem output or a NULL tmem output). Never reads outside
 * [@buf, @buf + @size).
 * Returns TEEC_SUCCESS, or BAD_FORMAT (layout), BAD_PARAMETERS (content),
 * NOT_IMPLEMENTED (command) with @msg->why filled.
 */
uint32_t rh_emu_msg_decode(const void *buf, size_t size, struct rh_emu_msg *msg);

/* OPTEE_MSG_NONCONTIG_PAGE_SIZE, and the page addresses of one list page. */
#define RH_EMU_NONCONTIG_PAGE_SIZE 4096u
#define RH_EMU_NONCONTIG_ENTRIES (RH_EMU_NONCONTIG_PAGE_SIZE / 8 - 1)

/* May the secure world read/share [@addr, @addr + @len)? (@data: emulator) */
typedef bool (*rh_emu_ns_check_fn)(void *data, uint64_t addr, uint64_t len);

/*
 * rh_emu_msg_noncontig_base() - walk the page list of NONCONTIG parameter
 * @i of a decoded REGISTER_SHM: tmem.buf_ptr holds the address of the
 * first list page (page aligned) with the offset of the buffer in its
 * first page in the low 12 bits; a list page holds 511 page addresses and,
 * in its last entry, the address of the next list page; the buffer spans
 * ceil((offset + size) / 4096) pages. Every list page is checked with
 * @ns_ok (NULL: trusted) before it is read, every entry must be a non-zero
 * page-aligned address, every link a non-zero page-aligned address, and
 * the pages must follow each other in host memory (the emulator has no
 * MMU of its own to place them side by side). Each entry is read once.
 * @ret_base: host address of the buffer's first byte.
 * Returns TEEC_SUCCESS or BAD_PARAMETERS with @msg->why filled.
 */
uint32_t rh_emu_msg_noncontig_base(struct rh_emu_msg *msg, unsigned int i,
				   rh_emu_ns_check_fn ns_ok, void *data,
				   uint64_t *ret_base);

/* Looks a shared-memory cookie up: 0 and base/size, or -ENOENT. */
typedef int (*rh_emu_shm_lookup_fn)(void *data, uint64_t cookie,
				    void **ret_base, uint64_t *ret_size);

/*
 * rh_emu_msg_resolve() - resolve every RMEM parameter of a decoded call to
 * a host address: the cookie must be registered and offs + size must not
 * wrap nor pass the end of the buffer. Returns TEEC_SUCCESS or
 * BAD_PARAMETERS with @msg->why filled. (rh_emu_msg_resolve_mem() with
 * normal-world shared memory only.)
 */
uint32_t rh_emu_msg_resolve(struct rh_emu_msg *msg, rh_emu_shm_lookup_fn lookup,
			    void *data);

/**
 * struct rh_emu_prot_ref - a range of protected memory held for a call
 * @region: the hold (passed back to the resolver's @prot_put)
 * @buf: secure-view address of the range's first byte
 * @use_case: the protected-memory use case it belongs to (never 0)
 */
struct rh_emu_prot_ref {
	void *region;
	void *buf;
	uint32_t use_case;
};

/**
 * struct rh_emu_mem_resolver - where the memory of a call lives
 * @shm: registered normal-world shared memory by cookie (mandatory)
 * @prot_cookie: optional; protected memory lent under @cookie: 0 and the
 *               range [offs, offs + size) held, -ENOENT (no such lend),
 *               -ERANGE (outside it); @write: the TA may write it
 * @prot_pa: optional; protected memory at physical [@pa, @pa + @size):
 *           0, -ENOENT (not inside one protected range)
 * @prot_put: drops a hold; mandatory with either of the two above
 */
struct rh_emu_mem_resolver {
	rh_emu_shm_lookup_fn shm;
	int (*prot_cookie)(void *data, uint64_t cookie, uint64_t offs, uint64_t size,
			   bool write, struct rh_emu_prot_ref *ret_ref);
	int (*prot_pa)(void *data, uint64_t pa, uint64_t size, bool write,
		       struct rh_emu_prot_ref *ret_ref);
	void (*prot_put)(void *data, void *region);
};

/*
 * rh_emu_msg_resolve_mem() - resolve every memory reference of a decoded
 * call (the TA parameters): an RMEM names registered shared memory or,
 * failing that, protected memory lent under its cookie; a TMEM with an
 * address names protected memory by physical address (a NULL tmem stays
 * NULL). Protected ranges are held until rh_emu_msg_release_mem(), also
 * when the call is then refused. Returns TEEC_SUCCESS or BAD_PARAMETERS
 * with @msg->why filled (what was held so far is released).
 */
uint32_t rh_emu_msg_resolve_mem(struct rh_emu_msg *msg,
				const struct rh_emu_mem_resolver *r, void *data);
/* rh_emu_msg_release_mem() - drop the holds of rh_emu_msg_resolve_mem(). */
void rh_emu_msg_release_mem(struct rh_emu_msg *msg, const struct rh_emu_mem_resolver *r,
			    void *data);

/*
 * rh_emu_msg_to_ta() - the TA's view of the call parameters (missing ones
 * NONE, OUTPUT values 0); returns the GP param_types word.
 */
uint32_t rh_emu_msg_to_ta(const struct rh_emu_msg *msg,
			  struct rh_ta_param ta[RH_TA_NUM_PARAMS]);

/* rh_emu_msg_from_ta() - take the TA's outputs (values, memref sizes). */
void rh_emu_msg_from_ta(struct rh_emu_msg *msg,
			const struct rh_ta_param ta[RH_TA_NUM_PARAMS]);

/*
 * rh_emu_msg_write_outputs() - encode the outputs of @msg (OUTPUT/INOUT
 * values, memref sizes) into @buf, which @msg was decoded from.
 */
void rh_emu_msg_write_outputs(void *buf, const struct rh_emu_msg *msg);

/* Encode ret and ret_origin (@buf holds at least a header). */
void rh_emu_msg_set_result(void *buf, uint32_t ret, uint32_t origin);
/* Encode the session id (OPEN_SESSION answer). */
void rh_emu_msg_set_session(void *buf, uint32_t session);

/* Readable names for logs. */
const char *rh_emu_msg_cmd_name(uint32_t cmd);

#endif /* RH_EMU_MSG_H */
