/*
 * crypto_mbedtls.c - SHA-256, base64 and wiping on mbedTLS 2.28 or 3.x.
 * The only file of lib/ that includes mbedTLS crypto headers.
 */
#include "pe_crypto.h"

#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

/* pe_sha256_t must hold an mbedtls_sha256_context (C99 static assertion). */
typedef char pe_sha256_storage_is_large_enough
    [(sizeof(mbedtls_sha256_context) <= sizeof(pe_sha256_t)) ? 1 : -1];

#define CTX(c) ((mbedtls_sha256_context *)(void *)(c)->bytes)
#define CCTX(c) ((const mbedtls_sha256_context *)(const void *)(c)->bytes)

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define SHA256_STARTS mbedtls_sha256_starts
#define SHA256_UPDATE mbedtls_sha256_update
#define SHA256_FINISH mbedtls_sha256_finish
#else
#define SHA256_STARTS mbedtls_sha256_starts_ret
#define SHA256_UPDATE mbedtls_sha256_update_ret
#define SHA256_FINISH mbedtls_sha256_finish_ret
#endif

int pe_sha256_start(pe_sha256_t *ctx)
{
    mbedtls_sha256_init(CTX(ctx));
    return SHA256_STARTS(CTX(ctx), 0);
}

int pe_sha256_update(pe_sha256_t *ctx, const void *data, size_t len)
{
    if (len == 0) {
        return 0;
    }
    return SHA256_UPDATE(CTX(ctx), (const unsigned char *)data, len);
}

int pe_sha256_finish(pe_sha256_t *ctx, unsigned char out[PE_SHA256_LEN])
{
    return SHA256_FINISH(CTX(ctx), out);
}

void pe_sha256_clone(pe_sha256_t *dst, const pe_sha256_t *src)
{
    mbedtls_sha256_clone(CTX(dst), CCTX(src));
}

void pe_sha256_free(pe_sha256_t *ctx)
{
    mbedtls_sha256_free(CTX(ctx)); /* zeroizes the context */
}

void pe_wipe(void *p, size_t len)
{
    mbedtls_platform_zeroize(p, len);
}

size_t pe_base64_encode_chunk(char out[65], const unsigned char *src,
                              size_t len)
{
    size_t olen = 0;
    if (len > PE_B64_CHUNK ||
        mbedtls_base64_encode((unsigned char *)out, 65, &olen, src, len) != 0) {
        return 0;
    }
    return olen;
}

int pe_base64_decode(unsigned char *dst, size_t cap, size_t *olen,
                     const char *src, size_t len)
{
    return mbedtls_base64_decode(dst, cap, olen, (const unsigned char *)src,
                                 len);
}
