/*
 * test_http_parser.c - the incremental HTTP/1.1 response parser: realistic
 * responses fed whole, split at every byte and byte by byte; malformed
 * responses; limits, with every buffer ending at a guard page.
 */
#include "pe_http.h"
#include "pe_test.h"
#include "support/guard.h"

#include <stdbool.h>
#include <string.h>

#define GUARD_ROOM 8192u
#define BIG 4096u

static pe_guard_t guard;

/* A response and what parsing it must give. */
typedef struct {
    const char *name;
    const char *text;
    bool close;   /* the peer closes after the text */
    uint16_t status;
    const char *request_id, *error_type, *date;
    int64_t retry_after;
    bool keep_alive;
    const char *body;
} case_t;

#define JSON_200 "{\"MessageId\":\"0100017c-5d4e-4a1b-9d3e-000000000000\"}"
#define JSON_404                                                               \
    "{\"message\":\"Configuration set <transactional> does not exist.\"}"
#define JSON_429 "{\"message\":\"Maximum sending rate exceeded.\"}"
#define RID "5b0c6c4e-1f0e-4d2a-9a3b-7c2d1e0f9a8b"
#define DATE "Thu, 26 Nov 2026 13:00:54 GMT"
#define NOT_FOUND                                                              \
    "NotFoundException:http://internal.amazon.com/coral/com.amazonaws.sesv2/"

