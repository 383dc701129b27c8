/*
 * client.c - one call: build, sign, (re)connect, send, read, parse, map
 * errors. Everything happens inside the caller's work buffer.
 */
#include "pe_client.h"
#include "pe_http.h"
#include "pe_internal.h"
#include "pe_tls_internal.h"
#include "sigv4_internal.h"

#include <stddef.h>
#include <string.h>

#define DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define DEFAULT_IO_TIMEOUT_MS 15000u
#define DEFAULT_ATTEMPTS 3u
#define DEFAULT_RETRY_BASE_MS 100u
#define DEFAULT_RETRY_CAP_MS 20000u

/* The names of codes 2 and up, one after the other, each with its NUL. */
#define PE_EC_NAME_(id, text) text "\0"
static const char error_code_names[] = PE_ERROR_CODES(PE_EC_NAME_);
#undef PE_EC_NAME_

const char *pe_error_code_name(pe_error_code_t code)
{
    const char *p = error_code_names;
    if ((unsigned)code - 2u >= (unsigned)PE_EC_COUNT_ - 2u) {
        return "";
    }
    for (unsigned i = 2; i < (unsigned)code; i++) {
        p += strlen(p) + 1;
    }
    return p;
}

/* ---------------------------------------------------------------- log */

#if PE_LOG_LEVEL > 0
#define LOGGING(c, lvl) ((lvl) <= PE_LOG_LEVEL && (c)->log && (lvl) <= (c)->log_level)

/* One log line from up to four pieces (NULL pieces are skipped; a line
 * longer than the buffer ends with "..."). */
static void say(const pe_client_t *c, pe_log_level_t level, const char *a,
                const char *b, const char *d, const char *e)
{
    const char *parts[4] = {a, b, d, e};
    char line[320];
    pe_json_writer_t w; /* a counting buffer */
    pe_jw_init(&w, line, sizeof line);
    for (unsigned i = 0; i < 4; i++) {
        if (parts[i]) {
            pe_jw_put(&w, parts[i], strlen(parts[i]));
        }
    }
    if (w.len > sizeof line) {
        /* a log line, not a C string: no NUL wanted */
        memcpy(line + sizeof line - 3, "...", 3); /* NOLINT(bugprone-not-null-terminated-result) */
        w.len = sizeof line;
    }
    c->log(c->log_ctx, level, line, w.len);
}

static const char *decimal(char buf[21], int64_t v)
{
    buf[pe_fmt_i64(buf, v)] = '\0';
    return buf;
}

#define LOG(c, lvl, a, b, d, e)                                               \
    do {                                                                      \
        if (LOGGING(c, lvl)) {                                                \
            say(c, lvl, a, b, d, e);                                          \
        }                                                                     \
    } while (0)

#endif

#if PE_LOG_LEVEL >= 4 /* PE_LOG_DEBUG */
/* The debug view of the signature: the canonical request and the string
 * to sign, line by line, as they are hashed. The session token is the one
 * secret in them: its value is replaced. */
typedef struct {
    const pe_client_t *c;
    pe_sigv4_trace_part_t part;
    char line[160];
    size_t len;
    bool redacting; /* the rest of this line is the token */
} trace_t;

static void trace_flush(trace_t *t)
{
    static const char *const names[] = {"canonical request | ",
                                        "string to sign | "};
    char out[200];
    pe_json_writer_t w;
    pe_jw_init(&w, out, sizeof out);
    pe_jw_put(&w, names[t->part], strlen(names[t->part]));
    pe_jw_put(&w, t->line, t->len);
    t->c->log(t->c->log_ctx, PE_LOG_DEBUG, out, w.len < w.cap ? w.len : w.cap);
    t->len = 0;
}

static void trace_piece(void *ctx, pe_sigv4_trace_part_t part,
                        const char *data, size_t len)
{
    static const char token[] = "x-amz-security-token:";
    trace_t *t = (trace_t *)ctx;
    if (part != t->part) {
        trace_flush(t);
        t->part = part;
        t->redacting = false;
    }
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n') {
            trace_flush(t);
            t->redacting = false;
            continue;
        }
        if (t->redacting) {
            continue;
        }
        if (t->len == sizeof t->line) {
            trace_flush(t);
        }
        t->line[t->len++] = data[i];
        if (t->len == sizeof token - 1 && memcmp(t->line, token, t->len) == 0) {
            memcpy(t->line + t->len, "<redacted>", 10);
            t->len += 10;
            t->redacting = true;
        }
    }
}
#endif

