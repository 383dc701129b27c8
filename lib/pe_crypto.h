/*
 * pe_crypto.h - the library's only view of its crypto backend (internal).
 * lib/crypto_mbedtls.c implements it; it is the one file that includes
 * mbedTLS crypto headers, so mbedTLS 2.28 and 3.6 differ there alone.
 */
#ifndef PE_CRYPTO_H
#define PE_CRYPTO_H

#include "pe_sigv4.h" /* pe_sha256_t */

#define PE_SHA256_BLOCK 64
#define PE_SHA256_LEN 32
#define PE_SHA256_HEX_LEN ((size_t)2 * PE_SHA256_LEN) /* lower-case hex */

/* Each returns 0 on success, non-zero when the backend failed. */
int pe_sha256_start(pe_sha256_t *ctx);
int pe_sha256_update(pe_sha256_t *ctx, const void *data, size_t len);
/* Finishes ctx (which may then only be started again or freed). */
int pe_sha256_finish(pe_sha256_t *ctx, unsigned char out[PE_SHA256_LEN]);
void pe_sha256_clone(pe_sha256_t *dst, const pe_sha256_t *src);
/* Releases and wipes the context. */
void pe_sha256_free(pe_sha256_t *ctx);

/* Wipes memory in a way the compiler cannot drop. */
void pe_wipe(void *p, size_t len);

/* Base64 (RFC 4648, with padding). Encodes at most 48 bytes of src into
 * out (64 characters and a NUL at most); returns the length written, or 0
 * for more than 48 bytes. Callers stream longer data 48 bytes at a time. */
#define PE_B64_ENCODED_LEN(n) ((((n) + 2u) / 3u) * 4u)
#define PE_B64_CHUNK 48u
size_t pe_base64_encode_chunk(char out[65], const unsigned char *src,
                              size_t len);
/* Decodes; returns 0 and *olen, or non-zero for bad input or small dst. */
int pe_base64_decode(unsigned char *dst, size_t cap, size_t *olen,
                     const char *src, size_t len);

#endif /* PE_CRYPTO_H */
