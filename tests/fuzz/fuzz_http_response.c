/*
 * fuzz_http_response.c - libFuzzer target for the incremental HTTP/1.1
 * response parser (include/pe_http.h, lib/http_response.c).
 *
 * Input: [cap][k][k piece sizes][response bytes...]
 *   cap          the parser's buffer is 32 + 32 * cap bytes (32..8192)
 *   k            1 + k % 8 piece sizes follow
 *   piece sizes  the stream is received in pieces of (size + 1) bytes,
 *                cycling through the list; 0xff means "all the space
 *                offered"; a piece never exceeds the space offered
 * The response bytes are received as a client would (space, copy,
 * received), then closed() is called when all bytes are in.
 *
 * Checked: space() stays inside the buffer; received()/closed() return
 * only the documented statuses; a failure is sticky; a complete response
 * has its body inside the buffer, NUL-terminated, a final status in
 * 200..599 and header values NUL-terminated inside the buffer; bytes after
 * a complete response are malformed; and the verdict does not depend on
 * how the stream is split: the same bytes received in one go (as much as
 * the space allows) give the same status, body and headers.
 */
#include "fuzz_common.h"
#include "pe_http.h"

#define MAX_PIECES 8

typedef struct {
    pe_status_t err;   /* PE_OK: complete */
    uint16_t status;
    char *body;        /* copy, malloc'ed */
    size_t body_len;
    char *request_id, *error_type, *date; /* copies or NULL */
    int64_t retry_after;
    bool keep_alive;
} verdict_t;

static char *copy_str(const char *s)
{
    if (!s) {
        return NULL;
    }
    size_t n = strlen(s);
    char *p = (char *)malloc(n + 1);
    if (!p) {
        abort();
    }
    memcpy(p, s, n + 1);
    return p;
}

static void free_verdict(verdict_t *v)
{
    free(v->body);
    free(v->request_id);
    free(v->error_type);
    free(v->date);
}

static void check_header_value(const char *buf, size_t cap, const char *v,
                               const char *what)
{
    if (!v) {
        return;
    }
    FUZZ_CHECK(v >= buf && v < buf + cap, "%s outside the buffer", what);
    FUZZ_CHECK(memchr(v, '\0', (size_t)(buf + cap - v)) != NULL,
               "%s not NUL-terminated inside the buffer", what);
}

/* Invariants of a complete response. */
static void check_complete(const pe_http_response_t *r, const char *buf,
                           size_t cap)
{
    FUZZ_CHECK(r->body != NULL, "complete without a body pointer");
    FUZZ_CHECK(r->body >= buf && r->body < buf + cap, "body outside the buffer");
    FUZZ_CHECK(r->body_len < (size_t)(buf + cap - r->body),
               "body (%zu bytes at %zu) and its NUL do not fit in %zu",
               r->body_len, (size_t)(r->body - buf), cap);
    FUZZ_CHECK(r->body[r->body_len] == '\0', "body not NUL-terminated");
    FUZZ_CHECK(r->status >= 200 && r->status <= 599, "final status %u",
               r->status);
    if (r->status == 204 || r->status == 304) {
        FUZZ_CHECK(r->body_len == 0, "%u with a body", r->status);
    }
    FUZZ_CHECK(r->retry_after >= -1, "retry_after %lld",
               (long long)r->retry_after);
    check_header_value(buf, cap, r->request_id, "request_id");
    check_header_value(buf, cap, r->error_type, "error_type");
    check_header_value(buf, cap, r->date, "date");
}

/* Failure is sticky: nothing offered, the same error again. */
static void check_failed(pe_http_response_t *r, pe_status_t st)
{
    size_t avail = 1;
    bool complete = true;
    (void)pe_http_response_space(r, &avail);
    FUZZ_CHECK(avail == 0, "failed (%d) response offers %zu bytes", (int)st,
               avail);
    FUZZ_CHECK(pe_http_response_received(r, 0, &complete) == st && !complete,
               "received after failure %d", (int)st);
    FUZZ_CHECK(pe_http_response_closed(r) == st, "closed after failure %d",
               (int)st);
}