#if PE_LOG_LEVEL <= 0
#define LOG(c, lvl, a, b, d, e) ((void)0)
#endif

static const pe_member_t error_body_members[] = {
    {"__type", offsetof(pe_error_body_t, type), PE_T_STRING, 0, NULL},
    {"code", offsetof(pe_error_body_t, code), PE_T_STRING, 0, NULL},
    {"message", offsetof(pe_error_body_t, message), PE_T_STRING, 0, NULL},
    {"Message", offsetof(pe_error_body_t, message_upper), PE_T_STRING, 0, NULL},
};
const pe_shape_t pe_error_body_shape = {error_body_members, 4,
                                        sizeof(pe_error_body_t)};

static bool copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) {
        return false;
    }
    memcpy(dst, src, n + 1);
    return true;
}

pe_status_t pe_client_init(pe_client_t *c, const pe_config_t *cfg, void *work,
                           size_t work_size)
{
    pe_status_t st;
    if (!c || !cfg || !work || work_size == 0 || !cfg->region ||
        !cfg->port || !cfg->tls || !cfg->ca) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    memset(c, 0, sizeof *c);
    if (!copy_str(c->region, sizeof c->region, cfg->region) ||
        c->region[0] == '\0') {
        return PE_ERR_INVALID_ARGUMENT;
    }
    if (cfg->endpoint_host) {
        if (!copy_str(c->host, sizeof c->host, cfg->endpoint_host)) {
            return PE_ERR_INVALID_ARGUMENT;
        }
    } else {
        pe_json_writer_t w; /* a counting buffer */
        pe_jw_init(&w, c->host, sizeof c->host);
        pe_jw_put(&w, "email.", 6);
        pe_jw_put(&w, c->region, strlen(c->region));
        pe_jw_put(&w, ".amazonaws.com", 15); /* with its NUL */
        if (w.len > w.cap) {
            return PE_ERR_INVALID_ARGUMENT;
        }
    }
    if (c->host[0] == '\0' || strpbrk(c->host, " \t\r\n/:@")) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    c->port_number = cfg->endpoint_port ? cfg->endpoint_port : 443u;
    {
        pe_json_writer_t w;
        pe_jw_init(&w, c->host_header, sizeof c->host_header);
        pe_jw_put(&w, c->host, strlen(c->host));
        if (c->port_number != 443u) {
            char num[20];
            pe_jw_put(&w, ":", 1);
            pe_jw_put(&w, num, pe_fmt_i64(num, c->port_number));
        }
        pe_jw_put(&w, "", 1);
    }
    st = pe_sigv4_init(&c->signer, cfg->access_key_id, cfg->secret_access_key,
                       cfg->session_token);
    if (st != PE_OK) {
        return st;
    }
    st = pe_tls_init(cfg->tls, cfg->port, cfg->ca, cfg->ca_len, cfg->tls12_only);
    if (st != PE_OK) {
        pe_sigv4_deinit(&c->signer);
        return st;
    }
    c->port = cfg->port;
    c->tls = cfg->tls;
    c->work = (char *)work;
    c->work_size = work_size;
    c->connect_timeout_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms
                                                    : DEFAULT_CONNECT_TIMEOUT_MS;
    c->io_timeout_ms =
        cfg->io_timeout_ms ? cfg->io_timeout_ms : DEFAULT_IO_TIMEOUT_MS;
    c->max_attempts = cfg->max_attempts ? cfg->max_attempts : DEFAULT_ATTEMPTS;
    c->retry_base_ms = cfg->retry_base_ms ? cfg->retry_base_ms : DEFAULT_RETRY_BASE_MS;
    c->retry_cap_ms = cfg->retry_cap_ms ? cfg->retry_cap_ms : DEFAULT_RETRY_CAP_MS;
    c->resend_unknown_outcome = cfg->resend_unknown_outcome;
    c->learn_time = cfg->learn_time_from_service;
    c->log = cfg->log;
    c->log_ctx = cfg->log_ctx;
    c->log_level = cfg->log_level ? cfg->log_level : PE_LOG_INFO;
    return PE_OK;
}

