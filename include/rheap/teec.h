/* SPDX-License-Identifier: MIT */
/* Optional GlobalPlatform TEE Client API façade (TEEC_* names, libteec semantics). */
#ifndef RHEAP_TEEC_H
#define RHEAP_TEEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/export.h>
#include <rheap/platform.h>
#include <rheap/tee.h>

RH_BEGIN_DECLS

/*
 * The GP TEE Client API (v1.0) as optee_client's libteec implements it,
 * over rh_tee_client_*. The TEEC_* typedefs and names are mandated by GP;
 * this is the only header of the library that uses typedefs (style.md §2).
 * Functions are exported as rh_TEEC_*; the TEEC_* macros below map the GP
 * names onto them, except TEEC_InitializeContext, which needs a platform:
 * call rh_TEEC_InitializeContext(plat, name, ctx).
 *
 * Errors found by the client library itself (bad parameter types, partial
 * memrefs out of their shared memory, bad flags) are TEEC_ERROR_BAD_PARAMETERS
 * with origin TEEC_ORIGIN_API and never reach the TEE; transport errors
 * have origin TEEC_ORIGIN_COMMS; everything else comes from the TEE.
 * Differences from libteec: temporary memrefs register the caller's buffer
 * for the call (no shadow copy); shared memory of size 0 is not registered
 * (memrefs over it are NULL memrefs of size 0).
 */

#define TEEC_CONFIG_PAYLOAD_REF_COUNT 4

/* Parameter types */
#define TEEC_NONE 0x00000000u
#define TEEC_VALUE_INPUT 0x00000001u
#define TEEC_VALUE_OUTPUT 0x00000002u
#define TEEC_VALUE_INOUT 0x00000003u
#define TEEC_MEMREF_TEMP_INPUT 0x00000005u
#define TEEC_MEMREF_TEMP_OUTPUT 0x00000006u
#define TEEC_MEMREF_TEMP_INOUT 0x00000007u
#define TEEC_MEMREF_WHOLE 0x0000000Cu
#define TEEC_MEMREF_PARTIAL_INPUT 0x0000000Du
#define TEEC_MEMREF_PARTIAL_OUTPUT 0x0000000Eu
#define TEEC_MEMREF_PARTIAL_INOUT 0x0000000Fu

#define TEEC_PARAM_TYPES(p0, p1, p2, p3) \
	((uint32_t)(p0) | ((uint32_t)(p1) << 4) | ((uint32_t)(p2) << 8) | \
	 ((uint32_t)(p3) << 12))
#define TEEC_PARAM_TYPE_GET(p, i) (((p) >> ((i) * 4)) & 0xF)

/* Shared memory flags */
#define TEEC_MEM_INPUT 0x00000001u
#define TEEC_MEM_OUTPUT 0x00000002u

