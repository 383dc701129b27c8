/*
 * pe_http.h - HTTP/1.1 on the wire for this API.
 */
#ifndef PE_HTTP_H
#define PE_HTTP_H

#include "pe_model.h"
#include "pe_sigv4.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Signing service name of this API (WIRE-NOTES: not "email"). */
#define PE_SIGNING_SERVICE "ses"

/**
 * Signs a built request and writes its HTTP/1.1 head (request line,
 * headers, empty line) into buf, NUL-terminated; the body (req->body) is
 * sent after it unchanged. Headers, in this order: Host, X-Amz-Date,
 * X-Amz-Security-Token (with a session token), Content-Type and
 * Content-Length (with a body), Authorization. Host, Content-Type and the
 * X-Amz-* headers are signed (service "ses").
 *
 * host is the Host header's value ("email.us-east-1.amazonaws.com", or
 * "127.0.0.1:8443" for a non-default port); now is seconds since the epoch.
 * snprintf-like: *needed receives the head's length without the NUL; a
 * NULL buf or a too small cap returns PE_ERR_BUFFER_TOO_SMALL before any
 * hashing, and nothing is written past cap.
 */
pe_status_t pe_http_signed_head(pe_sigv4_signer_t *signer,
                                const pe_request_t *req, const char *host,
                                const char *region, int64_t now, char *buf,
                                size_t cap, size_t *needed);

#ifdef __cplusplus
}
#endif
#endif /* PE_HTTP_H */