void pe_client_deinit(pe_client_t *c)
{
    if (!c) {
        return;
    }
    if (c->tls) {
        pe_tls_free(c->tls);
    }
    pe_sigv4_deinit(&c->signer);
    memset(c, 0, sizeof *c);
}

void pe_client_disconnect(pe_client_t *c, bool keep_session)
{
    if (!c || !c->tls) {
        return;
    }
    pe_tls_close(c->tls);
    if (!keep_session) {
        pe_tls_forget_session(c->tls);
    }
}

/* Reads one response into the work buffer. *got_any tells whether any
 * byte of it arrived. */
static pe_status_t read_response(pe_client_t *c, pe_http_response_t *resp,
                                 bool *got_any)
{
    bool complete = false;
    pe_http_response_init(resp, c->work, c->work_size);
    *got_any = false;
    while (!complete) {
        size_t avail, got;
        char *space = pe_http_response_space(resp, &avail);
        pe_status_t st;
        if (avail == 0) {
            pe_tls_close(c->tls); /* the rest of the response is unread */
            return PE_ERR_BUFFER_TOO_SMALL;
        }
        st = pe_tls_recv(c->tls, space, avail, &got, c->io_timeout_ms);
        if (st != PE_OK) {
            return st;
        }
        if (got == 0) {
            return pe_http_response_closed(resp);
        }
        *got_any = true;
        st = pe_http_response_received(resp, got, &complete);
        if (st != PE_OK) {
            pe_tls_close(c->tls);
            return st;
        }
    }
    if (!resp->keep_alive) {
        pe_tls_close(c->tls);
    }
    return PE_OK;
}

static pe_error_code_t code_of(const char *text)
{
    const char *p = error_code_names;
    for (unsigned i = 2; i < (unsigned)PE_EC_COUNT_; i++) {
        if (strcmp(p, text) == 0) {
            return (pe_error_code_t)i;
        }
        p += strlen(p) + 1;
    }
    return PE_EC_UNKNOWN;
}

/* The response's views are const; the bytes are the client's work buffer,
 * which the client may change in place. */
static char *in_work(pe_client_t *c, const char *view)
{
    return c->work + (view - c->work);
}

/* Bytes of the work buffer the response uses (its body NUL included);
 * the decoder's arena follows. */
static size_t response_end(const pe_client_t *c, const pe_http_response_t *resp)
{
    return (size_t)(resp->body - c->work) + resp->body_len + 1;
}

/* Fills err from an error response; views into the work buffer. */
static void parse_error(pe_client_t *c, const pe_http_response_t *resp,
                        pe_error_t *err)
{
    pe_error_body_t body;
    char *code = NULL;
    size_t needed, end = response_end(c, resp);
    memset(&body, 0, sizeof body);
    if (resp->body_len > 0 &&
        pe_json_decode(&pe_error_body_shape, in_work(c, resp->body),
                       resp->body_len, &body, c->work + end, c->work_size - end,
                       &needed, NULL) != PE_OK) {
        memset(&body, 0, sizeof body); /* not JSON: keep what headers say */
    }
    if (resp->error_type) {
        /* "NotFoundException:http://internal.amazon.com/..." */
        code = in_work(c, resp->error_type);
        code[strcspn(code, ":")] = '\0';
    } else if (body.type || body.code) {
        /* "com.amazonaws.email#NotFoundException" or a bare code */
        const char *t = body.type ? body.type : body.code;
        const char *hash = strrchr(t, '#');
        code = in_work(c, hash ? hash + 1 : t);
        code[strcspn(code, ":")] = '\0';
    }
    if (code && code[0]) {
        err->code_text = code;
        err->code = code_of(code);
    } else {
        err->code = PE_EC_UNKNOWN;
    }
    err->message = body.message ? body.message : body.message_upper;
}

/* What one attempt at an exchange went through. */
typedef struct {
    bool reused;   /* an already open connection carried it */
    bool sent;     /* the whole request was handed to TLS */
    bool got_any;  /* some byte of a response arrived */
} attempt_t;