static void run(const uint8_t *data, size_t len, size_t cap,
                const size_t *pieces, size_t npieces, verdict_t *v)
{
    char *buf = (char *)malloc(cap);
    pe_http_response_t r;
    size_t off = 0, piece_ix = 0;
    bool complete = false;
    pe_status_t st = PE_OK;

    if (!buf) {
        abort();
    }
    memset(v, 0, sizeof *v);
    pe_http_response_init(&r, buf, cap);

    while (off < len) {
        size_t avail = 0, n;
        char *space = pe_http_response_space(&r, &avail);
        if (avail == 0) {
            /* only a complete response with no room left after its NUL */
            FUZZ_CHECK(complete, "nothing offered, not complete, not failed");
            break;
        }
        FUZZ_CHECK(space >= buf && space <= buf + cap &&
                       avail <= (size_t)(buf + cap - space),
                   "space %zu+%zu outside a buffer of %zu",
                   (size_t)(space - buf), avail, cap);
        n = pieces ? pieces[piece_ix++ % npieces] : avail;
        if (n > avail) {
            n = avail;
        }
        if (n > len - off) {
            n = len - off;
        }
        memcpy(space, data + off, n);
        off += n;
        bool was_complete = complete;
        st = pe_http_response_received(&r, n, &complete);
        FUZZ_CHECK(st == PE_OK || st == PE_ERR_MALFORMED_RESPONSE ||
                       st == PE_ERR_BUFFER_TOO_SMALL,
                   "received() returned %d", (int)st);
        if (was_complete) {
            FUZZ_CHECK(st == PE_ERR_MALFORMED_RESPONSE,
                       "bytes after a complete response: %d", (int)st);
        }
        if (st != PE_OK) {
            FUZZ_CHECK(!complete, "complete with an error");
            check_failed(&r, st);
            break;
        }
        if (r.status) {
            FUZZ_CHECK(r.status >= 200 && r.status <= 599, "status %u",
                       r.status);
        }
        if (complete) {
            check_complete(&r, buf, cap);
        }
    }

    if (st == PE_OK && off < len) {
        /* complete, bytes left and no room for them: they are after the
         * end of the response, which received() calls malformed */
        st = PE_ERR_MALFORMED_RESPONSE;
    } else if (st == PE_OK) {
        pe_status_t cst = pe_http_response_closed(&r);
        if (complete) {
            FUZZ_CHECK(cst == PE_OK, "closed() after complete: %d", (int)cst);
        }
        FUZZ_CHECK(cst == PE_OK || cst == PE_ERR_CLOSED ||
                       cst == PE_ERR_BUFFER_TOO_SMALL,
                   "closed() returned %d", (int)cst);
        if (cst == PE_OK) {
            complete = true;
            check_complete(&r, buf, cap);
            FUZZ_CHECK(pe_http_response_closed(&r) == PE_OK, "closed twice");
        } else {
            check_failed(&r, cst);
        }
        st = cst;
    }

    v->err = st;
    if (st == PE_OK) {
        v->status = r.status;
        v->body = (char *)malloc(r.body_len + 1);
        if (!v->body) {
            abort();
        }
        memcpy(v->body, r.body, r.body_len + 1);
        v->body_len = r.body_len;
        v->request_id = copy_str(r.request_id);
        v->error_type = copy_str(r.error_type);
        v->date = copy_str(r.date);
        v->retry_after = r.retry_after;
        v->keep_alive = r.keep_alive;
    }
    free(buf);
}

static int str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pieces[MAX_PIECES], npieces, cap;
    verdict_t split, whole;

    if (size < 2) {
        return 0;
    }
    cap = 32u + 32u * data[0];
    npieces = 1u + data[1] % MAX_PIECES;
    if (size < 2 + npieces) {
        return 0;
    }
    for (size_t i = 0; i < npieces; i++) {
        pieces[i] = data[2 + i] == 0xff ? SIZE_MAX : (size_t)data[2 + i] + 1u;
    }
    data += 2 + npieces;
    size -= 2 + npieces;

    run(data, size, cap, pieces, npieces, &split);
    run(data, size, cap, NULL, 0, &whole);

    FUZZ_LOG("http: cap %zu, %zu pieces: status %d, HTTP %u, body %zu bytes\n",
             cap, npieces, (int)split.err, split.status, split.body_len);
    FUZZ_CHECK(split.err == whole.err,
               "split into pieces: %d, in one go: %d", (int)split.err,
               (int)whole.err);
    if (split.err == PE_OK) {
        FUZZ_CHECK(split.status == whole.status, "status %u vs %u",
                   split.status, whole.status);
        FUZZ_CHECK(split.body_len == whole.body_len &&
                       memcmp(split.body, whole.body, split.body_len) == 0,
                   "bodies differ (%zu vs %zu bytes)", split.body_len,
                   whole.body_len);
        FUZZ_CHECK(str_eq(split.request_id, whole.request_id) &&
                       str_eq(split.error_type, whole.error_type) &&
                       str_eq(split.date, whole.date),
                   "header values differ");
        FUZZ_CHECK(split.retry_after == whole.retry_after &&
                       split.keep_alive == whole.keep_alive,
                   "retry_after/keep_alive differ");
    }
    free_verdict(&split);
    free_verdict(&whole);
    return 0;
}
