/*
 * sigv4.c - AWS Signature Version 4 (AWS4-HMAC-SHA256).
 *
 * The canonical request and the string to sign are never stored: they are
 * produced piece by piece into a 64-byte staging block (hw_t) that feeds
 * SHA-256 a block at a time. The signing key is cached as the HMAC's padded
 * inner and outer SHA-256 states for one (date, region, service) scope.
 * One SHA-256 context on the stack serves, in turn, the payload hash, the
 * canonical request hash and both HMAC passes over the string to sign.
 *
 * Query strings: each key and value is percent-decoded, then encoded again
 * the RFC 3986 way; a '%' not followed by two hex digits is taken as a
 * literal '%' (and so signs as "%25"). '+' is not a space here.
 */
#include "sigv4_internal.h"

#include "pe_crypto.h"

#include <string.h>

#define ALGORITHM "AWS4-HMAC-SHA256"
#define TERMINATOR "aws4_request"
#define LIT(s) (s), (sizeof(s) - 1u)

/* 9999-12-31T23:59:59Z, the last second pe_amz_date can write. */
#define MAX_TIME INT64_C(253402300799)

static const char hex_upper[] = "0123456789ABCDEF";
static const char hex_lower[] = "0123456789abcdef";

/* Bit (c & 7) of byte (c >> 3) is set for the bytes URI encoding keeps:
 * row 0 the unreserved A-Z a-z 0-9 - . _ ~, row 1 those and '/'. */
static const unsigned char kept_map[2][32] = {
    {0, 0, 0, 0, 0, 0x60, 0xFF, 0x03, 0xFE, 0xFF, 0xFF, 0x87, 0xFE, 0xFF,
     0xFF, 0x47},
    {0, 0, 0, 0, 0, 0xE0, 0xFF, 0x03, 0xFE, 0xFF, 0xFF, 0x87, 0xFE, 0xFF,
     0xFF, 0x47}};
#define UNRESERVED kept_map[0]
#define KEPT(map, c) ((((unsigned)(map)[(c) >> 3] >> ((c) & 7u)) & 1u) != 0u)

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* RFC 9110 token character. */
static bool is_tchar(unsigned char c)
{
    static const char extra[] = "!#$%&'*+^`|";
    return KEPT(UNRESERVED, c) ||
           (c != 0 && memchr(extra, c, sizeof extra - 1u) != NULL);
}