/* The work buffer a request needs with its signed head, when pe_build
 * found the buffer too small for the req_len bytes of target, NUL, body
 * and NUL. The builder writes the target first and as much as fits, so
 * the target can be read back when its NUL made it into the buffer; the
 * head's length then follows from the target and the body's length (the
 * signer sizes the Authorization value without hashing). 0 when the
 * target itself does not fit (unknown). */
static size_t request_needed(pe_client_t *c, const pe_operation_t *op,
                             size_t req_len, int64_t now)
{
    size_t scan = req_len < c->work_size ? req_len : c->work_size;
    const char *nul = (const char *)memchr(c->work, '\0', scan);
    pe_request_t *req = &c->req_; /* pe_build left it unset */
    size_t head_len;
    if (!nul) {
        return 0;
    }
    memset(req, 0, sizeof *req);
    req->method = op->method;
    req->target = c->work;
    req->target_len = (size_t)(nul - c->work);
    if (req_len > req->target_len + 1u) {
        req->body = nul; /* never read: only its length counts */
        req->body_len = req_len - req->target_len - 2u;
        req->content_type = "application/json";
    }
    if (pe_http_signed_head(&c->signer, req, c->host_header, c->region, now,
                            NULL, 0, &head_len) != PE_ERR_BUFFER_TOO_SMALL) {
        return 0;
    }
    return req_len + head_len + 1u;
}

/* Swaps the n bytes at a with the n bytes at b (the two do not overlap),
 * a word at a time. */
static void swap_bytes(char *a, char *b, size_t n)
{
    size_t i = 0;
    for (; n - i >= sizeof(size_t); i += sizeof(size_t)) {
        size_t x, y;
        memcpy(&x, a + i, sizeof x);
        memcpy(&y, b + i, sizeof y);
        memcpy(a + i, &y, sizeof y);
        memcpy(b + i, &x, sizeof x);
    }
    for (; i < n; i++) {
        char t = a[i];
        a[i] = b[i];
        b[i] = t;
    }
}

/* Turns the m bytes at p followed by n bytes into those n bytes followed
 * by the m, in place (block swaps: every byte moves about once). */
static void rotate(char *p, size_t m, size_t n)
{
    while (m > 0 && n > 0) {
        if (m <= n) {
            /* A B1 B2 with |B2| = m: B2 B1 A, then B2 B1 into B1 B2 */
            swap_bytes(p, p + n, m);
            n -= m;
        } else {
            /* A1 A2 B with |A1| = n: B A2 A1, then A2 A1 into A1 A2 */
            swap_bytes(p, p + m, n);
            p += n;
            m -= n;
        }
    }
}

/* Builds, signs, sends and reads one exchange. */
static pe_status_t exchange(pe_client_t *c, const pe_operation_t *op,
                            const void *input, int64_t now,
                            pe_http_response_t *resp, pe_error_t *err,
                            attempt_t *at)
{
    pe_request_t *req = &c->req_;
    size_t req_len, head_len;
    char *out;
    pe_status_t st;

    memset(at, 0, sizeof *at);
    /* the request, then its signed head right after it */
    st = pe_build(op, input, c->work, c->work_size, &req_len, req, &err->diag);
    if (st == PE_ERR_BUFFER_TOO_SMALL) {
        err->needed = request_needed(c, op, req_len, now);
    }
    if (st != PE_OK) {
        return st;
    }
#if PE_LOG_LEVEL >= 4 /* PE_LOG_DEBUG */
    if (LOGGING(c, PE_LOG_DEBUG)) {
        trace_t trace = {c, PE_SIGV4_TRACE_CANONICAL_REQUEST, {0}, 0, false};
        st = pe_http_signed_head_traced(&c->signer, req, c->host_header,
                                        c->region, now, c->work + req_len,
                                        c->work_size - req_len, &head_len,
                                        trace_piece, &trace);
        if (trace.len) {
            trace_flush(&trace);
        }
    } else
#endif
    {
        st = pe_http_signed_head(&c->signer, req, c->host_header, c->region,
                                 now, c->work + req_len,
                                 c->work_size - req_len, &head_len);
    }
    if (st == PE_ERR_BUFFER_TOO_SMALL) {
        err->needed = req_len + head_len + 1;
    }
    if (st != PE_OK) {
        return st;
    }
    /* [target NUL body NUL head NUL] becomes [target NUL head body NUL
     * NUL]: head and body go out together, in one TLS record */
    out = c->work + req_len;
    if (req->body) {
        out = in_work(c, req->body);
        rotate(out, req_len - (size_t)(out - c->work), head_len);
    }

    at->reused = pe_tls_alive(c->tls);
    if (!at->reused) {
        LOG(c, PE_LOG_INFO, "connecting to ", c->host_header, NULL, NULL);
        st = pe_tls_connect(c->tls, c->host, c->port_number,
                            c->connect_timeout_ms, c->io_timeout_ms,
                            c->clock_offset);
        if (st != PE_OK) {
            LOG(c, PE_LOG_ERROR, "connection failed: ", pe_strerror(st), NULL,
                NULL);
        } else {
            LOG(c, PE_LOG_INFO, "connected: ", pe_tls_version(c->tls), NULL,
                NULL);
        }
    }
    if (st == PE_OK) {
        st = pe_tls_send(c->tls, out, head_len + req->body_len,
                         c->io_timeout_ms);
    }
    if (st != PE_OK) {
        return st;
    }
    at->sent = true;
    st = read_response(c, resp, &at->got_any);
    if (st == PE_ERR_BUFFER_TOO_SMALL) {
        /* the service answered (http_status, when its head was read) and
         * the answer does not fit: what would hold it, when known */
        err->http_status = resp->status;
        err->needed = pe_http_response_needed(resp);
    }
    return st;
}