/* Results and origins */
#define TEEC_SUCCESS RH_TEEC_SUCCESS
#define TEEC_ERROR_GENERIC RH_TEEC_ERROR_GENERIC
#define TEEC_ERROR_ACCESS_DENIED RH_TEEC_ERROR_ACCESS_DENIED
#define TEEC_ERROR_CANCEL RH_TEEC_ERROR_CANCEL
#define TEEC_ERROR_ACCESS_CONFLICT RH_TEEC_ERROR_ACCESS_CONFLICT
#define TEEC_ERROR_EXCESS_DATA RH_TEEC_ERROR_EXCESS_DATA
#define TEEC_ERROR_BAD_FORMAT RH_TEEC_ERROR_BAD_FORMAT
#define TEEC_ERROR_BAD_PARAMETERS RH_TEEC_ERROR_BAD_PARAMETERS
#define TEEC_ERROR_BAD_STATE RH_TEEC_ERROR_BAD_STATE
#define TEEC_ERROR_ITEM_NOT_FOUND RH_TEEC_ERROR_ITEM_NOT_FOUND
#define TEEC_ERROR_NOT_IMPLEMENTED RH_TEEC_ERROR_NOT_IMPLEMENTED
#define TEEC_ERROR_NOT_SUPPORTED RH_TEEC_ERROR_NOT_SUPPORTED
#define TEEC_ERROR_NO_DATA RH_TEEC_ERROR_NO_DATA
#define TEEC_ERROR_OUT_OF_MEMORY RH_TEEC_ERROR_OUT_OF_MEMORY
#define TEEC_ERROR_BUSY RH_TEEC_ERROR_BUSY
#define TEEC_ERROR_COMMUNICATION RH_TEEC_ERROR_COMMUNICATION
#define TEEC_ERROR_SECURITY RH_TEEC_ERROR_SECURITY
#define TEEC_ERROR_SHORT_BUFFER RH_TEEC_ERROR_SHORT_BUFFER
#define TEEC_ERROR_EXTERNAL_CANCEL RH_TEEC_ERROR_EXTERNAL_CANCEL
#define TEEC_ERROR_TARGET_DEAD RH_TEEC_ERROR_TARGET_DEAD
#define TEEC_ORIGIN_API RH_TEEC_ORIGIN_API
#define TEEC_ORIGIN_COMMS RH_TEEC_ORIGIN_COMMS
#define TEEC_ORIGIN_TEE RH_TEEC_ORIGIN_TEE
#define TEEC_ORIGIN_TRUSTED_APP RH_TEEC_ORIGIN_TRUSTED_APP

/* Login methods */
#define TEEC_LOGIN_PUBLIC 0x00000000u
#define TEEC_LOGIN_USER 0x00000001u
#define TEEC_LOGIN_GROUP 0x00000002u
#define TEEC_LOGIN_APPLICATION 0x00000004u
#define TEEC_LOGIN_USER_APPLICATION 0x00000005u
#define TEEC_LOGIN_GROUP_APPLICATION 0x00000006u

typedef uint32_t TEEC_Result;

/** TEEC_UUID - serialised big-endian on the wire (timeLow first) */
typedef struct {
	uint32_t timeLow;
	uint16_t timeMid;
	uint16_t timeHiAndVersion;
	uint8_t clockSeqAndNode[8];
} TEEC_UUID;

/** TEEC_Context - imp_*: implementation fields, do not touch */
typedef struct {
	struct rh_tee_context *imp_ctx;
	struct rh_platform *imp_plat;
} TEEC_Context;

typedef struct {
	TEEC_Context *imp_ctx;
	uint32_t imp_session_id;
} TEEC_Session;

/**
 * TEEC_SharedMemory - @buffer, @size, @flags are set by the caller for
 * TEEC_RegisterSharedMemory(), @size and @flags for
 * TEEC_AllocateSharedMemory() (which sets @buffer)
 */
typedef struct {
	void *buffer;
	size_t size;
	uint32_t flags;
	struct rh_tee_shm *imp_shm;
	TEEC_Context *imp_ctx;
	bool imp_live;
	bool imp_allocated;
} TEEC_SharedMemory;

typedef struct {
	void *buffer;
	size_t size;
} TEEC_TempMemoryReference;

typedef struct {
	TEEC_SharedMemory *parent;
	size_t size;
	size_t offset;
} TEEC_RegisteredMemoryReference;

typedef struct {
	uint32_t a;
	uint32_t b;
} TEEC_Value;

typedef union {
	TEEC_TempMemoryReference tmpref;
	TEEC_RegisteredMemoryReference memref;
	TEEC_Value value;
} TEEC_Parameter;

typedef struct {
	uint32_t started;
	uint32_t paramTypes;
	TEEC_Parameter params[TEEC_CONFIG_PAYLOAD_REF_COUNT];
	TEEC_Session *imp_session;
} TEEC_Operation;