static bool is_token(const char *s, size_t len)
{
    size_t i;
    if (s == NULL || len == 0) {
        return false;
    }
    for (i = 0; i < len; i++) {
        if (!is_tchar((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* Header values (and the session token) must stay on one line. */
static bool is_one_line(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0') {
            return false;
        }
    }
    return true;
}

/* Lower-case hex of in[0..n) into out[0..2n); in may be out itself (the
 * bytes are taken last to first). */
static void hex_encode(char *out, const unsigned char *in, size_t n)
{
    while (n-- > 0) {
        unsigned char c = in[n];
        out[2 * n + 1] = hex_lower[c & 15u];
        out[2 * n] = hex_lower[c >> 4];
    }
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = lower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* The byte of the escape whose two hex digits start at p, or -1. */
static int pct_decode(const unsigned char *p, size_t avail)
{
    int hi, lo;
    if (avail < 2) {
        return -1;
    }
    hi = hex_value(p[0]);
    lo = hex_value(p[1]);
    return (hi < 0 || lo < 0) ? -1 : hi * 16 + lo;
}

/* ------------------------------------------------------------------ */
/* Hash writer: a one-block staging buffer in front of SHA-256.        */

typedef struct {
    pe_sha256_t *sha;
    pe_sigv4_trace_fn trace; /* NULL in production */
    void *trace_ctx;
    pe_sigv4_trace_part_t part;
    int err;
    size_t n;
    unsigned char *buf; /* PE_SHA256_BLOCK bytes (the signer's block) */
} hw_t;

#define HW_BLOCK ((size_t)PE_SHA256_BLOCK)

static void hw_start(hw_t *w, pe_sigv4_trace_part_t part)
{
    w->part = part;
    w->err = 0;
    w->n = 0;
}

static void hw_emit(hw_t *w, const unsigned char *p, size_t len)
{
    if (pe_sha256_update(w->sha, p, len) != 0) {
        w->err = 1;
    }
    if (w->trace != NULL) {
        w->trace(w->trace_ctx, w->part, (const char *)p, len);
    }
}

/* Hands over what is staged; returns non-zero if the hash failed. */
static int hw_flush(hw_t *w)
{
    if (w->n > 0) {
        hw_emit(w, w->buf, w->n);
        w->n = 0;
    }
    return w->err;
}

static void hw_put(hw_t *w, const void *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    size_t room = HW_BLOCK - w->n;
    if (len < room) {
        if (len > 0) {
            memcpy(w->buf + w->n, p, len);
            w->n += len;
        }
        return;
    }
    memcpy(w->buf + w->n, p, room);
    hw_emit(w, w->buf, HW_BLOCK);
    p += room;
    len -= room;
    if (len >= HW_BLOCK) { /* whole blocks go straight through */
        size_t whole = len - len % HW_BLOCK;
        hw_emit(w, p, whole);
        p += whole;
        len -= whole;
    }
    if (len > 0) {
        memcpy(w->buf, p, len);
    }
    w->n = len;
}

static void hw_byte(hw_t *w, unsigned char c)
{
    w->buf[w->n++] = c;
    if (w->n == HW_BLOCK) {
        hw_emit(w, w->buf, HW_BLOCK);
        w->n = 0;
    }
}

static void hw_escape(hw_t *w, unsigned char c)
{
    unsigned char e[3];
    e[0] = '%';
    e[1] = (unsigned char)hex_upper[c >> 4];
    e[2] = (unsigned char)hex_upper[c & 15u];
    hw_put(w, e, sizeof e);
}

/* src URI-encoded: runs of kept bytes are copied whole. */
static void hw_encode(hw_t *w, const char *src, size_t len,
                      const unsigned char *keep)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t i = 0;
    while (i < len) {
        size_t run = i;
        while (run < len && KEPT(keep, s[run])) {
            run++;
        }
        hw_put(w, s + i, run - i);
        if (run == len) {
            break;
        }
        hw_escape(w, s[run]);
        i = run + 1;
    }
}

/* Header value trimmed, inner runs of blanks as one space. */
static void hw_value(hw_t *w, const char *v, size_t len)
{
    size_t i = 0;
    while (len > 0 && is_blank(v[len - 1])) {
        len--;
    }
    while (i < len && is_blank(v[i])) {
        i++;
    }
    while (i < len) {
        size_t end = i;
        while (end < len && !is_blank(v[end])) {
            end++;
        }
        hw_put(w, v + i, end - i);
        if (end == len) {
            break;
        }
        hw_byte(w, ' ');
        i = end;
        while (is_blank(v[i])) { /* stops: v[len - 1] is not blank */
            i++;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Canonical URI                                                       */

enum { SEG_SKIP, SEG_UP, SEG_NAME };

static size_t seg_end(const char *p, size_t len, size_t i)
{
    while (i < len && p[i] != '/') {
        i++;
    }
    return i;
}

static int seg_kind(const char *s, size_t n)
{
    if (n == 0 || (n == 1 && s[0] == '.')) {
        return SEG_SKIP;
    }
    return (n == 2 && s[0] == '.' && s[1] == '.') ? SEG_UP : SEG_NAME;
}

/* Whether the segment that ends at p[end] is removed by a later "..". */
static bool seg_popped(const char *p, size_t len, size_t end)
{
    size_t depth = 0;
    while (end < len) {
        size_t start = end + 1;
        end = seg_end(p, len, start);
        switch (seg_kind(p + start, end - start)) {
        case SEG_NAME:
            depth++;
            break;
        case SEG_UP:
            if (depth == 0) {
                return true;
            }
            depth--;
            break;
        default:
            break;
        }
    }
    return false;
}

/* Dot segments and empty segments removed as botocore's
 * remove_dot_segments does, streamed without a copy of the path. */
static void hw_path_normalized(hw_t *w, const char *p, size_t len)
{
    size_t start = 0, kept = 0;
    bool lead = p[0] == '/';
    if (lead) {
        hw_byte(w, '/');
    }
    for (;;) {
        size_t end = seg_end(p, len, start);
        if (seg_kind(p + start, end - start) == SEG_NAME &&
            !seg_popped(p, len, end)) {
            if (kept++ > 0) {
                hw_byte(w, '/');
            }
            hw_encode(w, p + start, end - start, UNRESERVED);
        }
        if (end == len) {
            break;
        }
        start = end + 1;
    }
    /* a trailing slash is kept; a path without any segment signs as "/" */
    if ((kept > 0 && p[len - 1] == '/') || (!lead && kept == 0)) {
        hw_byte(w, '/');
    }
}

static void hw_path(hw_t *w, const pe_sigv4_request_t *req)
{
    if (req->path_len == 0) {
        hw_byte(w, '/');
    } else if ((req->flags & PE_SIGV4_NORMALIZE_PATH) != 0u) {
        hw_path_normalized(w, req->path, req->path_len);
    } else {
        hw_encode(w, req->path, req->path_len, kept_map[1]);
    }
}

/* ------------------------------------------------------------------ */
/* Canonical query                                                     */

/* Streams the canonical encoding of a query key or value. */
typedef struct {
    const unsigned char *p, *end;
    unsigned char pending[2];
    unsigned npending;
} qenc_t;

static void qenc_init(qenc_t *it, const char *s, size_t len)
{
    it->p = (const unsigned char *)s;
    it->end = it->p + len;
    it->npending = 0;
}

/* The next byte of the encoding, or -1 at its end. */
static int qenc_next(qenc_t *it)
{
    unsigned c;
    int d;
    if (it->npending > 0) {
        return it->pending[2u - it->npending--];
    }
    if (it->p == it->end) {
        return -1;
    }
    c = *it->p++;
    if (c == '%' && (d = pct_decode(it->p, (size_t)(it->end - it->p))) >= 0) {
        c = (unsigned)d;
        it->p += 2;
    }
    if (KEPT(UNRESERVED, c)) {
        return (int)c;
    }
    it->pending[0] = (unsigned char)hex_upper[c >> 4];
    it->pending[1] = (unsigned char)hex_upper[c & 15u];
    it->npending = 2;
    return '%';
}

static int qenc_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    qenc_t x, y;
    qenc_init(&x, a, alen);
    qenc_init(&y, b, blen);
    for (;;) {
        int ca = qenc_next(&x), cb = qenc_next(&y);
        if (ca != cb || ca < 0) {
            return ca - cb;
        }
    }
}

static void hw_qenc(hw_t *w, const char *s, size_t len)
{
    qenc_t it;
    int c;
    qenc_init(&it, s, len);
    while ((c = qenc_next(&it)) >= 0) {
        hw_byte(w, (unsigned char)c);
    }
}

typedef struct {
    const char *key, *value;
    size_t key_len, value_len;
    size_t pos; /* offset in the query: tells equal parameters apart */
} qparam_t;

/* The parameter at q[pos]; returns where the next one starts (> qlen at
 * the end). */
static size_t qparam_at(const char *q, size_t qlen, size_t pos, qparam_t *out)
{
    size_t end = pos, eq;
    while (end < qlen && q[end] != '&') {
        end++;
    }
    eq = pos;
    while (eq < end && q[eq] != '=') {
        eq++;
    }
    out->pos = pos;
    out->key = q + pos;
    out->key_len = eq - pos;
    out->value = q + (eq < end ? eq + 1 : end);
    out->value_len = eq < end ? end - eq - 1 : 0;
    return end + 1;
}

/* Order: encoded key, encoded value, then position. */
static int qparam_cmp(const qparam_t *a, const qparam_t *b)
{
    int r = qenc_cmp(a->key, a->key_len, b->key, b->key_len);
    if (r == 0) {
        r = qenc_cmp(a->value, a->value_len, b->value, b->value_len);
    }
    if (r == 0) {
        r = (a->pos > b->pos) - (a->pos < b->pos);
    }
    return r;
}

/* Parameters in order by repeated selection of the next smallest. */
static void hw_query(hw_t *w, const char *q, size_t qlen)
{
    qparam_t prev = {NULL, NULL, 0, 0, 0}, best = prev, cur;
    bool have_prev = false;
    if (qlen == 0) {
        return;
    }
    for (;;) {
        bool have_best = false;
        size_t pos = 0;
        while (pos <= qlen) {
            pos = qparam_at(q, qlen, pos, &cur);
            if ((!have_prev || qparam_cmp(&cur, &prev) > 0) &&
                (!have_best || qparam_cmp(&cur, &best) < 0)) {
                best = cur;
                have_best = true;
            }
        }
        if (!have_best) {
            return;
        }
        if (have_prev) {
            hw_byte(w, '&');
        }
        hw_qenc(w, best.key, best.key_len);
        hw_byte(w, '=');
        hw_qenc(w, best.value, best.value_len);
        prev = best;
        have_prev = true;
    }
}

/* ------------------------------------------------------------------ */
/* Canonical headers: the caller's plus the signer's own ("virtual").  */

#define NVIRT_MAX 3
#define NONE ((size_t)-1)

typedef struct {
    const pe_header_t *user;
    size_t nuser;
    size_t count; /* nuser + virtual ones */
    pe_header_t *virt; /* NVIRT_MAX (the signer's scratch) */
    pe_header_t *content_sha256; /* set when signed; value comes later */
    size_t signed_len; /* length of SignedHeaders' value */
} hset_t;

static const pe_header_t *hset_get(const hset_t *h, size_t i)
{
    return i < h->nuser ? &h->user[i] : &h->virt[i - h->nuser];
}

static int name_cmp(const pe_header_t *a, const pe_header_t *b)
{
    size_t i, n = a->name_len < b->name_len ? a->name_len : b->name_len;
    for (i = 0; i < n; i++) {
        int d = lower((unsigned char)a->name[i]) - lower((unsigned char)b->name[i]);
        if (d != 0) {
            return d;
        }
    }
    return (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

static bool name_eq(const pe_header_t *a, const pe_header_t *b)
{
    return a->name_len == b->name_len && name_cmp(a, b) == 0;
}

/* The first header of the smallest name after header prev's (NONE: the
 * smallest of all), or NONE when no name is left. */
static size_t hset_next(const hset_t *h, size_t prev)
{
    size_t i, best = NONE;
    for (i = 0; i < h->count; i++) {
        const pe_header_t *x = hset_get(h, i);
        if ((prev == NONE || name_cmp(x, hset_get(h, prev)) > 0) &&
            (best == NONE || name_cmp(x, hset_get(h, best)) < 0)) {
            best = i;
        }
    }
    return best;
}

static pe_header_t *hset_add(hset_t *h, const char *name, const char *value,
                             size_t value_len)
{
    pe_header_t *v = &h->virt[h->count - h->nuser];
    v->name = name;
    v->name_len = strlen(name);
    v->value = value;
    v->value_len = value_len;
    h->count++;
    h->signed_len += v->name_len + 1u;
    return v;
}

/* Checks the caller's headers and adds the signer's. */
static pe_status_t hset_init(hset_t *h, pe_sigv4_signer_t *signer,
                             const pe_sigv4_request_t *req,
                             const char *amz_date)
{
    static const pe_header_t host = {"host", 4, NULL, 0};
    bool has_host = false;
    size_t i, j;
    if (req->headers == NULL && req->header_count > 0) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    h->user = req->headers;
    h->virt = signer->added;
    h->nuser = h->count = req->header_count;
    h->signed_len = 0;
    hset_add(h, "x-amz-date", amz_date, 16);
    if (signer->token != NULL) {
        hset_add(h, "x-amz-security-token", signer->token, signer->token_len);
    }
    h->content_sha256 = NULL;
    if ((req->flags & PE_SIGV4_CONTENT_SHA256) != 0u) {
        h->content_sha256 =
            hset_add(h, "x-amz-content-sha256", NULL, PE_SHA256_HEX_LEN);
    }
    for (i = 0; i < h->nuser; i++) {
        const pe_header_t *x = &h->user[i];
        if (!is_token(x->name, x->name_len) ||
            (x->value == NULL && x->value_len > 0) ||
            !is_one_line(x->value, x->value_len)) {
            return PE_ERR_INVALID_ARGUMENT;
        }
        for (j = h->nuser; j < h->count; j++) { /* no double headers */
            if (name_eq(x, hset_get(h, j))) {
                return PE_ERR_INVALID_ARGUMENT;
            }
        }
        for (j = 0; j < i && !name_eq(x, &h->user[j]); j++) {
        }
        if (j == i) { /* a name not seen before */
            h->signed_len += x->name_len + 1u;
        }
        has_host = has_host || name_eq(x, &host);
    }
    h->signed_len--; /* n names, n - 1 ';' */
    return has_host ? PE_OK : PE_ERR_INVALID_ARGUMENT;
}

/* "name:value[,value...]\n" per name, repeated names' values in their
 * given order; the lower-case names also go to names, ';'-separated (the
 * SignedHeaders value, h->signed_len bytes). */
static void hw_headers(hw_t *w, const hset_t *h, char *names)
{
    const char *first = names;
    size_t i = NONE, j, k;
    while ((i = hset_next(h, i)) != NONE) {
        const pe_header_t *x = hset_get(h, i);
        if (names != first) {
            *names++ = ';';
        }
        for (k = 0; k < x->name_len; k++) {
            names[k] = (char)lower((unsigned char)x->name[k]);
        }
        hw_put(w, names, x->name_len);
        names += x->name_len;
        hw_byte(w, ':');
        hw_value(w, x->value, x->value_len);
        for (j = i + 1; j < h->count; j++) {
            const pe_header_t *y = hset_get(h, j);
            if (name_eq(x, y)) {
                hw_byte(w, ',');
                hw_value(w, y->value, y->value_len);
            }
        }
        hw_byte(w, '\n');
    }
}

/* ------------------------------------------------------------------ */
/* HMAC-SHA256 (RFC 2104) on the context API                           */

/* inner and outer receive the states after (key ^ ipad) and (key ^ opad);
 * pad is PE_SHA256_BLOCK bytes of scratch (wiped here), key may follow it. */
static int hmac_init(pe_sha256_t *inner, pe_sha256_t *outer,
                     const unsigned char *key, size_t len, unsigned char *pad)
{
    size_t i;
    int rc = 0;
    if (len > PE_SHA256_BLOCK) { /* a long key is replaced by its hash */
        rc |= pe_sha256_start(inner);
        rc |= pe_sha256_update(inner, key, len);
        rc |= pe_sha256_finish(inner, pad);
        len = PE_SHA256_LEN;
    } else {
        memmove(pad, key, len);
    }
    memset(pad + len, 0, PE_SHA256_BLOCK - len);
    for (i = 0; i < PE_SHA256_BLOCK; i++) {
        pad[i] ^= 0x36;
    }
    rc |= pe_sha256_start(inner);
    rc |= pe_sha256_update(inner, pad, PE_SHA256_BLOCK);
    for (i = 0; i < PE_SHA256_BLOCK; i++) {
        pad[i] ^= 0x36 ^ 0x5c;
    }
    rc |= pe_sha256_start(outer);
    rc |= pe_sha256_update(outer, pad, PE_SHA256_BLOCK);
    pe_wipe(pad, PE_SHA256_BLOCK);
    return rc;
}

/* Finishes the inner hash in ctx, then runs the outer pass in ctx too
 * (mac holds the inner hash meanwhile). */
static int hmac_finish(pe_sha256_t *ctx, const pe_sha256_t *outer,
                       unsigned char mac[PE_SHA256_LEN])
{
    int rc = pe_sha256_finish(ctx, mac);
    pe_sha256_clone(ctx, outer);
    rc |= pe_sha256_update(ctx, mac, PE_SHA256_LEN);
    rc |= pe_sha256_finish(ctx, mac);
    return rc;
}

/* One step of the key chain: k = HMAC(key, msg), in the signer's states
 * (k is the signer's block after the pad). */
static int derive_step(pe_sigv4_signer_t *s, const unsigned char *key,
                       size_t key_len, const char *msg, size_t msg_len)
{
    unsigned char *k = s->block + PE_SHA256_BLOCK;
    int rc = hmac_init(&s->key_inner, &s->key_outer, key, key_len, s->block);
    rc |= pe_sha256_update(&s->key_inner, msg, msg_len);
    rc |= hmac_finish(&s->key_inner, &s->key_outer, k);
    return rc;
}

/* kSigning for the scope, kept as padded states in the signer; the
 * intermediate keys (in the signer's block) are wiped here. */
static int derive_key(pe_sigv4_signer_t *s, const char *date,
                      const char *region, size_t region_len,
                      const char *service, size_t service_len)
{
    unsigned char *k = s->block + PE_SHA256_BLOCK;
    int rc;
    s->key_valid = false;
    rc = derive_step(s, s->secret, s->secret_len, date, 8);
    rc |= derive_step(s, k, PE_SHA256_LEN, region, region_len);
    rc |= derive_step(s, k, PE_SHA256_LEN, service, service_len);
    rc |= derive_step(s, k, PE_SHA256_LEN, LIT(TERMINATOR));
    rc |= hmac_init(&s->key_inner, &s->key_outer, k, PE_SHA256_LEN, s->block);
    pe_wipe(k, PE_SHA256_LEN);
    if (rc != 0) {
        pe_wipe(&s->key_inner, sizeof s->key_inner);
        pe_wipe(&s->key_outer, sizeof s->key_outer);
        return rc;
    }
    memcpy(s->key_date, date, 8);
    s->key_date[8] = '\0';
    memcpy(s->key_region, region, region_len);
    s->key_region[region_len] = '\0';
    memcpy(s->key_service, service, service_len);
    s->key_service[service_len] = '\0';
    s->key_valid = true;
    return 0;
}

static bool key_cached(const pe_sigv4_signer_t *s, const char *date,
                       const char *region, size_t region_len,
                       const char *service, size_t service_len)
{
    return s->key_valid && memcmp(s->key_date, date, 8) == 0 &&
           memcmp(s->key_region, region, region_len) == 0 &&
           s->key_region[region_len] == '\0' &&
           memcmp(s->key_service, service, service_len) == 0 &&
           s->key_service[service_len] == '\0';
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */

static bool valid_scope_name(const char *s, size_t *len)
{
    size_t i;
    if (s == NULL) {
        return false;
    }
    for (i = 0; s[i] != '\0'; i++) {
        if (i >= PE_SIGV4_MAX_SCOPE_NAME || !KEPT(UNRESERVED, (unsigned char)s[i])) {
            return false;
        }
    }
    *len = i;
    return i > 0;
}

pe_status_t pe_sigv4_init(pe_sigv4_signer_t *signer, const char *key_id,
                          const char *secret, const char *session_token)
{
    size_t i, key_id_len, secret_len;
    if (signer == NULL) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    pe_sigv4_deinit(signer);
    if (key_id == NULL || secret == NULL) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    key_id_len = strlen(key_id);
    secret_len = strlen(secret);
    if (key_id_len == 0 || key_id_len > PE_SIGV4_MAX_KEY_ID ||
        secret_len == 0 || secret_len > PE_SIGV4_MAX_SECRET) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    for (i = 0; i < key_id_len; i++) { /* it goes into "Credential=" */
        char c = key_id[i];
        if (c <= ' ' || c > '~' || c == '/' || c == ',') {
            return PE_ERR_INVALID_ARGUMENT;
        }
    }
    if (session_token != NULL) {
        signer->token_len = strlen(session_token);
        if (signer->token_len == 0 ||
            !is_one_line(session_token, signer->token_len)) {
            signer->token_len = 0;
            return PE_ERR_INVALID_ARGUMENT;
        }
        signer->token = session_token;
    }
    memcpy(signer->key_id, key_id, key_id_len + 1u);
    memcpy(signer->secret, "AWS4", 4);
    memcpy(signer->secret + 4, secret, secret_len);
    signer->secret_len = 4 + secret_len;
    return PE_OK;
}

void pe_sigv4_deinit(pe_sigv4_signer_t *signer)
{
    if (signer != NULL) {
        pe_wipe(signer, sizeof *signer);
    }
}

static void put_dec(char *out, uint32_t v, unsigned width)
{
    while (width-- > 0) {
        out[width] = (char)('0' + v % 10u);
        v /= 10u;
    }
}

pe_status_t pe_amz_date(int64_t time, char out[17])
{
    uint32_t days, sec, z, era, doe, yoe, doy, mp, day, month, year;
    if (out == NULL) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    if (time < 0 || time > MAX_TIME) {
        out[0] = '\0';
        return PE_ERR_INVALID_ARGUMENT;
    }
    days = (uint32_t)(time / 86400);
    sec = (uint32_t)(time % 86400);
    /* Civil date from a day count (Howard Hinnant's days-to-civil method):
     * z counts days from 0000-03-01, so leap days end each 4-year cycle;
     * eras are the 146097-day Gregorian 400-year cycles. */
    z = days + 719468u;
    era = z / 146097u;
    doe = z - era * 146097u;
    yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
    doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
    mp = (5u * doy + 2u) / 153u; /* month from March = 0 */
    day = doy - (153u * mp + 2u) / 5u + 1u;
    month = mp < 10u ? mp + 3u : mp - 9u;
    year = era * 400u + yoe + (month <= 2u ? 1u : 0u);
    put_dec(out, year, 4);
    put_dec(out + 4, month, 2);
    put_dec(out + 6, day, 2);
    out[8] = 'T';
    put_dec(out + 9, sec / 3600u, 2);
    put_dec(out + 11, sec / 60u % 60u, 2);
    put_dec(out + 13, sec % 60u, 2);
    out[15] = 'Z';
    out[16] = '\0';
    return PE_OK;
}

pe_status_t pe_uri_encode(const char *src, size_t len, bool keep_slash,
                          char *dst, size_t cap, size_t *needed)
{
    const unsigned char *keep = kept_map[keep_slash ? 1 : 0];
    const unsigned char *s = (const unsigned char *)src;
    size_t i, n = len, o = 0;
    if ((src == NULL && len > 0) || len > ((size_t)-1 - 1u) / 3u) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    for (i = 0; i < len; i++) {
        if (!KEPT(keep, s[i])) {
            n += 2;
        }
    }
    if (needed != NULL) {
        *needed = n;
    }
    if (dst == NULL || cap < n + 1u) {
        if (dst != NULL && cap > 0) {
            dst[0] = '\0';
        }
        return PE_ERR_BUFFER_TOO_SMALL;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (KEPT(keep, c)) {
            dst[o++] = (char)c;
        } else {
            dst[o++] = '%';
            dst[o++] = hex_upper[c >> 4];
            dst[o++] = hex_upper[c & 15u];
        }
    }
    dst[o] = '\0';
    return PE_OK;
}

/* Lengths the signature needs, gathered while checking the request. */
typedef struct {
    size_t key_id, region, service, method, scope, signed_headers, auth;
} lens_t;

static pe_status_t check_request(const pe_sigv4_signer_t *signer,
                                 const pe_sigv4_request_t *req, lens_t *l,
                                 char amz_date[17])
{
    if (signer == NULL || req == NULL || signer->key_id[0] == '\0' ||
        req->method == NULL ||
        (req->flags & ~(PE_SIGV4_NORMALIZE_PATH | PE_SIGV4_CONTENT_SHA256)) != 0u ||
        (req->path == NULL && req->path_len > 0) ||
        (req->query == NULL && req->query_len > 0) ||
        (req->payload == NULL && req->payload_len > 0) ||
        !valid_scope_name(req->region, &l->region) ||
        !valid_scope_name(req->service, &l->service)) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    l->method = strlen(req->method);
    if (!is_token(req->method, l->method)) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    return pe_amz_date(req->time, amz_date);
}

pe_status_t pe_sigv4_sign(pe_sigv4_signer_t *signer,
                          const pe_sigv4_request_t *req, char *auth,
                          size_t cap, size_t *needed, pe_sigv4_extra_t *extra)
{
    return pe_sigv4_sign_traced(signer, req, auth, cap, needed, extra, NULL,
                                NULL);
}

/* Writes the Authorization value up to "Signature=" (cap was checked)
 * but for the signed headers, which hw_headers() writes at
 * *signed_headers later; returns where the signature goes. *scope points
 * at the credential scope, which the string to sign repeats. */
static char *put_auth_head(char *p, const pe_sigv4_signer_t *signer,
                           const pe_sigv4_request_t *req, const lens_t *l,
                           const char *amz_date, const char **scope,
                           char **signed_headers)
{
    memcpy(p, LIT(ALGORITHM " Credential="));
    p += sizeof ALGORITHM " Credential=" - 1u;
    memcpy(p, signer->key_id, l->key_id);
    p += l->key_id;
    *p++ = '/';
    *scope = p;
    memcpy(p, amz_date, 8);
    p += 8;
    *p++ = '/';
    memcpy(p, req->region, l->region);
    p += l->region;
    *p++ = '/';
    memcpy(p, req->service, l->service);
    p += l->service;
    memcpy(p, LIT("/" TERMINATOR ", SignedHeaders="));
    p += sizeof "/" TERMINATOR ", SignedHeaders=" - 1u;
    *signed_headers = p;
    p += l->signed_headers;
    memcpy(p, LIT(", Signature="));
    return p + sizeof ", Signature=" - 1u;
}

/* Hex of the hash in ctx into out[0..63] (no NUL). */
static int finish_hex(pe_sha256_t *ctx, char *out)
{
    int rc = pe_sha256_finish(ctx, (unsigned char *)out);
    hex_encode(out, (const unsigned char *)out, PE_SHA256_LEN);
    return rc;
}

pe_status_t pe_sigv4_sign_traced(pe_sigv4_signer_t *signer,
                                 const pe_sigv4_request_t *req, char *auth,
                                 size_t cap, size_t *needed,
                                 pe_sigv4_extra_t *extra,
                                 pe_sigv4_trace_fn fn, void *fn_ctx)
{
    lens_t l;
    hset_t hs;
    hw_t w;
    pe_sha256_t *sha;
    unsigned char *mac;
    char amz_date[17];
    const char *scope;
    char *signed_headers;
    char *sig; /* the signature's 64 characters: scratch until the end */
    int rc;
    pe_status_t st = check_request(signer, req, &l, amz_date);
    if (st == PE_OK) {
        st = hset_init(&hs, signer, req, amz_date);
    }
    if (st != PE_OK) {
        return st;
    }
    l.key_id = strlen(signer->key_id);
    l.scope = 8 + 1 + l.region + 1 + l.service + 1 + sizeof TERMINATOR - 1u;
    l.signed_headers = hs.signed_len;
    l.auth = sizeof ALGORITHM " Credential=" - 1u + l.key_id + 1 + l.scope +
             sizeof ", SignedHeaders=" - 1u + l.signed_headers +
             sizeof ", Signature=" - 1u + PE_SHA256_HEX_LEN;
    if (needed != NULL) {
        *needed = l.auth;
    }
    if (auth == NULL || cap < l.auth + 1u) {
        if (auth != NULL && cap > 0) {
            auth[0] = '\0';
        }
        return PE_ERR_BUFFER_TOO_SMALL;
    }
    sig = put_auth_head(auth, signer, req, &l, amz_date, &scope,
                        &signed_headers);

    rc = key_cached(signer, amz_date, req->region, l.region, req->service,
                    l.service)
             ? 0
             : derive_key(signer, amz_date, req->region, l.region,
                          req->service, l.service);

    /* Payload hash, in hex in the signature's place for now */
    sha = &signer->work;
    mac = signer->block + PE_SHA256_BLOCK;
    rc |= pe_sha256_start(sha);
    rc |= pe_sha256_update(sha, req->payload, req->payload_len);
    rc |= finish_hex(sha, sig);
    if (hs.content_sha256 != NULL) {
        hs.content_sha256->value = sig;
    }
    if (extra != NULL) {
        memcpy(extra->amz_date, amz_date, sizeof extra->amz_date);
        memcpy(extra->payload_sha256, sig, PE_SHA256_HEX_LEN);
        extra->payload_sha256[PE_SHA256_HEX_LEN] = '\0';
    }

    /* Canonical request */
    w.sha = sha;
    w.buf = signer->block;
    w.trace = fn;
    w.trace_ctx = fn_ctx;
    rc |= pe_sha256_start(sha);
    hw_start(&w, PE_SIGV4_TRACE_CANONICAL_REQUEST);
    hw_put(&w, req->method, l.method);
    hw_byte(&w, '\n');
    hw_path(&w, req);
    hw_byte(&w, '\n');
    hw_query(&w, req->query, req->query_len);
    hw_byte(&w, '\n');
    hw_headers(&w, &hs, signed_headers);
    hw_byte(&w, '\n');
    hw_put(&w, signed_headers, l.signed_headers);
    hw_byte(&w, '\n');
    hw_put(&w, sig, PE_SHA256_HEX_LEN);
    rc |= hw_flush(&w);
    rc |= finish_hex(sha, sig);

    /* String to sign, straight into the HMAC's inner pass */
    pe_sha256_clone(sha, &signer->key_inner);
    hw_start(&w, PE_SIGV4_TRACE_STRING_TO_SIGN);
    hw_put(&w, LIT(ALGORITHM "\n"));
    hw_put(&w, amz_date, 16);
    hw_byte(&w, '\n');
    hw_put(&w, scope, l.scope);
    hw_byte(&w, '\n');
    hw_put(&w, sig, PE_SHA256_HEX_LEN);
    rc |= hw_flush(&w);
    rc |= hmac_finish(sha, &signer->key_outer, mac);
    pe_sha256_free(sha);

    hex_encode(sig, mac, PE_SHA256_LEN);
    sig[PE_SHA256_HEX_LEN] = '\0';
    pe_wipe(mac, PE_SHA256_LEN);
    if (rc != 0) {
        pe_wipe(auth, l.auth + 1u);
        return PE_ERR_CRYPTO;
    }
    return PE_OK;
}
