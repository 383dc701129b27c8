/*
 * pe_tls.h - storage for the TLS connection (mbedTLS runs inside
 * lib/tls_mbedtls.c; this header does not name it).
 *
 * The caller allocates one pe_tls_t per client (static or on its stack);
 * mbedTLS's own allocations (certificates, record buffers) come from
 * mbedTLS's allocator, which firmware points at a static arena with
 * MBEDTLS_MEMORY_BUFFER_ALLOC_C (see README, "Memory").
 */
#ifndef PE_TLS_H
#define PE_TLS_H

#include "pe_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of pe_tls_t; lib/tls_mbedtls.c checks at compile time that
 *  mbedTLS's contexts fit (override for an unusual mbedTLS build). */
#ifndef PE_TLS_CONTEXT_SIZE
#define PE_TLS_CONTEXT_SIZE 2304
#endif

typedef union {
    uint64_t align_;
    void *ptr_;
    unsigned char bytes[PE_TLS_CONTEXT_SIZE];
} pe_tls_t;

#ifdef __cplusplus
}
#endif
#endif /* PE_TLS_H */