static const case_t cases[] = {
    {"200 json",
     "HTTP/1.1 200 OK\r\n"
     "Date: " DATE "\r\n"
     "Content-Type: application/json\r\n"
     "Content-Length: 52\r\n"
     "x-amzn-RequestId: " RID "\r\n"
     "Connection: keep-alive\r\n"
     "\r\n" JSON_200,
     false, 200, RID, NULL, DATE, -1, true, JSON_200},
    {"404 NotFoundException",
     "HTTP/1.1 404 Not Found\r\n"
     "Date: " DATE "\r\n"
     "Content-Type: application/json\r\n"
     "Content-Length: 63\r\n"
     "x-amzn-RequestId: " RID "\r\n"
     "x-amzn-ErrorType: " NOT_FOUND "\r\n"
     "\r\n" JSON_404,
     false, 404, RID, NOT_FOUND, DATE, -1, true, JSON_404},
    {"429 Retry-After",
     "HTTP/1.1 429 Too Many Requests\r\n"
     "X-AMZN-REQUESTID:" RID "  \r\n"
     "x-amzn-errortype:\tTooManyRequestsException\r\n"
     "Retry-After: 3\r\n"
     "content-length: 44\r\n"
     "\r\n" JSON_429,
     false, 429, RID, "TooManyRequestsException", NULL, 3, true, JSON_429},
    {"chunked, extensions and trailers",
     "HTTP/1.1 200 OK\r\n"
     "Transfer-Encoding: chunked\r\n"
     "x-amzn-RequestId: " RID "\r\n"
     "\r\n"
     "e;name=value\r\n{\"MessageId\":\"\r\n"
     "1A ; a=\"q;x\";b\r\n0100017c-5d4e-4a1b-9d3e-00\r\n"
     "A\r\n0000000000\r\n"
     "2\r\n\"}\r\n"
     "0;last\r\n"
     "x-amzn-checksum: 1234\r\n"
     "Server-Timing: total;dur=1\r\n"
     "\r\n",
     false, 200, RID, NULL, NULL, -1, true, JSON_200},
    {"100 Continue then 200",
     "HTTP/1.1 100 Continue\r\n"
     "x-amzn-RequestId: interim\r\n"
     "Retry-After: 9\r\n"
     "\r\n"
     "HTTP/1.1 103 Early Hints\r\n\r\n"
     "HTTP/1.1 200 OK\r\n"
     "x-amzn-RequestId: " RID "\r\n"
     "Content-Length: 52\r\n"
     "\r\n" JSON_200,
     false, 200, RID, NULL, NULL, -1, true, JSON_200},
    {"Connection: close",
     "HTTP/1.1 200 OK\r\n"
     "Connection: Upgrade, Close\r\n"
     "Content-Length: 2\r\n"
     "\r\n{}",
     false, 200, NULL, NULL, NULL, -1, false, "{}"},
    {"HTTP/1.0 ended by close",
     "HTTP/1.0 200 OK\r\n"
     "Date: " DATE "\r\n"
     "\r\n" JSON_200,
     true, 200, NULL, NULL, DATE, -1, false, JSON_200},
    {"204 no body",
     "HTTP/1.1 204 No Content\r\n"
     "x-amzn-RequestId: " RID "\r\n"
     "Content-Length: 7\r\n"
     "\r\n",
     false, 204, RID, NULL, NULL, -1, true, ""},
    {"304 no body",
     "HTTP/1.1 304 Not Modified\r\n\r\n",
     false, 304, NULL, NULL, NULL, -1, true, ""},
    {"HTTP/1.0 keep-alive",
     "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}",
     false, 200, NULL, NULL, NULL, -1, true, "{}"},
    {"chunked wins over Content-Length",
     "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n"
     "Transfer-Encoding: CHUNKED\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
     false, 200, NULL, NULL, NULL, -1, false, "{}"},
    {"HTTP/1.0 chunked: framing not trusted for reuse",
     "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
     "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
     false, 200, NULL, NULL, NULL, -1, false, "{}"},
    {"bare LF line endings",
     "HTTP/1.1 200 OK\nDate: " DATE "\nTransfer-Encoding: chunked\n\n"
     "2\n{}\n0\n\n",
     false, 200, NULL, NULL, DATE, -1, true, "{}"},
    {"empty reason, empty value, same Content-Length twice",
     "HTTP/1.1 500 \r\nx-amzn-ErrorType:\r\nContent-Length: 2\r\n"
     "Content-Length: 2\r\nRetry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n"
     "\r\n{}",
     false, 500, NULL, "", NULL, -1, true, "{}"},
    {"no reason phrase, empty body ended by close",
     "HTTP/1.1 503\r\n\r\n",
     true, 503, NULL, NULL, NULL, -1, false, ""},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* Feeds text through space()/received() like a receive loop: a first
 * piece of `first` bytes, then pieces of `step` bytes, each cut to the
 * space offered (none offered: buffer too small); then closes when
 * `close`. */
static pe_status_t feed(pe_http_response_t *r, const char *text, size_t len,
                        size_t first, size_t step, bool close, bool *complete)
{
    size_t off = 0, piece = first;
    pe_status_t st;

    *complete = false;
    do {
        size_t avail, n = piece < len - off ? piece : len - off;
        char *p = pe_http_response_space(r, &avail);
        if (n > avail) {
            n = avail;
        }
        if (n == 0 && off < len && piece != 0) {
            return PE_ERR_BUFFER_TOO_SMALL;
        }
        if (n) {
            memcpy(p, text + off, n);
        }
        st = pe_http_response_received(r, n, complete);
        if (st != PE_OK) {
            return st;
        }
        off += n;
        piece = step;
    } while (off < len);
    if (close) {
        st = pe_http_response_closed(r);
        *complete = st == PE_OK;
    }
    return st;
}

/* feed() into a fresh response in a buffer of cap bytes ending at the
 * guard page; a write in front of the buffer is a failed check. */
static pe_status_t feed_guarded(pe_http_response_t *r, size_t cap,
                                const char *text, size_t len, size_t first,
                                size_t step, bool close, bool *complete)
{
    char *buf = pe_guard_buf(&guard, cap);
    pe_status_t st;

    pe_http_response_init(r, buf, cap);
    st = feed(r, text, len, first, step, close, complete);
    CHECK(pe_guard_front_intact(&guard, buf), "wrote in front of the buffer");
    return st;
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Parses c->text in a buffer of cap bytes ending at the guard page;
 * true when everything matches (details printed otherwise). */
static bool run_case(const case_t *c, size_t cap, size_t first, size_t step,
                     pe_status_t *status)
{
    pe_http_response_t r;
    size_t blen = strlen(c->body);
    bool complete = false, ok;

    *status = feed_guarded(&r, cap, c->text, strlen(c->text), first, step,
                           c->close, &complete);
    ok = *status == PE_OK && complete && r.status == c->status &&
         same_str(r.request_id, c->request_id) &&
         same_str(r.error_type, c->error_type) && same_str(r.date, c->date) &&
         r.retry_after == c->retry_after && r.keep_alive == c->keep_alive &&
         r.body && r.body_len == blen && memcmp(r.body, c->body, blen) == 0 &&
         r.body[blen] == '\0';
    if (!ok && *status == PE_OK) {
        printf("%s (cap %zu, first %zu, step %zu): complete %d status %u "
               "id [%s] type [%s] date [%s] retry %lld keep %d body [%.*s]\n",
               c->name, cap, first, step, complete, r.status,
               r.request_id ? r.request_id : "(null)",
               r.error_type ? r.error_type : "(null)",
               r.date ? r.date : "(null)", (long long)r.retry_after,
               r.keep_alive, r.body ? (int)r.body_len : 6,
               r.body ? r.body : "(null)");
    }
    return ok;
}

/* Each realistic response whole, split in two at every byte, and byte by
 * byte. */
static void test_cases(void)
{
    for (size_t i = 0; i < NCASES; i++) {
        const case_t *c = &cases[i];
        size_t len = strlen(c->text), bad = 0;
        pe_status_t st;

        CHECK(run_case(c, BIG, len, len, &st), "%s whole: %d", c->name, st);
        for (size_t k = 0; k <= len; k++) {
            if (!run_case(c, BIG, k, len, &st)) {
                printf("%s: split at %zu: %d\n", c->name, k, st);
                bad++;
            }
        }
        CHECK(bad == 0, "%s: %zu splits differ", c->name, bad);
        CHECK(run_case(c, BIG, 1, 1, &st), "%s bytewise: %d", c->name, st);
    }
}

/* Every capacity up to the exact need: smaller ones fail cleanly with
 * PE_ERR_BUFFER_TOO_SMALL; the response stays in the buffer, so the need
 * is its length + 1 (the body's NUL), less when it is chunked (decoded in
 * place) or has interim heads (dropped). */
static void test_capacities(void)
{
    for (size_t i = 0; i < NCASES; i++) {
        const case_t *c = &cases[i];
        size_t len = strlen(c->text), need = 0, bad = 0;
        bool squeezed = strstr(c->text, "chunked") || strstr(c->text, "CHUNKED")
                        || strstr(c->text, " 100 ");
        pe_status_t st;

        /* byte by byte, then as much as the space offered takes */
        for (size_t step = 1; step <= len; step += len - 1) {
            need = 0;
            for (size_t cap = 0; cap <= len + 1; cap++) {
                bool ok = run_case(c, cap, step, step, &st);
                if (!ok && st != PE_ERR_BUFFER_TOO_SMALL) {
                    printf("%s cap %zu step %zu: status %d\n", c->name, cap,
                           step, st);
                    bad++;
                }
                if (ok && need == 0) {
                    need = cap;
                }
                if (!ok && need != 0) {
                    printf("%s cap %zu step %zu: fails above need %zu\n",
                           c->name, cap, step, need);
                    bad++;
                }
            }
            CHECK(bad == 0 && need != 0,
                  "%s step %zu: capacities (%zu bad, need %zu)", c->name, step,
                  bad, need);
            CHECK(squeezed ? need < len + 1 : need == len + 1,
                  "%s step %zu: need %zu, length %zu", c->name, step, need,
                  len);
        }
    }
}

/* Parses text (closing after it when `close`) whole, split at every byte
 * and byte by byte in a BIG buffer at the guard page: each must give
 * `expected`. */
static void expect_status(const char *text, bool close, pe_status_t expected)
{
    size_t len = strlen(text), bad = 0;
    for (size_t k = 0; k <= len + 1; k++) {
        pe_http_response_t r;
        bool complete;
        size_t first = k <= len ? k : 1, step = k <= len ? len : 1;
        pe_status_t st = feed_guarded(&r, BIG, text, len, first, step, close,
                                      &complete);
        if (st != expected || (st == PE_OK) != complete) {
            printf("first %zu step %zu: status %d, complete %d\n", first, step,
                   st, complete);
            bad++;
        }
    }
    CHECK(bad == 0, "expected %d for [%s]", expected, text);
}

#define HEAD_TE "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

static void test_malformed(void)
{
    static const char *const bad[] = {
        /* chunk sizes */
        HEAD_TE "zz\r\nhello\r\n0\r\n\r\n",
        HEAD_TE "ffffffffffffffffff\r\nx\r\n0\r\n\r\n",
        HEAD_TE "10000000000000000\r\nx\r\n0\r\n\r\n",
        HEAD_TE "-5\r\nhello\r\n0\r\n\r\n",
        HEAD_TE "0x5\r\nhello\r\n0\r\n\r\n",
        HEAD_TE "\r\nhello\r\n0\r\n\r\n",
        HEAD_TE "5 x\r\nhello\r\n0\r\n\r\n",
        HEAD_TE "5\r\nhelloX\r\n0\r\n\r\n",
        HEAD_TE "5\r\nhello0\r\n\r\n",
        HEAD_TE "5\r\nhello\r\r\n0\r\n\r\n",
        /* status lines */
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.2 200 OK\r\n\r\n",
        "http/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1  200 OK\r\n\r\n",
        "HTTP/1.1 099 Low\r\n\r\n",
        "HTTP/1.1 600 High\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "garbage\r\n\r\n",
        "\r\n",
        "HTTP/1.1 200 O\rK\r\n\r\n",
        /* headers */
        "HTTP/1.1 200 OK\r\nNo colon here\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: a\r\n folded\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\tX-A: a\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: empty name\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nDate: a\001b\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nDate: a\177b\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX\377: a\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        "HTTP/1.1 200 OK\r\nContent-Length: 2a\r\n\r\n{}",
        "HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\n{}",
        "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n{}",
        "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\n{}",
        "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n{}",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n{}",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        /* bytes after the response */
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}X",
        "HTTP/1.1 204 No Content\r\n\r\nX",
        HEAD_TE "2\r\n{}\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
        "Content-Length: 0\r\n\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_status(bad[i], false, PE_ERR_MALFORMED_RESPONSE);
    }
}

static void test_closed(void)
{
    /* A body delimited by the close completes; cut short, it does not. */
    expect_status("HTTP/1.1 200 OK\r\n\r\n{}", true, PE_OK);
    expect_status("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n{}", true,
                  PE_ERR_CLOSED);
    expect_status("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", true,
                  PE_ERR_CLOSED);
    expect_status("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", true,
                  PE_OK);
    expect_status(HEAD_TE "2\r\n{}\r\n", true, PE_ERR_CLOSED);
    expect_status(HEAD_TE "2\r\n{}\r\n0\r\n", true, PE_ERR_CLOSED);
    expect_status("HTTP/1.1 100 Continue\r\n\r\n", true, PE_ERR_CLOSED);
    expect_status("", true, PE_ERR_CLOSED);
}

/* Heads and bodies larger than the buffer: PE_ERR_BUFFER_TOO_SMALL, at
 * once where the size is known, with no write outside the buffer. */
static void test_too_small(void)
{
    enum { CAP = 200 };
    static char text[3 * CAP];
    static const char *const heads[] = {
        /* body known too large from the head */
        "HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n",
        HEAD_TE "fffffffffffffff\r\n",
        HEAD_TE "a0\r\n",
        /* found out as the bytes arrive */
        HEAD_TE "40\r\n",
        "HTTP/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-Long: ",
        HEAD_TE "1",
        HEAD_TE "0\r\nX-Trailer: ",
    };
    pe_http_response_t r;
    bool complete;
    pe_status_t st;

    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        size_t hl = strlen(heads[i]), bad = 0;
        memcpy(text, heads[i], hl);
        memset(text + hl, 'a', sizeof text - 1 - hl);
        text[sizeof text - 1] = '\0';
        for (size_t j = hl; i == 4 && j + 70 < sizeof text; j += 70) {
            /* chunks of 0x40 that fit one by one, not together */
            memcpy(text + j + 64, "\r\n40\r\n", 6);
        }
        for (size_t step = 1; step <= sizeof text; step *= 7) {
            st = feed_guarded(&r, CAP, text, sizeof text - 1, step, step,
                              false, &complete);
            if (st != PE_ERR_BUFFER_TOO_SMALL) {
                printf("step %zu: status %d\n", step, st);
                bad++;
            }
        }
        CHECK(bad == 0, "too small: [%s]", heads[i]);
        if (i < 4) {
            /* known at the end of the head (or the chunk-size line) */
            st = feed_guarded(&r, CAP, heads[i], hl, hl, hl, false, &complete);
            CHECK(st == PE_ERR_BUFFER_TOO_SMALL, "too small at once: [%s]: %d",
                  heads[i], st);
        }
        /* the size that holds it: known with a Content-Length that fits a
         * size_t, else 0 */
        size_t want = pe_http_response_needed(&r);
        if (i == 0) {
            CHECK(want == hl + 200 + 1, "needed %zu, expected %zu", want,
                  hl + 201);
        } else {
            CHECK(want == 0 || (i == 1 && want == hl + 9223372036854775807u + 1u),
                  "needed %zu for [%s]", want, heads[i]);
        }
    }

    /* and that size does hold it */
    {
        static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n";
        size_t hl = sizeof head - 1;
        memcpy(text, head, hl);
        memset(text + hl, 'b', 200);
        st = feed_guarded(&r, hl + 201, text, hl + 200, 17, 17, false, &complete);
        CHECK(st == PE_OK && complete && r.body_len == 200,
              "a buffer of pe_http_response_needed() bytes: %d", st);
        CHECK(pe_http_response_needed(&r) == hl + 201, "needed once complete: %zu",
              pe_http_response_needed(&r));
        pe_http_response_init(&r, text, sizeof text);
        CHECK(pe_http_response_needed(&r) == 0, "needed before the head: %zu",
              pe_http_response_needed(&r));
    }
}

