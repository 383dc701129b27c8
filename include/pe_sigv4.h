/*
 * pe_sigv4.h - AWS Signature Version 4 (AWS4-HMAC-SHA256) on mbedTLS's
 * SHA-256, with no heap and no stored canonical request.
 *
 * The signer keeps a copy of the credentials and a cache of the derived
 * signing key for one (date, region, service) scope, held as the HMAC's
 * inner and outer padded SHA-256 states so that a cached key costs no key
 * blocks. Secrets are wiped (mbedtls_platform_zeroize) when replaced and by
 * pe_sigv4_deinit(). Nothing here logs.
 */
#ifndef PE_SIGV4_H
#define PE_SIGV4_H

#include "pe_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef PE_SIGV4_MAX_KEY_ID
#define PE_SIGV4_MAX_KEY_ID 128 /**< longest access key id accepted */
#endif
#ifndef PE_SIGV4_MAX_SECRET
#define PE_SIGV4_MAX_SECRET 128 /**< longest secret access key accepted */
#endif
#ifndef PE_SIGV4_MAX_SCOPE_NAME
#define PE_SIGV4_MAX_SCOPE_NAME 32 /**< longest region or service name */
#endif

/** Opaque storage for one SHA-256 context of the crypto backend. The glue
 *  (lib/crypto_mbedtls.c) checks at compile time that it is large enough. */
#define PE_SHA256_CTX_SIZE 128
typedef union {
    uint64_t align_;
    unsigned char bytes[PE_SHA256_CTX_SIZE];
} pe_sha256_t;

/** One header of the request as the caller sends it (any case; value as
 *  sent, the signer trims it and collapses inner runs of spaces). */
typedef struct {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} pe_header_t;

/** The signer. Allocate it yourself (static, stack or inside a client);
 *  treat the members as private. */
typedef struct {
    char key_id[PE_SIGV4_MAX_KEY_ID + 1];
    unsigned char secret[4 + PE_SIGV4_MAX_SECRET]; /* "AWS4" + secret */
    size_t secret_len;                              /* including "AWS4" */
    const char *token;                              /* caller-owned, or NULL */
    size_t token_len;
    /* cached signing key and the scope it belongs to:
     * "date/region/service" */
    char key_scope[8 + 2 * PE_SIGV4_MAX_SCOPE_NAME + 3];
    bool key_valid;
    pe_sha256_t key_inner; /* SHA-256 state after (key ^ ipad) */
    pe_sha256_t key_outer; /* SHA-256 state after (key ^ opad) */
    /* Scratch of one signature, here rather than on the stack: the hash
     * being computed; the HMAC pad (also the intermediate keys and the
     * MAC); X-Amz-Date's value; the library's test hook
     * (lib/sigv4_internal.h). */
    pe_sha256_t work;
    unsigned char block[64];
    char amz_date[17];
    uint8_t part;
    uint8_t err;
    void (*trace)(void);
    void *trace_ctx;
} pe_sigv4_signer_t;

/** Flags for pe_sigv4_request_t.flags. */
#define PE_SIGV4_NORMALIZE_PATH 0x1u /**< remove dot segments and empty segments */
#define PE_SIGV4_CONTENT_SHA256 0x2u /**< add and sign x-amz-content-sha256 */

/** The request to sign. */
typedef struct {
    const char *method;       /**< "GET", "POST", ... */
    const char *path;         /**< path as on the request line, without query */
    size_t path_len;
    const char *query;        /**< query string without '?', or NULL */
    size_t query_len;
    const pe_header_t *headers; /**< headers to sign; must include Host */
    size_t header_count;
    const void *payload;      /**< body bytes (NULL with payload_len 0 for none) */
    size_t payload_len;
    const char *region;       /**< "us-east-1" */
    const char *service;      /**< "ses" for this API */
    int64_t time;             /**< request time, seconds since the epoch, UTC */
    unsigned flags;           /**< PE_SIGV4_* */
} pe_sigv4_request_t;