/**
 * rh_TEEC_InitializeContext() - TEEC_InitializeContext on platform @plat
 * @name: NULL or "optee-tz" (an OP-TEE with the TrustZone capability);
 *        any other name finds no TEE
 * @return TEEC_SUCCESS; BAD_PARAMETERS (NULL @plat / @context);
 * ITEM_NOT_FOUND (no GP-capable TEE matching @name); OUT_OF_MEMORY.
 */
RH_EXPORT TEEC_Result rh_TEEC_InitializeContext(struct rh_platform *plat,
						const char *name,
						TEEC_Context *context);
RH_EXPORT void rh_TEEC_FinalizeContext(TEEC_Context *context);
RH_EXPORT TEEC_Result rh_TEEC_RegisterSharedMemory(TEEC_Context *context,
						   TEEC_SharedMemory *sharedMem);
RH_EXPORT TEEC_Result rh_TEEC_AllocateSharedMemory(TEEC_Context *context,
						   TEEC_SharedMemory *sharedMem);
/**
 * rh_TEEC_RegisterSharedMemoryFileDescriptor() - a protected dma-buf as shared memory
 * @fd: a dma-buf fd of @context's platform, from a protected heap served
 *      by the same TEE (<rheap/tee-heap.h>); it may be closed afterwards
 * @sharedMem: @flags set by the caller; @size is set to the buffer's and
 *             @buffer to NULL (the memory has no CPU address)
 *
 * Memrefs over it (WHOLE, PARTIAL_*) reach the trusted application as the
 * protected memory they are. Released with rh_TEEC_ReleaseSharedMemory().
 * Mirrors: TEEC_RegisterSharedMemoryFileDescriptor() (optee_client libteec)
 * @return TEEC_SUCCESS; BAD_PARAMETERS for NULL arguments, a negative
 * @fd, bad @flags, or a dma-buf the TEE refuses (as libteec reports any
 * failed TEE_IOC_SHM_REGISTER_FD); OUT_OF_MEMORY.
 */
RH_EXPORT TEEC_Result rh_TEEC_RegisterSharedMemoryFileDescriptor(TEEC_Context *context,
								 TEEC_SharedMemory *sharedMem,
								 int fd);
RH_EXPORT void rh_TEEC_ReleaseSharedMemory(TEEC_SharedMemory *sharedMemory);
RH_EXPORT TEEC_Result rh_TEEC_OpenSession(TEEC_Context *context,
					  TEEC_Session *session,
					  const TEEC_UUID *destination,
					  uint32_t connectionMethod,
					  const void *connectionData,
					  TEEC_Operation *operation,
					  uint32_t *returnOrigin);
RH_EXPORT void rh_TEEC_CloseSession(TEEC_Session *session);
RH_EXPORT TEEC_Result rh_TEEC_InvokeCommand(TEEC_Session *session,
					    uint32_t commandID,
					    TEEC_Operation *operation,
					    uint32_t *returnOrigin);
RH_EXPORT void rh_TEEC_RequestCancellation(TEEC_Operation *operation);

/* The GP names (TEEC_InitializeContext needs the platform: see above). */
#define TEEC_FinalizeContext rh_TEEC_FinalizeContext
#define TEEC_RegisterSharedMemory rh_TEEC_RegisterSharedMemory
#define TEEC_AllocateSharedMemory rh_TEEC_AllocateSharedMemory
#define TEEC_RegisterSharedMemoryFileDescriptor rh_TEEC_RegisterSharedMemoryFileDescriptor
#define TEEC_ReleaseSharedMemory rh_TEEC_ReleaseSharedMemory
#define TEEC_OpenSession rh_TEEC_OpenSession
#define TEEC_CloseSession rh_TEEC_CloseSession
#define TEEC_InvokeCommand rh_TEEC_InvokeCommand
#define TEEC_RequestCancellation rh_TEEC_RequestCancellation

RH_END_DECLS

#endif /* RHEAP_TEEC_H */
