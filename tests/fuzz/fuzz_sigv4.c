/*
 * fuzz_sigv4.c - libFuzzer target for the SigV4 signer and the URI encoder
 * (include/pe_sigv4.h, lib/sigv4.c) and the signed request head
 * (pe_http_signed_head, lib/http.c).
 *
 * Input: [flags][method 0 path 0 query 0 (name 0 value 0)* payload]
 *   the bytes after flags are split at each 0 byte: method, path, query,
 *   then header name/value pairs; the last part is the payload (a lone
 *   name without a value gets an empty value).
 *   flags bit 0  PE_SIGV4_NORMALIZE_PATH
 *         bit 1  PE_SIGV4_CONTENT_SHA256
 *         bit 2  the signer has a session token
 *         bit 3  a Host header is added first
 *         bit 4  the query is NULL (absent) rather than the third part
 *         bit 5  region "eu-west-1" rather than "us-east-1"
 *         bit 6-7 one of four fixed times (2018, 1970, 9999-12-31, 2023)
 * Credentials are fixed (the documentation's AKIDEXAMPLE).
 *
 * Checked: no crash, only the documented statuses; the size contract (a
 * size query's need is the exact length; one byte short writes only a
 * NUL); signing the same request twice, and with a signer whose cached key
 * belonged to another scope, gives the same Authorization; its form; the
 * canonical request (traced) has the method, a URI and a query of
 * unreserved characters and %XX escapes only, and with path normalisation
 * no empty or dot segment; the string to sign holds the SHA-256 of the
 * canonical request; and the signature equals an independent HMAC chain
 * over the string to sign (mbedTLS's md API). pe_uri_encode: need, exact
 * output that decodes back to the input, the too-small contract.
 */
#include "fuzz_common.h"
#include "pe_http.h"
#include "sigv4_internal.h"

#include <mbedtls/md.h>

#define KEY_ID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW"
#define MAX_PARTS 40

static const int64_t times[4] = {1542628800, 0, INT64_C(253402300799),
                                 1700000000};

/* ------------------------------------------------------------------ */

typedef struct {
    char *data;
    size_t len, cap;
} text_t;

static void text_add(text_t *t, const char *p, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = (t->len + n + 1) * 2;
        char *q = (char *)realloc(t->data, cap);
        if (!q) {
            abort();
        }
        t->data = q;
        t->cap = cap;
    }
    memcpy(t->data + t->len, p, n);
    t->len += n;
    t->data[t->len] = '\0';
}

typedef struct {
    text_t creq, sts;
} trace_t;

static void on_trace(void *ctx, pe_sigv4_trace_part_t part, const char *data,
                     size_t len)
{
    trace_t *t = (trace_t *)ctx;
    text_add(part == PE_SIGV4_TRACE_CANONICAL_REQUEST ? &t->creq : &t->sts,
             data, len);
}

static void hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
    unsigned char d[32];
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    FUZZ_CHECK(mbedtls_md(md, (const unsigned char *)p, n, d) == 0, "sha256");
    hex(d, 32, out);
}

static void hmac(const unsigned char *key, size_t key_len, const char *msg,
                 size_t len, unsigned char out[32])
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    FUZZ_CHECK(mbedtls_md_hmac(md, key, key_len, (const unsigned char *)msg,
                               len, out) == 0,
               "hmac");
}

/* The signature of sts with the fixed secret, the long way. */
static void reference_signature(const char *date8, const char *region,
                                const char *sts, size_t sts_len, char out[65])
{
    unsigned char k[32], k2[32];
    hmac((const unsigned char *)"AWS4" SECRET, 4 + strlen(SECRET), date8, 8, k);
    hmac(k, 32, region, strlen(region), k2);
    hmac(k2, 32, "ses", 3, k);
    hmac(k, 32, "aws4_request", 12, k2);
    hmac(k2, 32, sts, sts_len, k);
    hex(k, 32, out);
}

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

static int is_upper_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* s[0..n) holds unreserved bytes, %XX escapes (upper-case hex) and the
 * bytes of `extra` only. */