static void test_api(void)
{
    char buf[64];
    pe_http_response_t r;
    size_t avail;
    bool complete = true;
    char *p;
    const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";

    pe_http_response_init(&r, buf, sizeof buf);
    p = pe_http_response_space(&r, &avail);
    CHECK(p == buf && avail == sizeof buf, "space: %zu", avail);
    CHECK_EQ_INT(pe_http_response_received(&r, sizeof buf + 1, &complete),
                 PE_ERR_INVALID_ARGUMENT);
    CHECK(!complete, "complete cleared");
    CHECK_EQ_INT(pe_http_response_received(&r, 0, &complete), PE_OK);
    CHECK(!complete && r.status == 0 && r.retry_after == -1, "n 0");
    CHECK_EQ_INT(pe_http_response_received(&r, 1, NULL),
                 PE_ERR_INVALID_ARGUMENT);

    /* results only once the head is parsed */
    memcpy(buf, ok, 20);
    CHECK_EQ_INT(pe_http_response_received(&r, 20, &complete), PE_OK);
    CHECK(!complete && r.status == 0, "status 0 before the head's end");
    p = pe_http_response_space(&r, &avail);
    CHECK(p == buf + 20 && avail == sizeof buf - 20, "space after 20");
    memcpy(p, ok + 20, strlen(ok) - 20);
    CHECK_EQ_INT(pe_http_response_received(&r, strlen(ok) - 20, &complete),
                 PE_OK);
    CHECK(complete && r.status == 200 && r.body_len == 2, "complete");
    CHECK_EQ_STR(r.body, "{}");
    CHECK_EQ_INT(pe_http_response_received(&r, 0, &complete), PE_OK);
    CHECK(complete, "n 0 after complete");
    CHECK_EQ_INT(pe_http_response_closed(&r), PE_OK);
    /* more bytes: malformed, and the failure sticks */
    p = pe_http_response_space(&r, &avail);
    CHECK(p == buf + strlen(ok) + 1 && avail == sizeof buf - strlen(ok) - 1,
          "space after complete: %zu", avail);
    CHECK_EQ_STR(r.body, "{}");
    *p = 'X';
    CHECK_EQ_INT(pe_http_response_received(&r, 1, &complete),
                 PE_ERR_MALFORMED_RESPONSE);
    CHECK(!complete, "not complete after failure");
    CHECK_EQ_INT(pe_http_response_received(&r, 0, &complete),
                 PE_ERR_MALFORMED_RESPONSE);
    CHECK_EQ_INT(pe_http_response_closed(&r), PE_ERR_MALFORMED_RESPONSE);
    pe_http_response_space(&r, &avail);
    CHECK_EQ_INT(avail, 0);

    /* the buffer filled before the head's end: too small at once */
    pe_http_response_init(&r, buf, 16);
    memcpy(buf, ok, 16);
    CHECK_EQ_INT(pe_http_response_received(&r, 16, &complete),
                 PE_ERR_BUFFER_TOO_SMALL);
    pe_http_response_space(&r, &avail);
    CHECK_EQ_INT(avail, 0);

    /* a closed, incomplete response stays failed */
    pe_http_response_init(&r, buf, sizeof buf);
    CHECK_EQ_INT(pe_http_response_closed(&r), PE_ERR_CLOSED);
    CHECK_EQ_INT(pe_http_response_received(&r, 0, &complete), PE_ERR_CLOSED);

    /* no buffer */
    pe_http_response_init(&r, NULL, 16);
    pe_http_response_space(&r, &avail);
    CHECK_EQ_INT(avail, 0);
    CHECK_EQ_INT(pe_http_response_received(&r, 1, &complete),
                 PE_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(pe_http_response_received(&r, 0, &complete), PE_OK);
}

int main(void)
{
    if (!pe_guard_init(&guard, GUARD_ROOM)) {
        printf("guard page: mmap failed\n");
        return 1;
    }
    test_cases();
    test_capacities();
    test_malformed();
    test_closed();
    test_too_small();
    test_api();
    pe_guard_free(&guard);
    return pe_test_summary();
}
