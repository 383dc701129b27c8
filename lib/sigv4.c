/*
 * sigv4.c - AWS Signature Version 4 (AWS4-HMAC-SHA256).
 *
 * The canonical request and the string to sign are never stored: they are
 * produced piece by piece into the signer's 64-byte block, which feeds
 * SHA-256 a block at a time (hw_*). The signing key is cached as the HMAC's
 * padded inner and outer SHA-256 states for one (date, region, service)
 * scope. The signer's work context serves, in turn, the payload hash, the
 * canonical request hash and both HMAC passes over the string to sign; the
 * stack holds no hash state.
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
/* Hash writer: the signer's block staged in front of SHA-256 (work).  */

#define HW_BLOCK ((size_t)PE_SHA256_BLOCK)

static void hw_start(pe_sigv4_signer_t *s, pe_sigv4_trace_part_t part)
{
    s->part = (uint8_t)part;
    s->err = 0;
    s->fill = 0;
}

/* Hashes the staged block (and traces it); returns non-zero if the hash
 * ever failed since hw_start. */
static int hw_flush(pe_sigv4_signer_t *s)
{
    if (s->fill > 0) {
        if (pe_sha256_update(&s->work, s->block, s->fill) != 0) {
            s->err = 1;
        }
        if (s->trace != NULL) {
            ((pe_sigv4_trace_fn)s->trace)(s->trace_ctx,
                                          (pe_sigv4_trace_part_t)s->part,
                                          (const char *)s->block, s->fill);
        }
        s->fill = 0;
    }
    return s->err;
}

static void hw_byte(pe_sigv4_signer_t *s, unsigned char c)
{
    s->block[s->fill++] = c;
    if (s->fill == HW_BLOCK) {
        (void)hw_flush(s);
    }
}

static void hw_put(pe_sigv4_signer_t *s, const void *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    while (len > 0) {
        size_t n = HW_BLOCK - s->fill;
        if (n > len) {
            n = len;
        }
        memcpy(s->block + s->fill, p, n);
        s->fill = (uint8_t)(s->fill + n);
        p += n;
        len -= n;
        if (s->fill == HW_BLOCK) {
            (void)hw_flush(s);
        }
    }
}

/* Header value trimmed, inner runs of blanks as one space. */
static void hw_value(pe_sigv4_signer_t *s, const char *v, size_t len)
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
        hw_put(s, v + i, end - i);
        if (end == len) {
            break;
        }
        hw_byte(s, ' ');
        i = end;
        while (is_blank(v[i])) { /* stops: v[len - 1] is not blank */
            i++;
        }
    }
}

/* ------------------------------------------------------------------ */
/* URI encoding, a byte at a time                                      */

/* Streams the URI encoding of a path (or a segment of it) or, with
 * decode, of a query key or value, which is percent-decoded first. */
typedef struct {
    const unsigned char *p, *end;
    const unsigned char *keep; /* a row of kept_map */
    bool decode;
    unsigned char npending;
    unsigned char pending[2];
} enc_t;

static void enc_init(enc_t *it, const char *s, size_t len,
                     const unsigned char *keep, bool decode)
{
    it->p = (const unsigned char *)s;
    it->end = it->p + len;
    it->keep = keep;
    it->decode = decode;
    it->npending = 0;
}

/* The next byte of the encoding, or -1 at its end. */
static int enc_next(enc_t *it)
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
    if (it->decode && c == '%' &&
        (d = pct_decode(it->p, (size_t)(it->end - it->p))) >= 0) {
        c = (unsigned)d;
        it->p += 2;
    }
    if (KEPT(it->keep, c)) {
        return (int)c;
    }
    it->pending[0] = (unsigned char)hex_upper[c >> 4];
    it->pending[1] = (unsigned char)hex_upper[c & 15u];
    it->npending = 2;
    return '%';
}