static int encoded_ok(const char *s, size_t n, const char *extra)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n || !is_upper_hex((unsigned char)s[i + 1]) ||
                !is_upper_hex((unsigned char)s[i + 2])) {
                return 0;
            }
            i += 2;
        } else if (!is_unreserved(c) && !strchr(extra, c)) {
            return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------------ */

static void check_uri_encode(const char *src, size_t len, bool keep_slash)
{
    size_t need = 0, expect = 0, n2 = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        expect += is_unreserved(c) || (keep_slash && c == '/') ? 1 : 3;
    }
    pe_status_t st = pe_uri_encode(src, len, keep_slash, NULL, 0, &need);
    FUZZ_CHECK(st == PE_ERR_BUFFER_TOO_SMALL && need == expect,
               "size query: %d, need %zu, expected %zu", (int)st, need, expect);
    char *dst = (char *)malloc(need + 1);
    if (!dst) {
        abort();
    }
    /* one byte short: only dst[0] = NUL */
    memset(dst, 'x', need + 1);
    st = pe_uri_encode(src, len, keep_slash, dst, need, &n2);
    FUZZ_CHECK(st == PE_ERR_BUFFER_TOO_SMALL && n2 == need, "short: %d", (int)st);
    if (need > 0) {
        FUZZ_CHECK(dst[0] == '\0', "short: dst[0] not NUL");
        for (size_t i = 1; i < need + 1; i++) {
            FUZZ_CHECK(dst[i] == 'x', "short: byte %zu written", i);
        }
    }
    st = pe_uri_encode(src, len, keep_slash, dst, need + 1, &n2);
    FUZZ_CHECK(st == PE_OK && n2 == need && dst[need] == '\0' &&
                   strlen(dst) == need,
               "exact: %d", (int)st);
    FUZZ_CHECK(encoded_ok(dst, need, keep_slash ? "/" : ""),
               "bad byte in the encoding %s", dst);
    /* decodes back */
    size_t o = 0;
    for (size_t i = 0; i < need; i++, o++) {
        unsigned char c = (unsigned char)dst[i];
        if (c == '%') {
            unsigned v = 0;
            for (int k = 1; k <= 2; k++) {
                unsigned char h = (unsigned char)dst[i + (size_t)k];
                v = v * 16u + (unsigned)(h <= '9' ? h - '0' : h - 'A' + 10);
            }
            c = (unsigned char)v;
            i += 2;
        }
        FUZZ_CHECK(o < len && (unsigned char)src[o] == c,
                   "does not decode back at %zu", o);
    }
    FUZZ_CHECK(o == len, "decodes to %zu bytes, not %zu", o, len);
    free(dst);
}

/* ------------------------------------------------------------------ */

typedef struct {
    pe_status_t st;
    size_t needed;
    char *auth; /* malloc'ed when st == PE_OK */
    pe_sigv4_extra_t extra;
    trace_t trace;
} signed_t;

static signed_t sign(pe_sigv4_signer_t *s, const pe_sigv4_request_t *req,
                     int check_sizes)
{
    signed_t r;
    size_t n2 = 0;
    pe_status_t st;

    memset(&r, 0, sizeof r);
    r.st = pe_sigv4_sign(s, req, NULL, 0, &r.needed, NULL);
    FUZZ_CHECK(r.st == PE_ERR_BUFFER_TOO_SMALL || r.st == PE_ERR_INVALID_ARGUMENT,
               "size query %d", (int)r.st);
    if (r.st != PE_ERR_BUFFER_TOO_SMALL) {
        return r;
    }
    r.auth = (char *)malloc(r.needed + 1);
    if (!r.auth) {
        abort();
    }
    if (check_sizes) {
        memset(r.auth, 'x', r.needed + 1);
        st = pe_sigv4_sign(s, req, r.auth, r.needed, &n2, NULL);
        FUZZ_CHECK(st == PE_ERR_BUFFER_TOO_SMALL && n2 == r.needed,
                   "one short: %d", (int)st);
        FUZZ_CHECK(r.auth[0] == '\0', "one short: auth[0] not NUL");
        for (size_t i = 1; i <= r.needed; i++) {
            FUZZ_CHECK(r.auth[i] == 'x', "one short: byte %zu written", i);
        }
    }
    r.st = pe_sigv4_sign_traced(s, req, r.auth, r.needed + 1, &n2, &r.extra,
                                on_trace, &r.trace);
    FUZZ_CHECK(r.st == PE_OK && n2 == r.needed && strlen(r.auth) == r.needed,
               "exact buffer: %d, need %zu vs %zu", (int)r.st, n2, r.needed);
    return r;
}

