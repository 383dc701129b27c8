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
 * X-Amz-* headers are signed (service "ses"); the Authorization value is
 * the one pe_sigv4_sign() gives the same request.
 *
 * host is the Host header's value ("email.us-east-1.amazonaws.com", or
 * "127.0.0.1:8443" for a non-default port); now is seconds since the epoch.
 * snprintf-like: *needed receives the head's length without the NUL; a
 * NULL buf or a too small cap returns PE_ERR_BUFFER_TOO_SMALL before any
 * hashing, and nothing is written past cap.
 *
 * The request must be as pe_build() writes it, which is what lets this
 * signer skip the general canonicalisation: the target NUL-terminated at
 * target_len; its query (if any) "key=value" pairs with no key repeated or
 * a prefix of another, keys and values holding only A-Z a-z 0-9 - . _ ~
 * and %XX escapes (upper-case hex) of other bytes (the pairs may come in
 * any order); host, content type and session token without leading,
 * trailing or repeated blanks or tabs. A request outside that form is
 * signed differently from pe_sigv4_sign() (the service then answers
 * SignatureDoesNotMatch).
 *
 * PE_ERR_INVALID_ARGUMENT: a NULL pointer (but buf); an empty host; a body
 * without a content type, or a body_len without a body; a target, host or
 * content type holding CR, LF or NUL, or a target with no NUL at
 * target_len; and what pe_sigv4_sign() refuses (an uninitialised signer, a
 * method that is not a token, a bad region, a time outside 1970..9999).
 */
pe_status_t pe_http_signed_head(pe_sigv4_signer_t *signer,
                                const pe_request_t *req, const char *host,
                                const char *region, int64_t now, char *buf,
                                size_t cap, size_t *needed);

/**
 * Reads an HTTP date in the IMF-fixdate form every server sends ("Sun, 06
 * Nov 1994 08:49:37 GMT") as seconds since the epoch. PE_ERR_INVALID_ARGUMENT
 * for any other form or a year before 1970.
 */
pe_status_t pe_http_date_parse(const char *text, int64_t *seconds);

/**
 * An HTTP/1.1 response, parsed incrementally inside one caller buffer.
 *
 * The caller receives bytes straight into the space the parser offers
 * (pe_http_response_space), then reports how many arrived
 * (pe_http_response_received). The parser reads the status line and the
 * headers, NUL-terminates the header values it keeps (so they are C
 * strings inside the buffer), and decodes a chunked body in place, so the
 * buffer only ever holds the head and the decoded body (plus at most one
 * chunk-size line being read). The body is NUL-terminated when complete.
 * Interim 1xx responses are skipped. The parser does no I/O.
 *
 * Every limit is an error, never a truncation: a head or body that does
 * not fit in the buffer returns PE_ERR_BUFFER_TOO_SMALL.
 *
 * Lines may end in CRLF or in a bare LF (lenient, like picohttpparser); a
 * CR anywhere else, or any other control byte but HTAB, is malformed, as
 * are folded (obs-fold) header lines. Transfer-Encoding must be exactly
 * "chunked" (any other coding is malformed); with both chunked and
 * Content-Length, chunked wins and keep_alive is false. A Retry-After that
 * is an HTTP-date rather than delta-seconds leaves retry_after at -1.
 * After an error the response stays failed: space offers nothing and the
 * calls return that error again.
 */
typedef struct {
    /* results, valid once the head is parsed (status != 0) */
    uint16_t status;          /**< HTTP status code */
    uint8_t state_;           /* private: parser state, or the pe_status_t
                                 of a failure */
    uint8_t flags_;           /* private: HTTP/1.0, chunked,
                                 Content-Length, Connection tokens seen */
    const char *request_id;   /**< x-amzn-RequestId value, or NULL */
    const char *error_type;   /**< x-amzn-ErrorType value, or NULL */
    const char *date;         /**< Date value, or NULL */
    int64_t retry_after;      /**< Retry-After in seconds, -1 when absent */
    bool keep_alive;          /**< false: "Connection: close" (or HTTP/1.0) */
    /* result, valid once complete */
    const char *body;         /**< decoded body, NUL-terminated */
    size_t body_len;

    /* private state */
    char *buf_;
    size_t cap_;
    size_t len_;          /* bytes held in buf_ */
    size_t pos_;          /* parse position (start of the unparsed bytes) */
    size_t head_len_;     /* bytes of the head (after the interim ones) */
    size_t body_end_;     /* end of the decoded body so far */
    size_t left_;         /* body bytes left in the current chunk or the
                             Content-Length body (SIZE_MAX: until the
                             close); the status code while the head is
                             read */
    uint64_t length_;     /* the Content-Length, once one was seen */
} pe_http_response_t;

/** Starts a response in buf (cap bytes; the head and the decoded body
 *  plus one byte must fit, and with a chunked body also the line being
 *  read after them: a chunk-size or trailer line). */
void pe_http_response_init(pe_http_response_t *r, char *buf, size_t cap);

/** Where the next received bytes go: *avail bytes at the returned
 *  pointer (all the free bytes; received() reports
 *  PE_ERR_BUFFER_TOO_SMALL as soon as a response cannot fit, including the
 *  body's NUL). *avail 0 means the buffer is full (the response cannot
 *  fit: report it as PE_ERR_BUFFER_TOO_SMALL) or the response failed. */
char *pe_http_response_space(pe_http_response_t *r, size_t *avail);

/**
 * Reports that n bytes were received into the space. Returns PE_OK with
 * *complete telling whether the whole response is in;
 * PE_ERR_MALFORMED_RESPONSE for a bad status line, header or chunk size;
 * PE_ERR_BUFFER_TOO_SMALL when the head or body cannot fit;
 * PE_ERR_INVALID_ARGUMENT when n exceeds the space offered (n 0 changes
 * nothing). Bytes after the end of the response are not allowed (no
 * pipelining): they make the response malformed.
 */
pe_status_t pe_http_response_received(pe_http_response_t *r, size_t n,
                                      bool *complete);

/**
 * The buffer size the whole response needs (head, body and the body's
 * NUL) once its head is parsed and it has a Content-Length; 0 when that is
 * not known (head not parsed yet, chunked, or delimited by the close).
 */
size_t pe_http_response_needed(const pe_http_response_t *r);

/**
 * Reports that the peer closed the connection. A response whose body is
 * delimited by the close (no Content-Length, not chunked) is then
 * complete: PE_OK. A response already complete stays so (PE_OK).
 * Otherwise PE_ERR_CLOSED.
 */
pe_status_t pe_http_response_closed(pe_http_response_t *r);

#ifdef __cplusplus
}
#endif
#endif /* PE_HTTP_H */
