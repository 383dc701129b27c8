/*
 * test_sign_head.c - the signed head (pe_http_signed_head, whose signer
 * canonicalises only what pe_build writes) against the general signer
 * (pe_sigv4_sign).
 *
 * 1. Every valid case of the builder cases file (tests/gen_builder_cases.py;
 *    default build/gen/builder_cases.txt, or argv[1]) is built with
 *    pe_build and signed both ways for several hosts, regions, times and
 *    credentials (with and without a session token): the Authorization
 *    values, the canonical requests and the strings to sign must be
 *    byte-identical, and the head must be exactly the documented one.
 *    Each built request is also checked for what the head's signer relies
 *    on: the target is NUL-terminated with no CR, LF or NUL in it; the path
 *    holds unreserved bytes, '/' and %XX escapes (upper-case) of other
 *    bytes only; the query is key=value pairs of the operation's query
 *    members, each key once and none a prefix of another, values in the
 *    same canonical form; a body comes with "application/json".
 * 2. The operation tables: no query member name is a prefix of another's.
 * 3. Hand-made requests in the builder's form (unsorted and empty queries,
 *    empty bodies, tokens) give the same values both ways; what the head
 *    refuses (PE_ERR_INVALID_ARGUMENT), and its buffer contract.
 * Run from the repository root.
 */
#include "pe_ops.h"
#include "pe_test.h"
#include "sigv4_internal.h"
#include "pe_http.h"
#include "support/ref_email.h"
#include "support/sigv4_trace.h"
#include "support/cases_file.h"

#include <stdint.h>
#include <stdlib.h>

#define DEFAULT_CASES "build/gen/builder_cases.txt"
#define ARENA_SIZE (384u * 1024u)
#define BIG 16384

typedef union {
    long double ld;
    void *p;
    int64_t i;
    unsigned char b[8192];
} aligned_store_t;

static aligned_store_t input_store;
static union {
    long double ld;
    void *p;
    int64_t i;
    unsigned char b[ARENA_SIZE];
} arena;

/* ------------------------------------------------------------ helpers */

static trace_t trace_head, trace_general;

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

static int upper_hex(char c)
{
    const char *digits = "0123456789ABCDEF";
    const char *p = c ? strchr(digits, c) : NULL;
    return p ? (int)(p - digits) : -1;
}

/* Whether s[0..len) is in canonical form: unreserved bytes and %XX
 * escapes (upper-case hex) of the other bytes; with slash, '/' too. */
static bool canonical_form(const char *s, size_t len, bool slash)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi, lo;
            if (len - i < 3 || (hi = upper_hex(s[i + 1])) < 0 ||
                (lo = upper_hex(s[i + 2])) < 0 ||
                unreserved((unsigned char)(hi * 16 + lo))) {
                return false;
            }
            i += 2;
        } else if (!unreserved(c) && !(slash && c == '/')) {
            return false;
        }
    }
    return true;
}

static bool is_query_member(const pe_operation_t *op, const char *key,
                            size_t len)
{
    for (uint16_t i = 0; i < op->input->count; i++) {
        const pe_member_t *m = &op->input->members[i];
        if ((m->flags & PE_M_QUERY) && strlen(m->name) == len &&
            memcmp(m->name, key, len) == 0) {
            return true;
        }
    }
    return false;
}

static unsigned unsorted_queries, queries_checked;