static void hw_encode(pe_sigv4_signer_t *s, const char *src, size_t len,
                      const unsigned char *keep, bool decode)
{
    enc_t it;
    int c;
    enc_init(&it, src, len, keep, decode);
    while ((c = enc_next(&it)) >= 0) {
        hw_byte(s, (unsigned char)c);
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
static void hw_path_normalized(pe_sigv4_signer_t *s, const char *p,
                               size_t len)
{
    size_t start = 0, kept = 0;
    bool lead = p[0] == '/';
    if (lead) {
        hw_byte(s, '/');
    }
    for (;;) {
        size_t end = seg_end(p, len, start);
        if (seg_kind(p + start, end - start) == SEG_NAME &&
            !seg_popped(p, len, end)) {
            if (kept++ > 0) {
                hw_byte(s, '/');
            }
            hw_encode(s, p + start, end - start, UNRESERVED, false);
        }
        if (end == len) {
            break;
        }
        start = end + 1;
    }
    /* a trailing slash is kept; a path without any segment signs as "/" */
    if ((kept > 0 && p[len - 1] == '/') || (!lead && kept == 0)) {
        hw_byte(s, '/');
    }
}

static void hw_path(pe_sigv4_signer_t *s, const pe_sigv4_request_t *req)
{
    if (req->path_len == 0) {
        hw_byte(s, '/');
    } else if ((req->flags & PE_SIGV4_NORMALIZE_PATH) != 0u) {
        hw_path_normalized(s, req->path, req->path_len);
    } else {
        hw_encode(s, req->path, req->path_len, kept_map[1], false);
    }
}

/* ------------------------------------------------------------------ */
/* Canonical query                                                     */

static int qenc_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    enc_t x, y;
    enc_init(&x, a, alen, UNRESERVED, true);
    enc_init(&y, b, blen, UNRESERVED, true);
    for (;;) {
        int ca = enc_next(&x), cb = enc_next(&y);
        if (ca != cb || ca < 0) {
            return ca - cb;
        }
    }
}

typedef struct {
    const char *key, *value;
    size_t key_len, value_len;
} qparam_t;

/* Where the parameter that starts at q[pos] ends ('&' or qlen). */
static size_t qparam_end(const char *q, size_t qlen, size_t pos)
{
    while (pos < qlen && q[pos] != '&') {
        pos++;
    }
    return pos;
}

/* The key and value of the parameter at q[pos]. */
static void qparam_at(const char *q, size_t qlen, size_t pos, qparam_t *out)
{
    size_t end = qparam_end(q, qlen, pos), eq = pos;
    while (eq < end && q[eq] != '=') {
        eq++;
    }
    out->key = q + pos;
    out->key_len = eq - pos;
    out->value = q + (eq < end ? eq + 1 : end);
    out->value_len = eq < end ? end - eq - 1 : 0;
}

/* Order of the parameters at q[a] and q[b]: encoded key, encoded value,
 * then position. */
static int qparam_cmp(const char *q, size_t qlen, size_t a, size_t b)
{
    qparam_t x, y;
    int r;
    qparam_at(q, qlen, a, &x);
    qparam_at(q, qlen, b, &y);
    r = qenc_cmp(x.key, x.key_len, y.key, y.key_len);
    if (r == 0) {
        r = qenc_cmp(x.value, x.value_len, y.value, y.value_len);
    }
    return r != 0 ? r : (a > b) - (a < b);
}

#define NONE ((size_t)-1)

/* Parameters in order by repeated selection of the next smallest. */
static void hw_query(pe_sigv4_signer_t *s, const char *q, size_t qlen)
{
    size_t prev = NONE, pos;
    qparam_t x;
    if (qlen == 0) {
        return;
    }
    for (;;) {
        size_t best = NONE;
        for (pos = 0; pos <= qlen; pos = qparam_end(q, qlen, pos) + 1u) {
            if ((prev == NONE || qparam_cmp(q, qlen, pos, prev) > 0) &&
                (best == NONE || qparam_cmp(q, qlen, pos, best) < 0)) {
                best = pos;
            }
        }
        if (best == NONE) {
            return;
        }
        if (prev != NONE) {
            hw_byte(s, '&');
        }
        qparam_at(q, qlen, best, &x);
        hw_encode(s, x.key, x.key_len, UNRESERVED, true);
        hw_byte(s, '=');
        hw_encode(s, x.value, x.value_len, UNRESERVED, true);
        prev = best;
    }
}

/* ------------------------------------------------------------------ */
/* Canonical headers: the caller's plus the signer's own ("virtual").  */

enum { VIRT_DATE, VIRT_TOKEN, VIRT_CONTENT_SHA256, NVIRT_MAX };

/* The signer's headers; their values come from hset_value(). */
static const pe_header_t virt_headers[NVIRT_MAX] = {
    {"x-amz-date", 10, NULL, 16},
    {"x-amz-security-token", 20, NULL, 0},
    {"x-amz-content-sha256", 20, NULL, PE_SHA256_HEX_LEN}};

typedef struct {
    const pe_sigv4_request_t *req;
    const pe_header_t *user;
    size_t nuser;
    size_t count; /* nuser + virtual ones */
    unsigned char virt[NVIRT_MAX]; /* which, in virt_headers */
    const char *payload_hex; /* x-amz-content-sha256's value, once known */
    size_t signed_len; /* length of SignedHeaders' value */
} hset_t;

static const pe_header_t *hset_get(const hset_t *h, size_t i)
{
    return i < h->nuser ? &h->user[i] : &virt_headers[h->virt[i - h->nuser]];
}

/* Header i's value, trimmed, into the hash. */
static void hw_hvalue(pe_sigv4_signer_t *s, const hset_t *h, size_t i)
{
    const pe_header_t *x = hset_get(h, i);
    const char *v = x->value;
    size_t len = x->value_len;
    if (i >= h->nuser) {
        switch (h->virt[i - h->nuser]) {
        case VIRT_DATE:
            v = s->amz_date;
            break;
        case VIRT_TOKEN:
            v = s->token;
            len = s->token_len;
            break;
        default:
            v = h->payload_hex;
            break;
        }
    }
    hw_value(s, v, len);
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

/* Checks the caller's headers and adds the signer's. */
static pe_status_t hset_init(hset_t *h, const pe_sigv4_signer_t *signer,
                             const pe_sigv4_request_t *req)
{
    static const pe_header_t host = {"host", 4, NULL, 0};
    bool has_host = false;
    size_t i, j, n = 0;
    if (req->headers == NULL && req->header_count > 0) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    h->virt[n++] = VIRT_DATE;
    if (signer->token != NULL) {
        h->virt[n++] = VIRT_TOKEN;
    }
    if ((req->flags & PE_SIGV4_CONTENT_SHA256) != 0u) {
        h->virt[n++] = VIRT_CONTENT_SHA256;
    }
    h->req = req;
    h->user = req->headers;
    h->nuser = req->header_count;
    h->count = h->nuser + n;
    h->signed_len = 0;
    for (i = 0; i < h->count; i++) {
        const pe_header_t *x = hset_get(h, i);
        bool first = true;
        if (i < h->nuser && (!is_token(x->name, x->name_len) ||
                             (x->value == NULL && x->value_len > 0) ||
                             !is_one_line(x->value, x->value_len))) {
            return PE_ERR_INVALID_ARGUMENT;
        }
        for (j = 0; j < h->count; j++) {
            if (j != i && name_eq(x, hset_get(h, j))) {
                if (i < h->nuser && j >= h->nuser) {
                    return PE_ERR_INVALID_ARGUMENT; /* the signer adds it */
                }
                first = first && j > i;
            }
        }
        if (first) {
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
static void hw_headers(pe_sigv4_signer_t *s, const hset_t *h, char *names)
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
        hw_put(s, names, x->name_len);
        names += x->name_len;
        hw_byte(s, ':');
        hw_hvalue(s, h, i);
        for (j = i + 1; j < h->count; j++) {
            if (name_eq(x, hset_get(h, j))) {
                hw_byte(s, ',');
                hw_hvalue(s, h, j);
            }
        }
        hw_byte(s, '\n');
    }
}

/* ------------------------------------------------------------------ */
/* HMAC-SHA256 (RFC 2104) on the context API                           */

/* inner and outer receive the states after (key ^ ipad) and (key ^ opad);
 * pad is PE_SHA256_BLOCK bytes of scratch (wiped here), key may be pad. */
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

/* One step of the key chain: the signer's block = HMAC(key, msg), in the
 * signer's key states (key may be the block). */
static int derive_step(pe_sigv4_signer_t *s, const unsigned char *key,
                       size_t key_len, const char *msg, size_t msg_len)
{
    int rc = hmac_init(&s->key_inner, &s->key_outer, key, key_len, s->block);
    rc |= pe_sha256_update(&s->key_inner, msg, msg_len);
    rc |= hmac_finish(&s->key_inner, &s->key_outer, s->block);
    return rc;
}

/* kSigning for the request's scope, kept as padded states in the signer;
 * the intermediate keys (in the signer's block) are wiped by the last
 * hmac_init. */
static int derive_key(pe_sigv4_signer_t *s, const pe_sigv4_request_t *req,
                      size_t region_len, size_t service_len)
{
    unsigned char *k = s->block;
    int rc;
    s->key_valid = false;
    rc = derive_step(s, s->secret, s->secret_len, s->amz_date, 8);
    rc |= derive_step(s, k, PE_SHA256_LEN, req->region, region_len);
    rc |= derive_step(s, k, PE_SHA256_LEN, req->service, service_len);
    rc |= derive_step(s, k, PE_SHA256_LEN, LIT(TERMINATOR));
    rc |= hmac_init(&s->key_inner, &s->key_outer, k, PE_SHA256_LEN, s->block);
    if (rc != 0) {
        pe_wipe(&s->key_inner, sizeof s->key_inner);
        pe_wipe(&s->key_outer, sizeof s->key_outer);
        return rc;
    }
    memcpy(s->key_date, s->amz_date, 8);
    s->key_date[8] = '\0';
    memcpy(s->key_region, req->region, region_len + 1u);
    memcpy(s->key_service, req->service, service_len + 1u);
    s->key_valid = true;
    return 0;
}

static bool key_cached(const pe_sigv4_signer_t *s,
                       const pe_sigv4_request_t *req, size_t region_len,
                       size_t service_len)
{
    return s->key_valid && memcmp(s->key_date, s->amz_date, 8) == 0 &&
           memcmp(s->key_region, req->region, region_len + 1u) == 0 &&
           memcmp(s->key_service, req->service, service_len + 1u) == 0;
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

static pe_status_t check_request(pe_sigv4_signer_t *signer,
                                 const pe_sigv4_request_t *req,
                                 size_t *region_len, size_t *service_len)
{
    if (signer == NULL || req == NULL || signer->key_id[0] == '\0' ||
        req->method == NULL ||
        (req->flags & ~(PE_SIGV4_NORMALIZE_PATH | PE_SIGV4_CONTENT_SHA256)) != 0u ||
        (req->path == NULL && req->path_len > 0) ||
        (req->query == NULL && req->query_len > 0) ||
        (req->payload == NULL && req->payload_len > 0) ||
        !valid_scope_name(req->region, region_len) ||
        !valid_scope_name(req->service, service_len) ||
        !is_token(req->method, strlen(req->method))) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    return pe_amz_date(req->time, signer->amz_date);
}

static char *put(char *p, const char *s, size_t len)
{
    memcpy(p, s, len);
    return p + len;
}

/* Hex of the hash in work into out[0..63] (no NUL). */
static int finish_hex(pe_sigv4_signer_t *s, char *out)
{
    int rc = pe_sha256_finish(&s->work, (unsigned char *)out);
    hex_encode(out, (const unsigned char *)out, PE_SHA256_LEN);
    return rc;
}

/* The canonical request into work: returns non-zero if the hash failed.
 * Writes SignedHeaders' value at signed_headers. */
static int hw_canonical_request(pe_sigv4_signer_t *s, const hset_t *h,
                                char *signed_headers)
{
    const pe_sigv4_request_t *req = h->req;
    hw_start(s, PE_SIGV4_TRACE_CANONICAL_REQUEST);
    hw_put(s, req->method, strlen(req->method));
    hw_byte(s, '\n');
    hw_path(s, req);
    hw_byte(s, '\n');
    hw_query(s, req->query, req->query_len);
    hw_byte(s, '\n');
    hw_headers(s, h, signed_headers);
    hw_byte(s, '\n');
    hw_put(s, signed_headers, h->signed_len);
    hw_byte(s, '\n');
    hw_put(s, h->payload_hex, PE_SHA256_HEX_LEN);
    return hw_flush(s);
}

pe_status_t pe_sigv4_sign(pe_sigv4_signer_t *signer,
                          const pe_sigv4_request_t *req, char *auth,
                          size_t cap, size_t *needed, pe_sigv4_extra_t *extra)
{
    hset_t hs;
    size_t region_len, service_len, key_id_len, scope_len, auth_len;
    char *p, *scope, *signed_headers;
    int rc;
    pe_status_t st = check_request(signer, req, &region_len, &service_len);
    if (st == PE_OK) {
        st = hset_init(&hs, signer, req);
    }
    if (st != PE_OK) {
        return st;
    }
    key_id_len = strlen(signer->key_id);
    scope_len = 8 + 1 + region_len + 1 + service_len + 1 + sizeof TERMINATOR - 1u;
    auth_len = sizeof ALGORITHM " Credential=" - 1u + key_id_len + 1 +
               scope_len + sizeof ", SignedHeaders=" - 1u + hs.signed_len +
               sizeof ", Signature=" - 1u + PE_SHA256_HEX_LEN;
    if (needed != NULL) {
        *needed = auth_len;
    }
    if (auth == NULL || cap < auth_len + 1u) {
        if (auth != NULL && cap > 0) {
            auth[0] = '\0';
        }
        return PE_ERR_BUFFER_TOO_SMALL;
    }

    /* The Authorization value but for the signed headers (hw_headers
     * writes them) and the signature, whose place holds hex hashes until
     * the end. */
    p = put(auth, LIT(ALGORITHM " Credential="));
    p = put(p, signer->key_id, key_id_len);
    *p++ = '/';
    scope = p;
    p = put(p, signer->amz_date, 8);
    *p++ = '/';
    p = put(p, req->region, region_len);
    *p++ = '/';
    p = put(p, req->service, service_len);
    signed_headers = put(p, LIT("/" TERMINATOR ", SignedHeaders="));
    p = put(signed_headers + hs.signed_len, LIT(", Signature="));

    rc = key_cached(signer, req, region_len, service_len)
             ? 0
             : derive_key(signer, req, region_len, service_len);

    /* Payload hash */
    rc |= pe_sha256_start(&signer->work);
    rc |= pe_sha256_update(&signer->work, req->payload, req->payload_len);
    rc |= finish_hex(signer, p);
    hs.payload_hex = p;
    if (extra != NULL) {
        memcpy(extra->amz_date, signer->amz_date, sizeof extra->amz_date);
        memcpy(extra->payload_sha256, p, PE_SHA256_HEX_LEN);
        extra->payload_sha256[PE_SHA256_HEX_LEN] = '\0';
    }

    /* Canonical request */
    rc |= pe_sha256_start(&signer->work);
    rc |= hw_canonical_request(signer, &hs, signed_headers);
    rc |= finish_hex(signer, p);

    /* String to sign, straight into the HMAC's inner pass */
    pe_sha256_clone(&signer->work, &signer->key_inner);
    hw_start(signer, PE_SIGV4_TRACE_STRING_TO_SIGN);
    hw_put(signer, LIT(ALGORITHM "\n"));
    hw_put(signer, signer->amz_date, 16);
    hw_byte(signer, '\n');
    hw_put(signer, scope, scope_len);
    hw_byte(signer, '\n');
    hw_put(signer, p, PE_SHA256_HEX_LEN);
    rc |= hw_flush(signer);
    rc |= hmac_finish(&signer->work, &signer->key_outer, signer->block);
    pe_sha256_free(&signer->work);

    hex_encode(p, signer->block, PE_SHA256_LEN);
    p[PE_SHA256_HEX_LEN] = '\0';
    pe_wipe(signer->block, PE_SHA256_LEN);
    if (rc != 0) {
        pe_wipe(auth, auth_len + 1u);
        return PE_ERR_CRYPTO;
    }
    return PE_OK;
}

void pe_sigv4_set_trace(pe_sigv4_signer_t *signer, pe_sigv4_trace_fn fn,
                        void *fn_ctx)
{
    signer->trace = (void (*)(void))fn;
    signer->trace_ctx = fn_ctx;
}

pe_status_t pe_sigv4_sign_traced(pe_sigv4_signer_t *signer,
                                 const pe_sigv4_request_t *req, char *auth,
                                 size_t cap, size_t *needed,
                                 pe_sigv4_extra_t *extra,
                                 pe_sigv4_trace_fn fn, void *fn_ctx)
{
    pe_status_t st;
    if (signer == NULL) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    pe_sigv4_set_trace(signer, fn, fn_ctx);
    st = pe_sigv4_sign(signer, req, auth, cap, needed, extra);
    pe_sigv4_set_trace(signer, NULL, NULL);
    return st;
}
