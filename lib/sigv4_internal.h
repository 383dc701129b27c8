/*
 * sigv4_internal.h - library-internal entry to the SigV4 signer (not part
 * of the public API, not installed).
 *
 * pe_sigv4_sign() is pe_sigv4_sign_traced() with no trace. With a trace,
 * every byte of the canonical request and of the string to sign is also
 * handed to `fn` in the order it is hashed, in pieces of any size, so a
 * test can compare the exact texts without a second implementation.
 *
 * Once pe_sigv4_sign() got past its argument checks (it returned PE_OK,
 * PE_ERR_BUFFER_TOO_SMALL or PE_ERR_CRYPTO), signer->amz_date holds the
 * request's X-Amz-Date value.
 */
#ifndef PE_SIGV4_INTERNAL_H
#define PE_SIGV4_INTERNAL_H

#include "pe_model.h"
#include "pe_sigv4.h"

/** Which text a trace piece belongs to. */
typedef enum {
    PE_SIGV4_TRACE_CANONICAL_REQUEST = 0,
    PE_SIGV4_TRACE_STRING_TO_SIGN = 1
} pe_sigv4_trace_part_t;

typedef void (*pe_sigv4_trace_fn)(void *ctx, pe_sigv4_trace_part_t part,
                                  const char *data, size_t len);

/** Sets the trace every later signature by this signer streams to (fn
 *  NULL: none; a NULL signer: nothing). pe_sigv4_init() and
 *  pe_sigv4_deinit() clear it. */
void pe_sigv4_set_trace(pe_sigv4_signer_t *signer, pe_sigv4_trace_fn fn,
                        void *fn_ctx);

/** pe_sigv4_sign() that also streams the hashed texts to fn (may be NULL). */
pe_status_t pe_sigv4_sign_traced(pe_sigv4_signer_t *signer,
                                 const pe_sigv4_request_t *req, char *auth,
                                 size_t cap, size_t *needed,
                                 pe_sigv4_extra_t *extra,
                                 pe_sigv4_trace_fn fn, void *fn_ctx);

/* pe_http_signed_head() that also streams the signed texts to trace. */
pe_status_t pe_http_signed_head_traced(pe_sigv4_signer_t *signer,
                                       const pe_request_t *req,
                                       const char *host, const char *region,
                                       int64_t now, char *buf, size_t cap,
                                       size_t *needed, pe_sigv4_trace_fn trace,
                                       void *trace_ctx);

#endif /* PE_SIGV4_INTERNAL_H */
