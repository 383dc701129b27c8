/*
 * pe_client.h - one call per operation: connect (or reuse the connection),
 * build, sign, send, read, parse.
 *
 * The client works inside one work buffer the caller gives: the request
 * is built there, then the response is read into the same buffer and the
 * output struct's strings, lists and sub-structures point into it. They
 * stay valid until the next call on the same client, which overwrites
 * them: copy what you pass back in (a NextToken for the next page) into
 * your own buffer first.
 */
#ifndef PE_CLIENT_H
#define PE_CLIENT_H

#include "pe_ops.h"
#include "pe_http.h"
#include "pe_port.h"
#include "pe_sigv4.h"
#include "pe_tls.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Error codes the service answers with, as X(ENUM_SUFFIX, "Base",
 *  "Suffix"): the code's text is Base followed by Suffix ("Exception" or
 *  ""). The ten of this API first, then the common ones. */
#define PE_ERROR_CODES(X)                                                     \
    X(ACCOUNT_SUSPENDED, "AccountSuspended", "Exception")                     \
    X(ALREADY_EXISTS, "AlreadyExists", "Exception")                           \
    X(BAD_REQUEST, "BadRequest", "Exception")                                 \
    X(CONCURRENT_MODIFICATION, "ConcurrentModification", "Exception")         \
    X(LIMIT_EXCEEDED, "LimitExceeded", "Exception")                           \
    X(MAIL_FROM_DOMAIN_NOT_VERIFIED, "MailFromDomainNotVerified", "Exception")\
    X(MESSAGE_REJECTED, "MessageRejected", "")                                \
    X(NOT_FOUND, "NotFound", "Exception")                                     \
    X(SENDING_PAUSED, "SendingPaused", "Exception")                           \
    X(TOO_MANY_REQUESTS, "TooManyRequests", "Exception")                      \
    X(ACCESS_DENIED, "AccessDenied", "Exception")                             \
    X(INCOMPLETE_SIGNATURE, "IncompleteSignature", "")                        \
    X(INTERNAL_FAILURE, "InternalFailure", "")                                \
    X(INVALID_ACTION, "InvalidAction", "")                                    \
    X(INVALID_CLIENT_TOKEN_ID, "InvalidClientTokenId", "")                    \
    X(INVALID_PARAMETER_COMBINATION, "InvalidParameterCombination", "")       \
    X(INVALID_PARAMETER_VALUE, "InvalidParameterValue", "")                   \
    X(INVALID_QUERY_PARAMETER, "InvalidQueryParameter", "")                   \
    X(INVALID_SIGNATURE, "InvalidSignature", "Exception")                     \
    X(MALFORMED_QUERY_STRING, "MalformedQueryString", "")                     \
    X(MISSING_ACTION, "MissingAction", "")                                    \
    X(MISSING_AUTHENTICATION_TOKEN, "MissingAuthenticationToken", "")         \
    X(MISSING_PARAMETER, "MissingParameter", "")                              \
    X(OPT_IN_REQUIRED, "OptInRequired", "")                                   \
    X(REQUEST_EXPIRED, "RequestExpired", "")                                  \
    X(SERVICE_UNAVAILABLE, "ServiceUnavailable", "")                          \
    X(SIGNATURE_DOES_NOT_MATCH, "SignatureDoesNotMatch", "")                  \
    X(THROTTLING, "Throttling", "Exception")                                  \
    X(UNRECOGNIZED_CLIENT, "UnrecognizedClient", "Exception")                 \
    X(VALIDATION_ERROR, "ValidationError", "")

#define PE_EC_ENUM_(id, base, suffix) PE_EC_##id,
typedef enum {
    PE_EC_NONE = 0, /**< no service error */
    PE_EC_UNKNOWN,  /**< a code this client does not know: see code_text */
    PE_ERROR_CODES(PE_EC_ENUM_) PE_EC_COUNT_
} pe_error_code_t;
#undef PE_EC_ENUM_

/** The service's code text of an error code ("NotFoundException"); "" for
 *  PE_EC_NONE, PE_EC_UNKNOWN or a value out of range. */