/* What the head's signer relies on, checked on one built request. */
static void check_guarantees(const char *name, const pe_operation_t *op,
                             const pe_request_t *req)
{
    const char *t = req->target;
    const char *q = memchr(t, '?', req->target_len);
    size_t path_len = q ? (size_t)(q - t) : req->target_len;
    CHECK(t[req->target_len] == '\0' && strlen(t) == req->target_len &&
              strpbrk(t, "\r\n") == NULL,
          "%s: target not one NUL-terminated line", name);
    CHECK(path_len > 0 && t[0] == '/' && canonical_form(t, path_len, true),
          "%s: path [%.*s] not in canonical form", name, (int)path_len, t);
    CHECK(strcmp(req->method, op->method) == 0, "%s: method", name);
    CHECK(req->body ? req->content_type &&
                          strcmp(req->content_type, "application/json") == 0
                    : req->content_type == NULL && req->body_len == 0,
          "%s: content type", name);
    if (q) {
        const char *keys[8];
        size_t key_len[8], n = 0;
        const char *p = q + 1, *end = t + req->target_len;
        queries_checked++;
        CHECK(p < end, "%s: empty query", name);
        while (p < end && n < 8) {
            const char *amp = memchr(p, '&', (size_t)(end - p));
            const char *pe = amp ? amp : end;
            const char *eq = memchr(p, '=', (size_t)(pe - p));
            CHECK(eq != NULL, "%s: pair without '='", name);
            if (!eq) {
                break;
            }
            keys[n] = p;
            key_len[n] = (size_t)(eq - p);
            CHECK(is_query_member(op, p, key_len[n]),
                  "%s: key [%.*s] is no query member", name, (int)key_len[n], p);
            CHECK(canonical_form(eq + 1, (size_t)(pe - eq - 1), false),
                  "%s: value [%.*s] not in canonical form", name,
                  (int)(pe - eq - 1), eq + 1);
            for (size_t k = 0; k < n; k++) {
                size_t m = key_len[k] < key_len[n] ? key_len[k] : key_len[n];
                CHECK(memcmp(keys[k], keys[n], m) != 0,
                      "%s: key [%.*s] repeated or a prefix of [%.*s]", name,
                      (int)key_len[k], keys[k], (int)key_len[n], keys[n]);
                if (memcmp(keys[k], keys[n], m) > 0) {
                    unsorted_queries += k + 1 == n; /* count a query once */
                }
            }
            n++;
            p = amp ? amp + 1 : end;
        }
    }
}

static const char *find_value(const char *head, const char *name, size_t *len)
{
    char key[64];
    const char *p, *e;
    snprintf(key, sizeof key, "\r\n%s: ", name);
    p = strstr(head, key);
    if (!p) {
        return NULL;
    }
    p += strlen(key);
    e = strstr(p, "\r\n");
    *len = e ? (size_t)(e - p) : 0;
    return e ? p : NULL;
}

typedef struct {
    const char *key_id, *secret, *token;
} creds_t;

static const creds_t creds[] = {
    {PE_REF_KEY_ID, PE_REF_SECRET, NULL},
    {"ASIAY34FZKBOKMUTVV7A", "EXAMPLE/secret+key/with/slashes+1234567890ab",
     "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+example/token+=="},
};

typedef struct {
    const char *host, *region;
} endpoint_t;

static const endpoint_t endpoints[] = {
    {"email.us-east-1.amazonaws.com", "us-east-1"},
    {"127.0.0.1:8443", "eu-west-1"},
    {"email.ap-southeast-2.amazonaws.com", "ap-southeast-2"},
};

static const int64_t times[] = {
    PE_REF_TIME,            /* 2018-11-19T12:00:00Z */
    INT64_C(1709164799),    /* 2024-02-28T23:59:59Z */
    INT64_C(1709251199),    /* 2024-02-29T23:59:59Z */
    INT64_C(253402300799),  /* 9999-12-31T23:59:59Z */
};

static unsigned signatures_compared;

/*
 * Signs req with the head and with the general signer (fresh signers with
 * the same credentials): same Authorization, canonical request and string
 * to sign; the head exactly as pe_http.h describes it.
 */