/** What the caller must send besides the Authorization header. The signer
 *  signs these headers itself: X-Amz-Date always, X-Amz-Security-Token when
 *  the signer has a session token, x-amz-content-sha256 with
 *  PE_SIGV4_CONTENT_SHA256. */
typedef struct {
    char amz_date[17];        /**< "20150830T123600Z" */
    char payload_sha256[65];  /**< lower-case hex SHA-256 of the payload */
} pe_sigv4_extra_t;

/**
 * Sets the credentials. key_id and secret are copied (and the previous
 * secret and cached key wiped); session_token (may be NULL) is referenced,
 * not copied: it must stay valid while the signer is used.
 * Returns PE_ERR_INVALID_ARGUMENT for empty or over-long values, a key id
 * with a byte outside '!'..'~' or with '/' or ',', or a token with CR or
 * LF; the signer is then left wiped.
 */
pe_status_t pe_sigv4_init(pe_sigv4_signer_t *signer, const char *key_id,
                          const char *secret, const char *session_token);

/** Wipes every secret and the cached key. The signer can be init'ed again. */
void pe_sigv4_deinit(pe_sigv4_signer_t *signer);

/**
 * Signs a request. Writes the Authorization header's value (NUL-terminated)
 * into auth; *needed receives its length without the NUL (needed may be
 * NULL). A NULL auth or a too small cap returns PE_ERR_BUFFER_TOO_SMALL
 * (before any hashing) with *needed set; auth[0] is then '\0' when cap > 0
 * and nothing else is written. extra (may be NULL) receives X-Amz-Date's
 * value and the payload hash.
 *
 * The canonical URI is the path URI-encoded once more ('/' kept), after
 * dot and empty segments are removed with PE_SIGV4_NORMALIZE_PATH. Query
 * keys and values are percent-decoded and encoded again; a '%' that does
 * not start a valid escape stands for itself (signs as "%25"), '+' is not
 * a space. The method is signed as given.
 *
 * PE_ERR_INVALID_ARGUMENT: an uninitialised signer; a NULL pointer with a
 * non-zero length; a method that is not an HTTP token; a region or service
 * that is empty, longer than PE_SIGV4_MAX_SCOPE_NAME or holds a byte
 * outside A-Z a-z 0-9 - . _ ~; a time outside 1970..9999; unknown flags;
 * no Host header; a header name that is not a token; a header value with
 * CR, LF or NUL; a header the signer adds itself (X-Amz-Date, and
 * X-Amz-Security-Token / x-amz-content-sha256 when it adds them).
 * PE_ERR_CRYPTO: the hash failed (auth is then wiped).
 */
pe_status_t pe_sigv4_sign(pe_sigv4_signer_t *signer,
                          const pe_sigv4_request_t *req, char *auth,
                          size_t cap, size_t *needed, pe_sigv4_extra_t *extra);

/**
 * Formats seconds since the epoch as an ISO 8601 basic UTC time
 * "YYYYMMDDTHHMMSSZ" (16 chars + NUL). Years 1970..9999 only.
 */
pe_status_t pe_amz_date(int64_t time, char out[17]);

/**
 * Percent-encodes src per RFC 3986 as AWS does: every byte outside
 * A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex); with keep_slash, '/'
 * is left as it is. snprintf-like: writes at most cap bytes including a
 * NUL, *needed gets the encoded length without the NUL (needed may be
 * NULL). Size-only mode: a NULL dst or cap 0 returns
 * PE_ERR_BUFFER_TOO_SMALL with *needed set. A cap below needed + 1 returns
 * PE_ERR_BUFFER_TOO_SMALL too, with dst[0] = '\0' and nothing else written
 * (never a cut string). A NULL src with a non-zero len is
 * PE_ERR_INVALID_ARGUMENT.
 */
pe_status_t pe_uri_encode(const char *src, size_t len, bool keep_slash,
                          char *dst, size_t cap, size_t *needed);

#ifdef __cplusplus
}
#endif
#endif /* PE_SIGV4_H */