const char *pe_error_code_name(pe_error_code_t code);

/** What went wrong in a call, beyond its status. */
typedef struct {
    uint16_t http_status;    /**< HTTP status of the response, 0 if none */
    pe_error_code_t code;    /**< PE_EC_NONE unless the service said */
    const char *code_text;   /**< the code as the service sent it, or NULL */
    const char *message;     /**< the service's message, or NULL */
    const char *request_id;  /**< x-amzn-RequestId, or NULL */
    size_t needed;           /**< PE_ERR_BUFFER_TOO_SMALL: work buffer size
                                  that would do (0 if unknown). For an
                                  answer too large to hold, the size that
                                  holds it (known from Content-Length; the
                                  decoder may then ask for more), and
                                  http_status says the request was carried
                                  out (a SendEmail with 200 was sent) */
    pe_diag_t diag;          /**< PE_ERR_INVALID_ARGUMENT: which member */
} pe_error_t;

/** Log levels. PE_LOG_LEVEL, when the library is compiled, drops every
 *  level above it: 0 compiles logging out entirely (the default with
 *  NDEBUG, as in firmware builds); 4 keeps the debug view, which shows the
 *  canonical request and the string to sign of every request (session
 *  token redacted; secrets and keys are never logged). */
#ifndef PE_LOG_LEVEL
#ifdef NDEBUG
#define PE_LOG_LEVEL 0
#else
#define PE_LOG_LEVEL 4
#endif
#endif
typedef enum {
    PE_LOG_ERROR = 1,
    PE_LOG_WARN = 2,
    PE_LOG_INFO = 3,
    PE_LOG_DEBUG = 4
} pe_log_level_t;

/** Receives one line of log (no newline, not NUL-terminated). */
typedef void (*pe_log_fn)(void *ctx, pe_log_level_t level, const char *line,
                          size_t len);

/** Client configuration. Strings are copied or used during init only,
 *  except port, tls and ca, which must outlive the client. */
typedef struct {
    const char *region;            /**< "us-east-1" (required) */
    const char *endpoint_host;     /**< NULL: email.<region>.amazonaws.com */
    uint16_t endpoint_port;        /**< 0: 443 */
    const char *access_key_id;     /**< required */
    const char *secret_access_key; /**< required */
    const char *session_token;     /**< NULL without; referenced, not copied */
    const pe_port_t *port;         /**< the platform (required) */
    pe_tls_t *tls;                 /**< TLS storage (required) */
    const unsigned char *ca;       /**< trusted CA certificates, PEM (with
                                        its NUL counted) or DER (required) */
    size_t ca_len;
    uint32_t connect_timeout_ms;   /**< 0: 10 s */
    uint32_t io_timeout_ms;        /**< handshake, send, each read; 0: 15 s */
    /** Retries: attempts per call (0: 3; 1: never retry), capped
     *  exponential backoff with full jitter (base 0: 100 ms, cap 0: 20 s),
     *  honouring Retry-After. Retried: 429, TooManyRequestsException,
     *  ThrottlingException, 500, 502, 503, 504, and transport failures
     *  before the request was completely sent (not a certificate or TLS
     *  handshake refusal, which would only repeat itself); after that only
     *  requests that may be repeated (not POST), unless
     *  resend_unknown_outcome. */
    uint8_t max_attempts;
    uint32_t retry_base_ms;
    uint32_t retry_cap_ms;
    bool resend_unknown_outcome;
    /** When the device clock is unset (before 2020), take the time from
     *  the service's Date header instead of failing with PE_ERR_NO_CLOCK
     *  (the first request is then refused and signed again). */
    bool learn_time_from_service;
    /** Offer TLS 1.2 only, also where mbedTLS has TLS 1.3. A TLS 1.2
     *  session ticket resumes without any ECDHE exchange, a TLS 1.3 one
     *  repeats it (on a Cortex-M4 about 0.5 M instructions against
     *  19.6 M): the choice for a device that wakes up to send an alert and
     *  keeps its session (pe_client_disconnect). false: the server picks. */
    bool tls12_only;
    /** Optional log sink, and the most detailed level it wants (0: info). */
    pe_log_fn log;
    void *log_ctx;
    pe_log_level_t log_level;
} pe_config_t;