static void compare(const char *name, const pe_request_t *req,
                    const creds_t *c, const char *host, const char *region,
                    int64_t now)
{
    static char head[BIG + 4096], want[BIG + 4096];
    pe_sigv4_signer_t sh, sg;
    pe_sigv4_request_t sr;
    pe_sigv4_extra_t extra;
    pe_header_t headers[2];
    char auth[512];
    size_t n = 0, n0 = 0, needed = 0, alen = 0;
    const char *q = memchr(req->target, '?', req->target_len);
    const char *a;
    pe_status_t st;

    CHECK(pe_sigv4_init(&sh, c->key_id, c->secret, c->token) == PE_OK &&
              pe_sigv4_init(&sg, c->key_id, c->secret, c->token) == PE_OK,
          "init");
    memset(&trace_head, 0, sizeof trace_head);
    memset(&trace_general, 0, sizeof trace_general);
    st = pe_http_signed_head(&sh, req, host, region, now, NULL, 0, &n0);
    CHECK(st == PE_ERR_BUFFER_TOO_SMALL, "%s: size query %d", name, (int)st);
    st = pe_http_signed_head_traced(&sh, req, host, region, now, head,
                                    sizeof head, &n, trace_fn, &trace_head);
    CHECK(st == PE_OK && n == n0 && strlen(head) == n,
          "%s: head %d, %zu vs %zu bytes", name, (int)st, n, n0);

    memset(&sr, 0, sizeof sr);
    sr.method = req->method;
    sr.path = req->target;
    sr.path_len = q ? (size_t)(q - req->target) : req->target_len;
    if (q) {
        sr.query = q + 1;
        sr.query_len = req->target_len - sr.path_len - 1;
    }
    headers[0] = (pe_header_t){"Host", 4, host, strlen(host)};
    headers[1] = (pe_header_t){"Content-Type", 12, req->content_type,
                               req->content_type ? strlen(req->content_type) : 0};
    sr.headers = headers;
    sr.header_count = req->body ? 2 : 1;
    sr.payload = req->body;
    sr.payload_len = req->body_len;
    sr.region = region;
    sr.service = "ses";
    sr.time = now;
    st = pe_sigv4_sign_traced(&sg, &sr, auth, sizeof auth, &needed, &extra,
                              trace_fn, &trace_general);
    CHECK(st == PE_OK, "%s: general signer %d", name, (int)st);
    if (st != PE_OK || n != n0 || strlen(head) != n) {
        return;
    }

    a = find_value(head, "Authorization", &alen);
    CHECK(a && alen == needed && memcmp(a, auth, alen) == 0,
          "%s: Authorization differs:\n  head    %.*s\n  general %s", name,
          a ? (int)alen : 0, a ? a : "", auth);
    CHECK(!trace_head.overflow && !trace_general.overflow, "%s: trace", name);
    CHECK_EQ_MEM(trace_head.text[0], trace_head.len[0], trace_general.text[0],
                 trace_general.len[0]);
    CHECK_EQ_MEM(trace_head.text[1], trace_head.len[1], trace_general.text[1],
                 trace_general.len[1]);

    /* the head, byte for byte */
    {
        int k = snprintf(want, sizeof want, "%s %s HTTP/1.1\r\nHost: %s\r\nX-Amz-Date: %s\r\n",
                         req->method, req->target, host, extra.amz_date);
        if (c->token) {
            k += snprintf(want + k, sizeof want - (size_t)k,
                          "X-Amz-Security-Token: %s\r\n", c->token);
        }
        if (req->body) {
            k += snprintf(want + k, sizeof want - (size_t)k,
                          "Content-Type: %s\r\nContent-Length: %zu\r\n",
                          req->content_type, req->body_len);
        }
        snprintf(want + k, sizeof want - (size_t)k,
                 "Authorization: %s\r\n\r\n", auth);
        CHECK(strcmp(head, want) == 0, "%s: head\n%s\nexpected\n%s", name,
              head, want);
    }
    signatures_compared++;
    pe_sigv4_deinit(&sh);
    pe_sigv4_deinit(&sg);
}

/* Every combination of credentials, endpoint and time for one request. */
static void compare_all(const char *name, const pe_request_t *req)
{
    for (size_t c = 0; c < sizeof creds / sizeof creds[0]; c++) {
        for (size_t e = 0; e < sizeof endpoints / sizeof endpoints[0]; e++) {
            for (size_t t = 0; t < sizeof times / sizeof times[0]; t++) {
                compare(name, req, &creds[c], endpoints[e].host,
                        endpoints[e].region, times[t]);
            }
        }
    }
}

/* ------------------------------------------------- 1. the builder cases */

static unsigned ops_seen[64];

static void run_case(reader_t *r, bool bad, const char *opname,
                     const char *name)
{
    static char buf[64 * 1024], json_copy[64 * 1024];
    const char *input, *skip;
    size_t input_len, skip_len, needed = 0, arena_needed = 0;
    char word[64];
    const pe_operation_t *op = pe_operation_find(opname);
    pe_request_t req;
    pe_diag_t diag;
    pe_status_t st;

    if (!read_field(r, "input", &input, &input_len)) {
        CHECK(false, "%s: line %u: malformed case", name, r->line);
        return;
    }
    if (bad) {
        (void)read_word(r, "status", word, sizeof word);
        (void)read_field(r, "diag", &skip, &skip_len);
        return;
    }
    if (!read_word(r, "method", word, sizeof word) ||
        !read_field(r, "target", &skip, &skip_len) ||
        !read_field(r, "body", &skip, &skip_len)) {
        CHECK(false, "%s: line %u: malformed case", name, r->line);
        return;
    }
    CHECK(op != NULL, "%s: unknown operation", name);
    if (!op || input_len >= sizeof json_copy) {
        return;
    }
    for (unsigned k = 0; k < 64 && pe_operations[k]; k++) {
        ops_seen[k] += pe_operations[k] == op;
    }
    memcpy(json_copy, input, input_len);
    json_copy[input_len] = '\0';
    st = pe_json_decode(op->input, json_copy, input_len, input_store.b,
                        arena.b, sizeof arena.b, &arena_needed, &diag);
    CHECK(st == PE_OK, "%s: pe_json_decode %d", name, (int)st);
    if (st != PE_OK) {
        return;
    }
    st = pe_build(op, input_store.b, buf, sizeof buf, &needed, &req, &diag);
    CHECK(st == PE_OK, "%s: pe_build %d", name, (int)st);
    if (st != PE_OK) {
        return;
    }
    check_guarantees(name, op, &req);
    compare_all(name, &req);
}

