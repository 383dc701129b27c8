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

#define DEFAULT_ATTEMPTS 3u
#define DEFAULT_RETRY_BASE_MS 100u
#define DEFAULT_RETRY_CAP_MS 20000u

/* The codes' texts from 2 up, one after the other, each with its NUL
 * (one table for matching and for pe_error_code_name). */
#define PE_EC_NAME_(id, base, suffix) base suffix "\0"
static const char code_names[] = PE_ERROR_CODES(PE_EC_NAME_);
#undef PE_EC_NAME_

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

pe_status_t pe_client_init(pe_client_t *c, const pe_config_t *cfg, void *work,
                           size_t work_size)
{
    pe_json_writer_t w; /* a counting buffer */
    size_t n;
    pe_status_t st;
    if (!c || !cfg || !work || work_size == 0 || !cfg->region ||
        !cfg->port || !cfg->tls || !cfg->ca) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    memset(c, 0, sizeof *c);
    n = strlen(cfg->region);
    if (n == 0 || n >= sizeof c->region) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    memcpy(c->region, cfg->region, n);
    /* host_header: the host, then ":port" unless 443; host: the host */
    pe_jw_init(&w, c->host_header, sizeof c->host_header);
    if (cfg->endpoint_host) {
        pe_jw_put(&w, cfg->endpoint_host, strlen(cfg->endpoint_host));
    } else {
        pe_jw_put(&w, "email.", 6);
        pe_jw_put(&w, c->region, n);
        pe_jw_put(&w, ".amazonaws.com", 14);
    }
    n = w.len;
    if (n == 0 || n >= sizeof c->host) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    memcpy(c->host, c->host_header, n);
    if (strpbrk(c->host, " \t\r\n/:@")) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    c->port_number = cfg->endpoint_port ? cfg->endpoint_port : 443u;
    if (c->port_number != 443u) {
        char num[20];
        pe_jw_put(&w, ":", 1);
        pe_jw_put(&w, num, pe_fmt_i64(num, c->port_number));
    }
    st = pe_sigv4_init(&c->signer, cfg->access_key_id, cfg->secret_access_key,
                       cfg->session_token);
    if (st != PE_OK) {
        return st;
    }
    st = pe_tls_init(cfg->tls, cfg, &c->clock_offset);
    if (st != PE_OK) {
        pe_sigv4_deinit(&c->signer);
        return st;
    }
    c->port = cfg->port;
    c->tls = cfg->tls;
    c->work = (char *)work;
    c->work_size = work_size;
    c->max_attempts = cfg->max_attempts ? cfg->max_attempts : DEFAULT_ATTEMPTS;
    c->retry_base_ms = cfg->retry_base_ms ? cfg->retry_base_ms : DEFAULT_RETRY_BASE_MS;
    c->retry_cap_ms = cfg->retry_cap_ms ? cfg->retry_cap_ms : DEFAULT_RETRY_CAP_MS;
    c->resend_unknown_outcome = cfg->resend_unknown_outcome;
    c->learn_time = cfg->learn_time_from_service;
#if PE_LOG_LEVEL > 0
    c->log = cfg->log;
    c->log_ctx = cfg->log_ctx;
    c->log_level = cfg->log_level ? cfg->log_level : PE_LOG_INFO;
#endif
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

/* The response's views are const; the bytes are the client's work buffer,
 * which the client may change in place. */
static char *in_work(pe_client_t *c, const char *view)
{
    return c->work + (view - c->work);
}

/* The code of a code text; PE_EC_UNKNOWN when none has it. */
static pe_error_code_t code_of(const char *text)
{
    const char *p = code_names;
    for (unsigned i = 2; *p; i++, p += strlen(p) + 1) {
        if (strcmp(p, text) == 0) {
            return (pe_error_code_t)i;
        }
    }
    return PE_EC_UNKNOWN;
}

const char *pe_error_code_name(pe_error_code_t code)
{
    const char *p = code_names;
    if ((unsigned)code - 2u >= (unsigned)PE_EC_COUNT_ - 2u) {
        return "";
    }
    for (unsigned i = 2; i < (unsigned)code; i++) {
        p += strlen(p) + 1;
    }
    return p;
}

/* Decodes the body that follows the response's head in the work buffer
 * (its arena after the body's NUL) into out. */
static pe_status_t decode_body(pe_client_t *c, const pe_shape_t *shape,
                               void *out, size_t *used, size_t *needed,
                               pe_diag_t *diag)
{
    const pe_http_response_t *resp = &c->resp_;
    *used = (size_t)(resp->body - c->work) + resp->body_len + 1;
    return pe_json_decode(shape, in_work(c, resp->body), resp->body_len, out,
                          c->work + *used, c->work_size - *used, needed, diag);
}

/* Fills err from an error response; views into the work buffer. */
static void parse_error(pe_client_t *c, pe_error_t *err)
{
    const pe_http_response_t *resp = &c->resp_;
    pe_error_body_t body;
    const char *code;
    size_t used, needed;
    memset(&body, 0, sizeof body);
    if (resp->body_len > 0 && decode_body(c, &pe_error_body_shape, &body,
                                          &used, &needed, NULL) != PE_OK) {
        memset(&body, 0, sizeof body); /* not JSON: keep what headers say */
    }
    /* "NotFoundException:http://internal.amazon.com/...",
     * "com.amazonaws.email#NotFoundException" or a bare code */
    code = resp->error_type ? resp->error_type : body.type ? body.type : body.code;
    err->code = PE_EC_UNKNOWN;
    if (code) {
        char *t = in_work(c, code), *hash;
        t[strcspn(t, ":")] = '\0';
        hash = strrchr(t, '#');
        t = hash ? hash + 1 : t;
        if (*t) {
            err->code_text = t;
            err->code = code_of(t);
        }
    }
    err->message = body.message ? body.message : body.message_upper;
}

/* Moves the n bytes that follow the m bytes at p in front of them, in
 * pieces of at most `room` bytes through tmp. */
static void rotate(char *p, size_t m, size_t n, char *tmp, size_t room)
{
    while (n > 0) {
        size_t k = n < room ? n : room;
        memcpy(tmp, p + m, k);
        memmove(p + k, p, m);
        memcpy(p, tmp, k);
        p += k;
        n -= k;
    }
}

/* Builds, signs, sends and reads one exchange; *sent: the whole request
 * was handed to TLS. */
static pe_status_t exchange(pe_client_t *c, const pe_operation_t *op,
                            const void *input, int64_t now, pe_error_t *err,
                            bool *sent)
{
    pe_request_t *req = &c->req_;
    pe_http_response_t *resp = &c->resp_;
    size_t req_len, head_len = 0, got;
    char *out = NULL;
    pe_status_t built, st;

    /* the request, then its signed head right after it */
    built = pe_build(op, input, c->work, c->work_size, &req_len, req,
                     &err->diag);
    if (built == PE_ERR_BUFFER_TOO_SMALL) {
        /* The builder writes the target first and as much as fits: when
         * its NUL made it in, the head's size follows from the target and
         * the body's length (sized without hashing), and so the need. */
        size_t scan = req_len < c->work_size ? req_len : c->work_size;
        const char *nul = (const char *)memchr(c->work, '\0', scan);
        if (!nul) {
            return built; /* the need is unknown */
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
    } else if (built != PE_OK) {
        return built;
    } else {
        out = c->work + req_len;
    }
#if PE_LOG_LEVEL >= 4 /* PE_LOG_DEBUG */
    if (out && LOGGING(c, PE_LOG_DEBUG)) {
        trace_t trace = {c, PE_SIGV4_TRACE_CANONICAL_REQUEST, {0}, 0, false};
        st = pe_http_signed_head_traced(&c->signer, req, c->host_header,
                                        c->region, now, out,
                                        c->work_size - req_len, &head_len,
                                        trace_piece, &trace);
        if (trace.len) {
            trace_flush(&trace);
        }
    } else
#endif
    {
        st = pe_http_signed_head(&c->signer, req, c->host_header, c->region,
                                 now, out, out ? c->work_size - req_len : 0,
                                 &head_len);
    }
    if (st == PE_ERR_BUFFER_TOO_SMALL) {
        err->needed = req_len + head_len + 1;
    }
    if (built != PE_OK) {
        return built;
    }
    if (st != PE_OK) {
        return st;
    }
    /* [target NUL body NUL head NUL] becomes [target NUL head body NUL
     * NUL]: head and body go out together, in one TLS record. The
     * response record, unused until the answer is read, lends the room. */
    if (req->body) {
        out = in_work(c, req->body);
        rotate(out, req_len - (size_t)(out - c->work), head_len,
               (char *)resp, sizeof *resp);
    }

    if (!pe_tls_alive(c->tls)) {
        LOG(c, PE_LOG_INFO, "connecting to ", c->host_header, NULL, NULL);
        st = pe_tls_connect(c->tls, c->host, c->port_number);
        if (st != PE_OK) {
            LOG(c, PE_LOG_ERROR, "connection failed: ", pe_strerror(st), NULL,
                NULL);
            return st;
        }
        LOG(c, PE_LOG_INFO, "connected: ", pe_tls_version(c->tls), NULL, NULL);
    }
    st = pe_tls_send(c->tls, out, head_len + req->body_len);
    if (st != PE_OK) {
        return st;
    }
    *sent = true;

    /* the response, into the work buffer (the parser keeps room) */
    pe_http_response_init(resp, c->work, c->work_size);
    do {
        st = pe_tls_recv(c->tls, resp->buf_ + resp->len_,
                         resp->cap_ - resp->len_, &got);
        if (st != PE_OK) {
            return st; /* closed by TLS */
        }
        st = pe_http_response_step(resp, got); /* 0: the peer closed */
    } while (st == PE_OK && !resp->body);
    if (st != PE_OK || !resp->keep_alive) {
        pe_tls_close(c->tls); /* any rest of the response is unread */
    }
    if (st == PE_ERR_BUFFER_TOO_SMALL) {
        /* the service answered (http_status, when its head was read) and
         * the answer does not fit: what would hold it, when known */
        err->http_status = resp->status;
        err->needed = pe_http_response_needed(resp);
    }
    return st;
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

/* Takes the service's time from the response's Date header; false when
 * there is none or the offset is beyond belief for a set clock. */
static bool learn_offset(pe_client_t *c, int64_t device_now)
{
    int64_t server, offset;
    if (!c->resp_.date || pe_http_date_parse(c->resp_.date, &server) != PE_OK) {
        return false;
    }
    offset = server - device_now;
    if (device_now >= PE_MIN_PLAUSIBLE_TIME &&
        (uint64_t)offset + (uint64_t)PE_MAX_CLOCK_OFFSET >
            2u * (uint64_t)PE_MAX_CLOCK_OFFSET) {
        return false;
    }
    c->clock_offset = offset;
    return true;
}

/* Capped exponential backoff with full jitter, or Retry-After when the
 * service names a wait (within the cap). */
static void back_off(pe_client_t *c, unsigned attempt, int64_t retry_after)
{
    uint32_t cap = c->retry_cap_ms, ceiling = c->retry_base_ms, r = 0, delay;
    while (--attempt && ceiling < cap) {
        ceiling = ceiling > cap / 2u ? cap : ceiling * 2u;
    }
    if (ceiling > cap) {
        ceiling = cap;
    }
    if (c->port->random(c->port->ctx, (uint8_t *)&r, sizeof r) != PE_OK) {
        r = ceiling / 2u;
    }
    delay = ceiling == UINT32_MAX ? r : r % (ceiling + 1u);
    if (retry_after >= 0) {
        delay = retry_after <= (int64_t)(cap / 1000u)
                    ? (uint32_t)retry_after * 1000u
                    : cap;
    }
    c->port->sleep_ms(c->port->ctx, delay); /* full jitter may draw 0 */
}

/* Statuses no further attempt would change: a peer that refuses our TLS
 * (certificate, no common version or suite) refuses it again. */
#define FINAL_STATUSES                                                        \
    (1u << PE_ERR_CERT_VERIFY | 1u << PE_ERR_TLS_HANDSHAKE |                  \
     1u << PE_ERR_TLS_NO_MEMORY | 1u << PE_ERR_INVALID_ARGUMENT |             \
     1u << PE_ERR_INVALID_UTF8 | 1u << PE_ERR_BUFFER_TOO_SMALL |              \
     1u << PE_ERR_UNSUPPORTED | 1u << PE_ERR_CRYPTO)
typedef char pe_statuses_fit_a_word[(PE_STATUS_COUNT_ <= 32) ? 1 : -1];

/* HTTP statuses worth another attempt: 429, 500, 502, 503, 504. */
#define RETRY_5XX (1u << 0 | 1u << 2 | 1u << 3 | 1u << 4)

pe_status_t pe_client_call(pe_client_t *c, const pe_operation_t *op,
                           const void *input, void *output, pe_error_t *err)
{
    const pe_http_response_t *resp;
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
        bool sent = false;
        memset(err, 0, sizeof *err);
        memset(output, 0, op->output->size);
        if (device_now < PE_MIN_PLAUSIBLE_TIME && !c->learn_time) {
            return PE_ERR_NO_CLOCK;
        }
        st = exchange(c, op, input, device_now + c->clock_offset, err, &sent);
        if (st == PE_OK) {
            unsigned http = resp->status;
            err->http_status = resp->status;
            err->request_id = resp->request_id;
#if PE_LOG_LEVEL > 0
            char n1[21];
            LOG(c, PE_LOG_INFO, op->name, ": HTTP ", decimal(n1, http),
                resp->request_id ? "" : " (no request id)");
#endif
            if (http - 200u <= 99u) {
                size_t used, needed = 0;
                if (resp->body_len == 0 || op->output->count == 0) {
                    return PE_OK;
                }
                st = decode_body(c, op->output, output, &used, &needed,
                                 &err->diag);
                if (st == PE_ERR_BUFFER_TOO_SMALL) {
                    err->needed = used + needed;
                }
                return st == PE_ERR_JSON ? PE_ERR_MALFORMED_RESPONSE : st;
            }
            parse_error(c, err);
            if (err->code == PE_EC_INVALID_SIGNATURE ||
                err->code == PE_EC_SIGNATURE_DOES_NOT_MATCH) {
                LOG(c, PE_LOG_ERROR, "the service refused the signature: ",
                    err->message,
                    " (compare with the canonical request and string to "
                    "sign at debug level)",
                    NULL);
            }
            /* a refused clock: take the service's and sign again, once */
            if (!clock_retried && clock_refused(err) &&
                learn_offset(c, device_now)) {
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
            retry_after = resp->retry_after;
            if (http != 429u && (http - 500u > 4u || !(RETRY_5XX >> (http - 500u) & 1u)) &&
                err->code != PE_EC_TOO_MANY_REQUESTS &&
                err->code != PE_EC_THROTTLING) {
                attempt = c->max_attempts; /* not worth another attempt */
            }
        } else if ((FINAL_STATUSES >> st) & 1u) {
            return st;
        } else if (sent && !repeatable) {
            /* it went out and no answer came: it may have been done */
            return PE_ERR_OUTCOME_UNKNOWN;
        }
        if (attempt >= c->max_attempts) {
            LOG(c, PE_LOG_ERROR, op->name, " failed: ", pe_strerror(st), NULL);
            return st;
        }
        LOG(c, PE_LOG_WARN, op->name, " failed (", pe_strerror(st),
            "); trying again");
        back_off(c, attempt, retry_after);
    }
}
