/*
 * pe_common.h - status codes, optional values and the small types every
 * part of the pinpoint-email API shares.
 *
 * Conventions used throughout the library:
 *  - Every function returns pe_status_t; PE_OK is 0.
 *  - Every function that writes into a caller buffer takes its capacity,
 *    never writes past it, and reports the size it needs (size-only mode:
 *    pass a NULL buffer or capacity 0).
 *  - Optional members are distinguishable from false/0: booleans are
 *    tri-state, numbers carry a `set` flag, strings and sub-structures are
 *    NULL when absent, lists are absent when `items` is NULL.
 */
#ifndef PE_COMMON_H
#define PE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One status type for every call. */
typedef enum {
    PE_OK = 0,
    /** An input member is missing, malformed or out of range. Builders
     *  name the member in their pe_diag_t. */
    PE_ERR_INVALID_ARGUMENT,
    /** A caller buffer is too small; the size needed is reported through
     *  the function's `needed` out-parameter. Nothing was written past the
     *  buffer's capacity. */
    PE_ERR_BUFFER_TOO_SMALL,
    /** A string is not valid UTF-8 (builders name the member). */
    PE_ERR_INVALID_UTF8,
    /** JSON text (CLI input or a response body) is malformed, or does not
     *  match the shape it is decoded into. */
    PE_ERR_JSON,
    /** mbedTLS reported a failure in a hash or base64 primitive. */
    PE_ERR_CRYPTO,
    /** Unknown operation or feature not available in this build. */
    PE_ERR_UNSUPPORTED,
    /* Transport failures (the port, TLS, HTTP): */
    /** The host name did not resolve (port connect). */
    PE_ERR_DNS,
    /** The TCP connection was refused or the host is unreachable. */
    PE_ERR_CONNECT,
    /** The TLS handshake failed for a reason other than the certificate
     *  (no common version or cipher suite, alert, bad record). */
    PE_ERR_TLS_HANDSHAKE,
    /** The server's certificate chain or host name did not verify. The
     *  client never falls back to an unverified connection. */
    PE_ERR_CERT_VERIFY,
    /** Nothing arrived (or could be sent) within the configured timeout. */
    PE_ERR_TIMEOUT,
    /** The connection was closed or reset before the response was whole. */
    PE_ERR_CLOSED,
    /** The response is not HTTP/1.1 this client can read (bad status line,
     *  header or chunk size; a header or body over the buffer's limits is
     *  PE_ERR_BUFFER_TOO_SMALL instead). */
    PE_ERR_MALFORMED_RESPONSE,
    /** The port failed in another way (PE_PORT_IO). */
    PE_ERR_IO,
    /** The service answered with an error: see the call's pe_error_t for
     *  the HTTP status, the error code, the message and the request id. */
    PE_ERR_SERVICE,
    /** The device does not know the time (the port's clock is unset), so
     *  no request can be signed. */
    PE_ERR_NO_CLOCK,
    /** mbedTLS could not allocate: its heap, or the static arena given to
     *  MBEDTLS_MEMORY_BUFFER_ALLOC_C, is too small for the handshake or
     *  the CA certificates. */
    PE_ERR_TLS_NO_MEMORY,
    /** The request went out completely but no answer came back, and it is
     *  not one that may be sent twice (a POST such as SendEmail): it may or
     *  may not have been carried out. Not resent unless the configuration
     *  says so (pe_config_t.resend_unknown_outcome). */
    PE_ERR_OUTCOME_UNKNOWN,
    PE_STATUS_COUNT_ /* not a status; keeps pe_strerror's table honest */
} pe_status_t;

/** A short, constant English description of a status. Never NULL. */
const char *pe_strerror(pe_status_t status);

/** Tri-state boolean for optional members: zero means absent. */
typedef enum { PE_UNSET = 0, PE_FALSE = 1, PE_TRUE = 2 } pe_bool_t;

/** Optional integer: `set` false means absent. */
typedef struct {
    bool set;
    int64_t value;
} pe_opt_int_t;

/** Optional double (responses only: send quotas). */
typedef struct {
    bool set;
    double value;
} pe_opt_double_t;

/** Optional timestamp in whole seconds since the Unix epoch (UTC). */
typedef struct {
    bool set;
    int64_t seconds;
} pe_opt_time_t;

/** Bytes that may hold anything (raw MIME). Absent when data is NULL. */
typedef struct {
    const uint8_t *data;
    size_t len;
} pe_bytes_t;

/** Convenience initialisers: PE_SOME_INT(10), PE_SOME_TIME(1542628800). */
#define PE_SOME_INT(v) { true, (v) }
#define PE_SOME_TIME(v) { true, (v) }
#define PE_BOOL(b) ((b) ? PE_TRUE : PE_FALSE)

/** Deepest nesting of members in any operation's input or output. */
#define PE_DIAG_MAX_DEPTH 8

/**
 * Which member a failing call objected to, and why. The member path is a
 * list of wire member names from the outside in, with an index for list
 * elements (-1 when the step is not a list element).
 */
typedef struct {
    const char *member[PE_DIAG_MAX_DEPTH];
    int32_t index[PE_DIAG_MAX_DEPTH];
    uint8_t depth;
    /** Short constant text: "is required", "is not a valid value", ... */
    const char *reason;
} pe_diag_t;

/**
 * Writes the member path of `diag` as text ("Destination.ToAddresses[2]")
 * into buf (NUL-terminated). *needed receives the length without the NUL.
 * Returns PE_ERR_BUFFER_TOO_SMALL when cap < length + 1.
 */
pe_status_t pe_diag_path(const pe_diag_t *diag, char *buf, size_t cap,
                         size_t *needed);

#ifdef __cplusplus
}
#endif
#endif /* PE_COMMON_H */