static void test_builder_cases(const char *path)
{
    unsigned valid, bad;
    walk_cases(path, run_case, &valid, &bad);
    for (unsigned k = 0; pe_operations[k]; k++) {
        CHECK(ops_seen[k] >= 10, "%s: only %u valid cases",
              pe_operations[k]->name, ops_seen[k]);
    }
    /* GetDedicatedIps writes PoolName before NextToken and PageSize */
    CHECK(unsorted_queries > 0, "no built query out of order: the sort is untested");
    printf("builder cases: %u valid, %u with a query (%u not in key order); "
           "%u signatures compared\n",
           valid, queries_checked, unsorted_queries, signatures_compared);
}

/* ------------------------------------------------ 2. the operation tables */

static void test_query_members(void)
{
    unsigned ops = 0;
    for (unsigned k = 0; pe_operations[k]; k++) {
        const pe_shape_t *in = pe_operations[k]->input;
        for (uint16_t i = 0; i < in->count; i++) {
            const char *a = in->members[i].name;
            if (!(in->members[i].flags & PE_M_QUERY)) {
                continue;
            }
            CHECK(canonical_form(a, strlen(a), false), "%s: query key %s",
                  pe_operations[k]->name, a);
            for (uint16_t j = 0; j < in->count; j++) {
                const char *b = in->members[j].name;
                if (j != i && (in->members[j].flags & PE_M_QUERY)) {
                    CHECK(strncmp(a, b, strlen(a)) != 0,
                          "%s: query key %s is a prefix of %s",
                          pe_operations[k]->name, a, b);
                }
            }
        }
        ops++;
    }
    CHECK_EQ_INT(ops, 30);
}

/* ----------------------------------------------- 3. hand-made requests */

static pe_request_t request(const char *method, const char *target,
                            const char *body)
{
    pe_request_t r;
    memset(&r, 0, sizeof r);
    r.method = method;
    r.target = target;
    r.target_len = strlen(target);
    if (body) {
        r.body = body;
        r.body_len = strlen(body);
        r.content_type = "application/json";
    }
    return r;
}

static void test_hand_made(void)
{
    static const char *const targets[] = {
        "/v1/email/dedicated-ips?PoolName=p%20q&NextToken=t%2F&PageSize=5",
        "/v1/email/dedicated-ips?PageSize=5&PoolName=a&NextToken=",
        "/v1/email/dedicated-ips?PageSize=1&NextToken=2&PoolName=3",
        "/v1/email/configuration-sets?PageSize=0",
        "/v1/email/identities?",
        "/v1/email/identities/a%2Bb%40x.com",
        "/v1/email/identities/%E2%82%AC~-._",
        "/",
    };
    pe_request_t r;
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        r = request("GET", targets[i], NULL);
        compare_all(targets[i], &r);
        r = request("PUT", targets[i], "{}");
        compare_all(targets[i], &r);
    }
    /* a body of no bytes still has its Content-Type signed */
    r = request("POST", "/v1/email/outbound-emails", "");
    compare_all("empty body", &r);
}