static void free_signed(signed_t *r)
{
    free(r->auth);
    free(r->trace.creq.data);
    free(r->trace.sts.data);
}

/* The line `index` (0-based) of text; *len its length. */
static const char *line_of(const char *text, size_t text_len, unsigned index,
                           size_t *len)
{
    const char *p = text, *end = text + text_len;
    for (unsigned k = 0; k < index; k++) {
        const char *nl = (const char *)memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            return NULL;
        }
        p = nl + 1;
    }
    const char *nl = (const char *)memchr(p, '\n', (size_t)(end - p));
    *len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    return p;
}

static void check_signed(const signed_t *r, const pe_sigv4_request_t *req)
{
    char date8[9], prefix[160], h[65], ref[65];
    const char *creq = r->trace.creq.data, *sts = r->trace.sts.data;
    size_t creq_len = r->trace.creq.len, sts_len = r->trace.sts.len, n;
    const char *line;

    FUZZ_CHECK(creq && sts, "no trace");
    memcpy(date8, r->extra.amz_date, 8);
    date8[8] = '\0';

    /* Authorization's form */
    snprintf(prefix, sizeof prefix,
             "AWS4-HMAC-SHA256 Credential=" KEY_ID "/%s/%s/ses/aws4_request, "
             "SignedHeaders=",
             date8, req->region);
    FUZZ_CHECK(strncmp(r->auth, prefix, strlen(prefix)) == 0, "auth %s",
               r->auth);
    const char *sig = strstr(r->auth, ", Signature=");
    FUZZ_CHECK(sig && strlen(sig + 12) == 64 &&
                   encoded_ok(sig + 12, 64, "") && !strpbrk(sig + 12, "ABCDEF"),
               "signature in %s", r->auth);
    const char *sh = r->auth + strlen(prefix);
    size_t sh_len = (size_t)(sig - sh);

    /* the payload hash */
    sha256_hex(req->payload ? req->payload : "", req->payload_len, h);
    FUZZ_CHECK(strcmp(h, r->extra.payload_sha256) == 0, "payload hash");

    /* canonical request: method, URI, query, ..., signed headers, hash */
    line = line_of(creq, creq_len, 0, &n);
    FUZZ_CHECK(line && n == strlen(req->method) &&
                   memcmp(line, req->method, n) == 0,
               "canonical method");
    line = line_of(creq, creq_len, 1, &n);
    /* a relative path (no leading '/') signs as given, like botocore */
    FUZZ_CHECK(line && n > 0 && encoded_ok(line, n, "/") &&
                   (line[0] == '/' || (req->path_len > 0 && req->path[0] != '/')),
               "canonical URI %.*s", (int)(line ? n : 0), line ? line : "");
    if (req->flags & PE_SIGV4_NORMALIZE_PATH) {
        /* no empty, "." or ".." segment (but the root, and a trailing /) */
        for (size_t i = 0; i + 1 < n; i++) {
            FUZZ_CHECK(!(line[i] == '/' && line[i + 1] == '/'),
                       "empty segment in %.*s", (int)n, line);
        }
        const char *seg = line + (line[0] == '/'), *end = line + n;
        while (seg < end) {
            const char *e = (const char *)memchr(seg, '/', (size_t)(end - seg));
            size_t sl = (size_t)((e ? e : end) - seg);
            FUZZ_CHECK(!(sl == 1 && seg[0] == '.') &&
                           !(sl == 2 && seg[0] == '.' && seg[1] == '.'),
                       "dot segment in %.*s", (int)n, line);
            seg = e ? e + 1 : end;
        }
    }
    line = line_of(creq, creq_len, 2, &n);
    FUZZ_CHECK(line && encoded_ok(line, n, "=&"), "canonical query %.*s",
               (int)(line ? n : 0), line ? line : "");
    /* the last line is the payload hash, the one before the signed headers */
    FUZZ_CHECK(creq_len > 64 + 1 && creq[creq_len - 65] == '\n' &&
                   memcmp(creq + creq_len - 64, h, 64) == 0,
               "canonical request's last line is not the payload hash");
    FUZZ_CHECK(creq_len > 65 + sh_len + 1 &&
                   memcmp(creq + creq_len - 65 - sh_len, sh, sh_len) == 0 &&
                   creq[creq_len - 66 - sh_len] == '\n' &&
                   creq[creq_len - 67 - sh_len] == '\n',
               "canonical request's signed headers differ from the "
               "Authorization's (%.*s)", (int)sh_len, sh);
    for (size_t i = 0; i < creq_len; i++) {
        FUZZ_CHECK(creq[i] != '\r' && creq[i] != '\0',
                   "CR or NUL in the canonical request at %zu", i);
    }

    /* string to sign */
    sha256_hex(creq, creq_len, h);
    char expect_sts[256];
    int k = snprintf(expect_sts, sizeof expect_sts,
                     "AWS4-HMAC-SHA256\n%s\n%s/%s/ses/aws4_request\n%s",
                     r->extra.amz_date, date8, req->region, h);
    FUZZ_CHECK(k > 0 && (size_t)k == sts_len && memcmp(sts, expect_sts, sts_len) == 0,
               "string to sign:\n%s\nexpected:\n%s", sts, expect_sts);

    reference_signature(date8, req->region, sts, sts_len, ref);
    FUZZ_CHECK(strcmp(sig + 12, ref) == 0, "signature %s, the long way %s",
               sig + 12, ref);
}