/* Whether a service error is worth another attempt. */
static bool retryable(uint16_t http_status, pe_error_code_t code)
{
    return http_status == 429 || http_status == 500 || http_status == 502 ||
           http_status == 503 || http_status == 504 ||
           code == PE_EC_TOO_MANY_REQUESTS || code == PE_EC_THROTTLING;
}

/* Whether the service refused the request's time (expired or skewed). */
static bool clock_refused(const pe_error_t *err)
{
    const char *m = err->message;
    if (err->code == PE_EC_REQUEST_EXPIRED ||
        (err->code_text && strcmp(err->code_text, "RequestTimeTooSkewed") == 0)) {
        return true;
    }
    return (err->code == PE_EC_INVALID_SIGNATURE ||
            err->code == PE_EC_SIGNATURE_DOES_NOT_MATCH) &&
           m && strstr(m, "Signature expired") != NULL;
}

/* Capped exponential backoff with full jitter, or Retry-After when the
 * service names a wait (within the cap). */
static void back_off(pe_client_t *c, unsigned attempt, int64_t retry_after)
{
    uint32_t ceiling = c->retry_base_ms, r = 0, delay;
    for (unsigned i = 1; i < attempt && ceiling < c->retry_cap_ms; i++) {
        ceiling = ceiling > c->retry_cap_ms / 2u ? c->retry_cap_ms : ceiling * 2u;
    }
    if (ceiling > c->retry_cap_ms) {
        ceiling = c->retry_cap_ms;
    }
    if (c->port->random(c->port->ctx, (uint8_t *)&r, sizeof r) != PE_OK) {
        r = ceiling / 2u;
    }
    delay = r % (ceiling + 1u);
    if (retry_after >= 0) {
        delay = retry_after <= (int64_t)(c->retry_cap_ms / 1000u)
                    ? (uint32_t)retry_after * 1000u
                    : c->retry_cap_ms;
    }
    c->port->sleep_ms(c->port->ctx, delay); /* full jitter may draw 0 */
}

/* Takes the service's time from the response's Date header; false when
 * there is none or the offset is beyond belief for a set clock. */
static bool learn_offset(pe_client_t *c, const pe_http_response_t *resp,
                         int64_t device_now)
{
    int64_t server, offset;
    if (!resp->date || pe_http_date_parse(resp->date, &server) != PE_OK) {
        return false;
    }
    offset = server - device_now;
    if (device_now >= PE_MIN_PLAUSIBLE_TIME &&
        (offset > PE_MAX_CLOCK_OFFSET || offset < -PE_MAX_CLOCK_OFFSET)) {
        return false;
    }
    c->clock_offset = offset;
    return true;
}