static void test_refused(void)
{
    static const char host[] = "email.us-east-1.amazonaws.com";
    pe_sigv4_signer_t s, blank;
    pe_request_t r = request("POST", "/v1/email/outbound-emails", "{}");
    char head[1024];
    size_t n = 0, n0 = 0;
    memset(&blank, 0, sizeof blank);
    CHECK(pe_sigv4_init(&s, PE_REF_KEY_ID, PE_REF_SECRET, NULL) == PE_OK, "init");

#define REFUSED(signer, req, h, region, t)                                    \
    CHECK(pe_http_signed_head(signer, req, h, region, t, head, sizeof head,   \
                              &n) == PE_ERR_INVALID_ARGUMENT &&               \
              pe_http_signed_head(signer, req, h, region, t, NULL, 0, &n) ==  \
                  PE_ERR_INVALID_ARGUMENT,                                     \
          "refused: %s", #signer ", " #req ", " #h ", " #region ", " #t)
    {
        pe_request_t x;
        REFUSED(NULL, &r, host, "us-east-1", PE_REF_TIME);
        REFUSED(&blank, &r, host, "us-east-1", PE_REF_TIME);
        REFUSED(&s, NULL, host, "us-east-1", PE_REF_TIME);
        REFUSED(&s, &r, NULL, "us-east-1", PE_REF_TIME);
        REFUSED(&s, &r, "", "us-east-1", PE_REF_TIME);
        REFUSED(&s, &r, "h\r\nX-Evil: 1", "us-east-1", PE_REF_TIME);
        REFUSED(&s, &r, host, NULL, PE_REF_TIME);
        REFUSED(&s, &r, host, "", PE_REF_TIME);
        REFUSED(&s, &r, host, "us east", PE_REF_TIME);
        REFUSED(&s, &r, host, "us-east-1", -1);
        REFUSED(&s, &r, host, "us-east-1", INT64_C(253402300800));
        x = r;
        x.method = NULL;
        REFUSED(&s, &x, host, "us-east-1", PE_REF_TIME);
        x.method = "PO ST";
        REFUSED(&s, &x, host, "us-east-1", PE_REF_TIME);
        x.method = "";
        REFUSED(&s, &x, host, "us-east-1", PE_REF_TIME);
        x = r;
        x.target = NULL;
        REFUSED(&s, &x, host, "us-east-1", PE_REF_TIME);
        x = request("GET", "/a\r\nX-Evil: 1", NULL);
        REFUSED(&s, &x, host, "us-east-1", PE_REF_TIME);
        x = request("GET", "/a\nb", NULL);
        REFUSED(&s, &x, host, "us-east-1", PE_REF_TIME);
        x = request("GET", "/a?b=1", NULL);
        x.target_len = 2; /* the target would go on past target_len */
        REFUSED(&s, &x, host, "us-east-1", PE_REF_TIME);
        x = r;
        x.content_type = NULL;
        REFUSED(&s, &x, host, "us-east-1", PE_REF_TIME);
        x.content_type = "application/json\r\nX-Evil: 1";
        REFUSED(&s, &x, host, "us-east-1", PE_REF_TIME);
        x = r;
        x.body = NULL; /* a length without bytes */
        REFUSED(&s, &x, host, "us-east-1", PE_REF_TIME);
    }
#undef REFUSED
    CHECK(pe_http_signed_head(&s, &r, host, "us-east-1", PE_REF_TIME, head,
                              sizeof head, NULL) == PE_ERR_INVALID_ARGUMENT,
          "needed NULL");

    /* buffer contract: size query, one byte short (nothing written past
     * cap), exact */
    CHECK(pe_http_signed_head(&s, &r, host, "us-east-1", PE_REF_TIME, NULL, 0,
                              &n0) == PE_ERR_BUFFER_TOO_SMALL && n0 > 0,
          "size query");
    CHECK(!s.key_valid, "no key derived for a size query");
    for (size_t cap = 0; cap <= n0 && n0 < sizeof head; cap++) {
        memset(head, 0x5A, sizeof head);
        n = 0;
        CHECK(pe_http_signed_head(&s, &r, host, "us-east-1", PE_REF_TIME,
                                  head, cap, &n) == PE_ERR_BUFFER_TOO_SMALL &&
                  n == n0 && head[cap] == 0x5A,
              "cap %zu", cap);
    }
    CHECK(pe_http_signed_head(&s, &r, host, "us-east-1", PE_REF_TIME, head,
                              n0 + 1, &n) == PE_OK && n == n0 &&
              strlen(head) == n0,
          "exact capacity");
    pe_sigv4_deinit(&s);
}

int main(int argc, char **argv)
{
    test_query_members();
    test_refused();
    test_hand_made();
    test_builder_cases(argc > 1 ? argv[1] : DEFAULT_CASES);
    return pe_test_summary();
}