/* pe_http_signed_head on the same pieces: the head's form and size. */
static void check_head(pe_sigv4_signer_t *s, const char *method,
                       const char *path, size_t path_len, const char *query,
                       size_t query_len, const char *payload,
                       size_t payload_len, const char *region, int64_t now)
{
    pe_request_t req;
    size_t tlen = path_len + (query ? 1 + query_len : 0), need = 0, n2 = 0;
    char *target = (char *)malloc(tlen + 1);
    if (!target) {
        abort();
    }
    memcpy(target, path, path_len);
    if (query) {
        target[path_len] = '?';
        memcpy(target + path_len + 1, query, query_len);
    }
    target[tlen] = '\0';
    memset(&req, 0, sizeof req);
    req.method = method;
    req.target = target;
    req.target_len = tlen;
    if (payload_len) {
        req.body = payload;
        req.body_len = payload_len;
        req.content_type = "application/json";
    }
    pe_status_t st = pe_http_signed_head(s, &req, "email.us-east-1.amazonaws.com",
                                         region, now, NULL, 0, &need);
    FUZZ_CHECK(st == PE_ERR_BUFFER_TOO_SMALL || st == PE_ERR_INVALID_ARGUMENT,
               "head size query %d", (int)st);
    if (st == PE_ERR_BUFFER_TOO_SMALL) {
        char *head = (char *)malloc(need + 1);
        if (!head) {
            abort();
        }
        st = pe_http_signed_head(s, &req, "email.us-east-1.amazonaws.com",
                                 region, now, head, need, &n2);
        FUZZ_CHECK(st == PE_ERR_BUFFER_TOO_SMALL && n2 == need,
                   "head one short: %d", (int)st);
        st = pe_http_signed_head(s, &req, "email.us-east-1.amazonaws.com",
                                 region, now, head, need + 1, &n2);
        FUZZ_CHECK(st == PE_OK && n2 == need && strlen(head) == need,
                   "head exact: %d", (int)st);
        FUZZ_CHECK(need >= 4 && memcmp(head + need - 4, "\r\n\r\n", 4) == 0,
                   "head does not end with an empty line");
        /* every LF is preceded by CR, every CR followed by LF: no header
         * can be injected */
        for (size_t i = 0; i < need; i++) {
            if (head[i] == '\n') {
                FUZZ_CHECK(i > 0 && head[i - 1] == '\r', "bare LF at %zu", i);
            }
            if (head[i] == '\r') {
                FUZZ_CHECK(i + 1 < need && head[i + 1] == '\n',
                           "bare CR at %zu", i);
            }
        }
        FUZZ_CHECK(strstr(head, "\r\n\r\n") == head + need - 4,
                   "empty line inside the head");
        free(head);
    }
    free(target);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *parts[MAX_PARTS];
    size_t lens[MAX_PARTS], nparts = 0;
    pe_header_t headers[MAX_PARTS / 2 + 1];
    size_t nheaders = 0;
    pe_sigv4_request_t req;
    pe_sigv4_signer_t s1, s2;
    unsigned flags;
    char *copy;

    if (size < 1 || size > 8192) {
        return 0;
    }
    flags = data[0];
    copy = fuzz_dup(data + 1, size - 1);
    {
        /* split at 0 bytes; each part becomes its own exact-size heap
         * copy (NUL-terminated, since the method must be a C string) */
        size_t start = 0;
        for (size_t i = 0; i <= size - 1 && nparts < MAX_PARTS; i++) {
            if (i == size - 1 || copy[i] == '\0') {
                size_t n = i - start;
                char *p = (char *)malloc(n + 1);
                if (!p) {
                    abort();
                }
                memcpy(p, copy + start, n);
                p[n] = '\0';
                parts[nparts] = p;
                lens[nparts++] = n;
                start = i + 1;
            }
        }
    }

    check_uri_encode(copy, size - 1, false);
    check_uri_encode(copy, size - 1, true);

    memset(&req, 0, sizeof req);
    req.method = nparts > 0 ? parts[0] : "GET";
    req.path = nparts > 1 ? parts[1] : "/";
    req.path_len = nparts > 1 ? lens[1] : 1;
    if (!(flags & 0x10u) && nparts > 2) {
        req.query = parts[2];
        req.query_len = lens[2];
    }
    if (flags & 0x08u) {
        headers[nheaders].name = "Host";
        headers[nheaders].name_len = 4;
        headers[nheaders].value = "email.us-east-1.amazonaws.com";
        headers[nheaders++].value_len = 29;
    }
    size_t last = nparts > 3 ? nparts - 1 : nparts;
    for (size_t i = 3; i < last; i += 2) {
        headers[nheaders].name = parts[i];
        headers[nheaders].name_len = lens[i];
        headers[nheaders].value = i + 1 < last ? parts[i + 1] : "";
        headers[nheaders++].value_len = i + 1 < last ? lens[i + 1] : 0;
    }
    req.headers = headers;
    req.header_count = nheaders;
    if (nparts > 3) {
        req.payload = parts[nparts - 1];
        req.payload_len = lens[nparts - 1];
    }
    req.region = (flags & 0x20u) ? "eu-west-1" : "us-east-1";
    req.service = "ses";
    req.time = times[(flags >> 6) & 3u];
    req.flags = flags & 3u;

    if (nparts > 1) {
        check_uri_encode(parts[1], lens[1], true);
    }

    FUZZ_CHECK(pe_sigv4_init(&s1, KEY_ID, SECRET,
                             (flags & 4u) ? TOKEN : NULL) == PE_OK, "init");
    FUZZ_CHECK(pe_sigv4_init(&s2, KEY_ID, SECRET,
                             (flags & 4u) ? TOKEN : NULL) == PE_OK, "init");

    signed_t a = sign(&s1, &req, 1);
    FUZZ_LOG("sigv4: %zu parts, %zu headers: status %d%s%s\n", nparts,
             nheaders, (int)a.st, a.st == PE_OK ? ", " : "",
             a.st == PE_OK ? a.auth : "");
    if (a.st == PE_OK) {
        check_signed(&a, &req);
        /* again: the cached key */
        signed_t b = sign(&s1, &req, 0);
        FUZZ_CHECK(b.st == PE_OK && strcmp(a.auth, b.auth) == 0 &&
                       memcmp(&a.extra, &b.extra, sizeof a.extra) == 0,
                   "signing twice:\n%s\n%s", a.auth, b.auth ? b.auth : "");
        free_signed(&b);
        /* a signer whose cached key is another scope's */
        {
            static const pe_header_t host = {"Host", 4, "h", 1};
            pe_sigv4_request_t other = {"GET", "/", 1, NULL, 0, &host, 1,
                                        NULL, 0, "ap-south-1", "ses",
                                        1600000000, 0};
            char auth[512];
            size_t n = 0;
            FUZZ_CHECK(pe_sigv4_sign(&s2, &other, auth, sizeof auth, &n, NULL) ==
                           PE_OK, "other scope");
        }
        signed_t c = sign(&s2, &req, 0);
        FUZZ_CHECK(c.st == PE_OK && strcmp(a.auth, c.auth) == 0,
                   "after another scope:\n%s\n%s", a.auth, c.auth ? c.auth : "");
        free_signed(&c);
    }
    free_signed(&a);

    check_head(&s1, req.method, req.path, req.path_len, req.query,
               req.query_len, (const char *)req.payload, req.payload_len,
               req.region, req.time);

    pe_sigv4_deinit(&s1);
    pe_sigv4_deinit(&s2);
    for (size_t i = 0; i < nparts; i++) {
        free((void *)(uintptr_t)parts[i]);
    }
    free(copy);
    return 0;
}