/** Largest clock offset the client accepts from the service's Date when
 *  the device clock is set (a larger one means something else is wrong). */
#ifndef PE_MAX_CLOCK_OFFSET
#define PE_MAX_CLOCK_OFFSET ((int64_t)24 * 3600)
#endif

#ifndef PE_MAX_HOST
#define PE_MAX_HOST 96 /**< longest endpoint host name */
#endif

/** The client; allocate it yourself and treat the members as private. */
typedef struct {
    /* what every call uses first: small offsets, short instructions */
    const pe_port_t *port;
    pe_tls_t *tls;
    char *work;
    size_t work_size;
    uint32_t retry_base_ms;
    uint32_t retry_cap_ms;
    int64_t clock_offset; /* service time minus device time, seconds */
    uint16_t port_number;
    uint8_t max_attempts;
    bool resend_unknown_outcome;
    bool learn_time;
    pe_log_fn log;
    void *log_ctx;
    pe_log_level_t log_level;
    /* per-call state kept here rather than on the stack (firmware stacks
     * are small): the response being read, the request being sent, and
     * the error record of a call made with err == NULL */
    pe_http_response_t resp_;
    pe_request_t req_;
    pe_error_t err_;
    char region[PE_SIGV4_MAX_SCOPE_NAME + 1];
    char host[PE_MAX_HOST + 1];        /* to connect to and verify */
    char host_header[PE_MAX_HOST + 7]; /* host, or host:port */
    pe_sigv4_signer_t signer;
} pe_client_t;

/**
 * Initialises a client: copies the configuration, parses the CA
 * certificates and keeps work (work_size bytes) for every call. Nothing is
 * sent yet. PE_ERR_INVALID_ARGUMENT for a missing or bad setting,
 * PE_ERR_CERT_VERIFY when no CA certificate parses.
 */
pe_status_t pe_client_init(pe_client_t *client, const pe_config_t *config,
                           void *work, size_t work_size);

/** Closes the connection, frees mbedTLS's state and wipes the secrets. */
void pe_client_deinit(pe_client_t *client);

/**
 * Closes the connection now, e.g. before the device sleeps; the next call
 * connects again. keep_session true keeps the TLS session (its ticket) so
 * that handshake is a resumed one (with TLS 1.2 a few hundred thousand
 * instructions instead of tens of millions); false forgets it and wipes
 * its secret, and the next handshake is a full one.
 */
void pe_client_disconnect(pe_client_t *client, bool keep_session);

/**
 * Calls one operation: `input` is the operation's input struct, `output`
 * its output struct (filled with views into the work buffer). err (may be
 * NULL) tells more on failure. Returns PE_OK, PE_ERR_SERVICE (see
 * err->code), a transport status, PE_ERR_INVALID_ARGUMENT (err->diag) or
 * PE_ERR_BUFFER_TOO_SMALL (err->needed).
 */
pe_status_t pe_client_call(pe_client_t *client, const pe_operation_t *op,
                           const void *input, void *output, pe_error_t *err);

/* Typed calls, one per operation, e.g.
 * pe_status_t pe_send_email(pe_client_t *c, const pe_send_email_input_t *in,
 *                           pe_send_email_output_t *out, pe_error_t *err); */
#define PE_TYPED_CALL_(op, in_type, out_type)                                 \
    static inline pe_status_t pe_##op(pe_client_t *c, const in_type *in,      \
                                      out_type *out, pe_error_t *err)         \
    {                                                                         \
        return pe_client_call(c, &pe_op_##op, in, out, err);                  \
    }
PE_OPERATIONS(PE_TYPED_CALL_)
#undef PE_TYPED_CALL_

#ifdef __cplusplus
}
#endif
#endif /* PE_CLIENT_H */