/* Decodes a 2xx body into the output struct. */
static pe_status_t parse_output(pe_client_t *c, const pe_operation_t *op,
                                const pe_http_response_t *resp, void *output,
                                pe_error_t *err)
{
    size_t used = response_end(c, resp), needed = 0;
    pe_status_t st;
    if (resp->body_len == 0 || op->output->count == 0) {
        return PE_OK;
    }
    st = pe_json_decode(op->output, in_work(c, resp->body),
                        resp->body_len, output, c->work + used,
                        c->work_size - used, &needed, &err->diag);
    if (st == PE_ERR_BUFFER_TOO_SMALL) {
        err->needed = used + needed;
    } else if (st == PE_ERR_JSON) {
        st = PE_ERR_MALFORMED_RESPONSE;
    }
    return st;
}

pe_status_t pe_client_call(pe_client_t *c, const pe_operation_t *op,
                           const void *input, void *output, pe_error_t *err)
{
    pe_http_response_t *resp;
    attempt_t at;
    pe_status_t st;
    bool clock_retried = false;
    bool repeatable;

    if (!c || !c->work || !op || !input || !output) {
        if (err) {
            memset(err, 0, sizeof *err);
        }
        return PE_ERR_INVALID_ARGUMENT;
    }
    if (!err) {
        err = &c->err_;
    }
    resp = &c->resp_;
    repeatable = strcmp(op->method, "POST") != 0 || c->resend_unknown_outcome;
    for (unsigned attempt = 1;; attempt++) {
        int64_t device_now = c->port->time_utc(c->port->ctx);
        int64_t retry_after = -1; /* seconds the service asked to wait */
        bool again;
        memset(err, 0, sizeof *err);
        memset(output, 0, op->output->size);
        if (device_now < PE_MIN_PLAUSIBLE_TIME && !c->learn_time) {
            return PE_ERR_NO_CLOCK;
        }
        st = exchange(c, op, input, device_now + c->clock_offset, resp, err,
                      &at);
        if (st == PE_OK) {
            err->http_status = resp->status;
            err->request_id = resp->request_id;
#if PE_LOG_LEVEL > 0
            char n1[21];
            LOG(c, PE_LOG_INFO, op->name, ": HTTP ", decimal(n1, resp->status),
                resp->request_id ? "" : " (no request id)");
#endif
            if (resp->status >= 200 && resp->status <= 299) {
                return parse_output(c, op, resp, output, err);
            }
            parse_error(c, resp, err);
            /* a refused clock: take the service's and sign again, once */
            if (err->code == PE_EC_INVALID_SIGNATURE ||
                err->code == PE_EC_SIGNATURE_DOES_NOT_MATCH) {
                LOG(c, PE_LOG_ERROR, "the service refused the signature: ",
                    err->message,
                    " (compare with the canonical request and string to "
                    "sign at debug level)",
                    NULL);
            }
            if (clock_refused(err) && !clock_retried &&
                learn_offset(c, resp, device_now)) {
#if PE_LOG_LEVEL > 0
                char n2[21];
                LOG(c, PE_LOG_WARN, "clock offset taken from the service: ",
                    decimal(n2, c->clock_offset), " s", NULL);
#endif
                clock_retried = true;
                attempt--; /* not a failure of the service */
                continue;
            }
            st = PE_ERR_SERVICE;
            again = retryable(resp->status, err->code);
            retry_after = resp->retry_after;
        } else if (st == PE_ERR_CERT_VERIFY || st == PE_ERR_TLS_HANDSHAKE ||
                   st == PE_ERR_TLS_NO_MEMORY || st == PE_ERR_INVALID_ARGUMENT ||
                   st == PE_ERR_INVALID_UTF8 || st == PE_ERR_BUFFER_TOO_SMALL ||
                   st == PE_ERR_UNSUPPORTED || st == PE_ERR_CRYPTO) {
            /* no attempt will do better: a peer that refuses our TLS (no
             * common version or suite) refuses it again */
            return st;
        } else if (!at.sent || repeatable) {
            again = true;
        } else {
            /* it went out and no answer came: it may have been done */
            return PE_ERR_OUTCOME_UNKNOWN;
        }
        if (!again || attempt >= c->max_attempts) {
            LOG(c, PE_LOG_ERROR, op->name, " failed: ", pe_strerror(st), NULL);
            return st;
        }
        LOG(c, PE_LOG_WARN, op->name, " failed (", pe_strerror(st),
            "); trying again");
        back_off(c, attempt, retry_after);
    }
}
