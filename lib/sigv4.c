/*
 * sigv4.c - AWS Signature Version 4 (AWS4-HMAC-SHA256).
 *
 * The canonical request and the string to sign are never stored: they are
 * hashed piece by piece as they are produced (hw_*; the SHA-256 context
 * gathers the blocks). The signing key is cached as the HMAC's
 * padded inner and outer SHA-256 states for one (date, region, service)
 * scope. The signer's work context serves, in turn, the payload hash, the
 * canonical request hash and both HMAC passes over the string to sign; the
 * stack holds no hash state.
 *
 * Fixed texts (the Authorization value, the string to sign, the client's
 * canonical headers and HTTP head) are templates that name pieces of the
 * request (emit()). Three parts, so that a firmware links only what it
 * calls:
 *   - the core: credentials, key cache, templates, sign_begin() and
 *     sign_end() around a canonicaliser;
 *   - the client's canonicaliser and head (pe_http_signed_head, declared
 *     in pe_http.h), for requests as pe_build writes them;
 *   - the general canonicaliser (pe_sigv4_sign): any path, query and
 *     headers.
 *
 * Query strings (general): each key and value is percent-decoded, then
 * encoded again the RFC 3986 way; a '%' not followed by two hex digits is
 * taken as a literal '%' (and so signs as "%25"). '+' is not a space here.
 */
#include "sigv4_internal.h"

#include "pe_crypto.h"
#include "pe_http.h"
#include "pe_internal.h" /* pe_fmt_i64 */

#include <string.h>

static const char hex_upper[] = "0123456789ABCDEF";
static const char hex_lower[] = "0123456789abcdef";

/* Bit (c & 7) of byte (c >> 3) is set for the 7-bit bytes c of a class:
 * row 0 the unreserved A-Z a-z 0-9 - . _ ~ (URI encoding keeps them), row
 * 1 RFC 9110's token characters, row 2 what an access key id may hold
 * ('!'..'~' but '/' and ','); unreserved_slash: the unreserved and '/'. */
static const unsigned char byte_class[3][16] = {
    {0, 0, 0, 0, 0, 0x60, 0xFF, 0x03, 0xFE, 0xFF, 0xFF, 0x87, 0xFE, 0xFF,
     0xFF, 0x47},
    {0, 0, 0, 0, 0xFA, 0x6C, 0xFF, 0x03, 0xFE, 0xFF, 0xFF, 0xC7, 0xFF, 0xFF,
     0xFF, 0x57},
    {0, 0, 0, 0, 0xFE, 0x6F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
     0xFF, 0x7F}};
static const unsigned char unreserved_slash[16] = {
    0, 0, 0, 0, 0, 0xE0, 0xFF, 0x03, 0xFE, 0xFF, 0xFF, 0x87, 0xFE, 0xFF, 0xFF,
    0x47};
#define UNRESERVED byte_class[0]
#define TOKEN byte_class[1]
#define KEY_ID byte_class[2]
#define KEPT(map, c) ((c) < 128u && (((unsigned)(map)[(c) >> 3] >> ((c) & 7u)) & 1u) != 0u)

/* Whether s[0..len) is 1 byte or more, all of the class cls. */
static bool in_class(const char *s, size_t len, const unsigned char *cls)
{
    if (s == NULL || len == 0) {
        return false;
    }
    while (len-- > 0) {
        unsigned c = (unsigned char)*s++;
        if (!KEPT(cls, c)) {
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

/* ------------------------------------------------------------------ */
/* Hash writer: the texts into SHA-256 (work) and the trace            */

static void hw_start(pe_sigv4_signer_t *s, pe_sigv4_trace_part_t part)
{
    s->part = (uint8_t)part;
    s->err = 0;
}

/* Returns non-zero if the hash failed since hw_start. */
static int hw_flush(pe_sigv4_signer_t *s)
{
    return s->err;
}

/* data[0..len) into the hash (and the trace). */
static void hw_put(pe_sigv4_signer_t *s, const void *data, size_t len)
{
    if (pe_sha256_update(&s->work, data, len) != 0) {
        s->err = 1;
    }
    if (s->trace != NULL) {
        ((pe_sigv4_trace_fn)s->trace)(s->trace_ctx,
                                      (pe_sigv4_trace_part_t)s->part,
                                      (const char *)data, len);
    }
}

static void hw_byte(pe_sigv4_signer_t *s, unsigned char c)
{
    hw_put(s, &c, 1);
}

/* ------------------------------------------------------------------ */
/* Templates                                                           */

/* A piece of text: p NULL means absent, or (with n > 0) n bytes that
 * are reserved in a buffer and filled in later. */
typedef struct {
    const char *p;
    size_t n;
} piece_t;

/* The pieces templates name. The first four are the scope's parts, in
 * the order the signing key is derived from them. */
enum {
    A_DATE8,   /* "20150830" */
    A_REGION,
    A_SERVICE,
    A_TERM,    /* "aws4_request" */
    A_DATE,    /* X-Amz-Date's value */
    A_KEY_ID,
    A_SIGNED,  /* SignedHeaders' value */
    A_HEX,     /* a hash in hex: payload, canonical request, signature */
    A_METHOD,
    A_HOST,
    A_TOKEN,
    A_TYPE,    /* Content-Type's value */
    A_TARGET,
    A_LENGTH,  /* Content-Length's value */
    A_COUNT
};

/* Template bytes: below 0x80 as they are; 0x80 + k: piece k; 0xC0 + k:
 * the rest of the line, up to and with its '\n', only when piece k is
 * there. */
#define T_DATE8 "\x80"
#define T_REGION "\x81"
#define T_SERVICE "\x82"
#define T_TERM "\x83"
#define T_DATE "\x84"
#define T_KEY_ID "\x85"
#define T_SIGNED "\x86"
#define T_HEX "\x87"
#define T_METHOD "\x88"
#define T_HOST "\x89"
#define T_TOKEN "\x8A"
#define T_TYPE "\x8B"
#define T_TARGET "\x8C"
#define T_LENGTH "\x8D"
#define IF_TOKEN "\xCA"
#define IF_TYPE "\xCB"

#define T_SCOPE T_DATE8 "/" T_REGION "/" T_SERVICE "/" T_TERM
static const char t_auth[] = "AWS4-HMAC-SHA256 Credential=" T_KEY_ID "/" T_SCOPE
                             ", SignedHeaders=" T_SIGNED ", Signature=" T_HEX;
static const char t_string_to_sign[] = "AWS4-HMAC-SHA256\n" T_DATE "\n" T_SCOPE
                                       "\n" T_HEX;
static const char t_method[] = T_METHOD "\n";
/* The end of every canonical request: the header block's empty line,
 * SignedHeaders, the payload's hash. */
#define T_TAIL "\n" T_SIGNED "\n" T_HEX
/* The client's canonical headers, then T_TAIL. */
static const char t_built[] =
    IF_TYPE "content-type:" T_TYPE "\n"
    "host:" T_HOST "\n"
    "x-amz-date:" T_DATE "\n"
    IF_TOKEN "x-amz-security-token:" T_TOKEN "\n" T_TAIL;
#define T_TAIL_ONLY (t_built + sizeof t_built - sizeof T_TAIL)
/* The client's head up to the Authorization value (t_auth). */
static const char t_head[] =
    T_METHOD " " T_TARGET " HTTP/1.1\r\n"
    "Host: " T_HOST "\r\n"
    "X-Amz-Date: " T_DATE "\r\n"
    IF_TOKEN "X-Amz-Security-Token: " T_TOKEN "\r\n"
    IF_TYPE "Content-Type: " T_TYPE "\r\n"
    IF_TYPE "Content-Length: " T_LENGTH "\r\n"
    "Authorization: ";

/* Where emitted text goes: into buf while it fits (else buf becomes
 * NULL: nothing is written past cap), counted in len in any case. */
typedef struct {
    char *buf;
    size_t cap;
    size_t len;
} sink_t;

/* p[0..n) into o, or into the signer's hash when o is NULL. */
static void out(pe_sigv4_signer_t *s, sink_t *o, const char *p, size_t n)
{
    if (o == NULL) {
        hw_put(s, p, n);
        return;
    }
    if (n > o->cap - o->len) {
        o->buf = NULL;
    }
    if (o->buf != NULL && p != NULL) {
        memcpy(o->buf + o->len, p, n);
    }
    o->len += n;
}

/* The URI encoding of src[0..len) into o (the hash when o is NULL):
 * runs of the bytes the map keeps, every other byte as %XX. */
static void put_uri(pe_sigv4_signer_t *s, sink_t *o, const char *src,
                    size_t len, const unsigned char *keep)
{
    size_t i = 0;
    while (i < len) {
        char e[3];
        unsigned c;
        size_t run = i;
        while (i < len && KEPT(keep, (unsigned char)src[i])) {
            i++;
        }
        out(s, o, src + run, i - run);
        if (i == len) {
            return;
        }
        c = (unsigned char)src[i++];
        e[0] = '%';
        e[1] = hex_upper[c >> 4];
        e[2] = hex_upper[c & 15u];
        out(s, o, e, 3);
    }
}

static void emit(pe_sigv4_signer_t *s, sink_t *o, const char *t,
                 const piece_t *arg)
{
    for (;;) {
        size_t n = 0;
        unsigned c;
        while ((c = (unsigned char)t[n]) != 0 && c < 0x80u) {
            n++;
        }
        out(s, o, t, n);
        if (c == 0) {
            return;
        }
        t += n + 1;
        if (c < 0xC0u) {
            out(s, o, arg[c - 0x80u].p, arg[c - 0x80u].n);
        } else if (arg[c - 0xC0u].p == NULL) {
            t = strchr(t, '\n') + 1;
        }
    }
}

/* ------------------------------------------------------------------ */
/* HMAC-SHA256 (RFC 2104) on the context API                           */

/* pad ^= x (PE_SHA256_BLOCK bytes), then ctx = the hash state after pad. */
static int hmac_pad(pe_sha256_t *ctx, unsigned char *pad, unsigned x)
{
    size_t i;
    for (i = 0; i < PE_SHA256_BLOCK; i++) {
        pad[i] = (unsigned char)(pad[i] ^ x);
    }
    return pe_sha256_start(ctx) | pe_sha256_update(ctx, pad, PE_SHA256_BLOCK);
}

/* inner and outer receive the states after (key ^ ipad) and (key ^ opad);
 * pad is PE_SHA256_BLOCK bytes of scratch (wiped here), key may be pad. */
static int hmac_init(pe_sha256_t *inner, pe_sha256_t *outer,
                     const unsigned char *key, size_t len, unsigned char *pad)
{
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
    rc |= hmac_pad(inner, pad, 0x36);
    rc |= hmac_pad(outer, pad, 0x36 ^ 0x5c);
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

/* ------------------------------------------------------------------ */
/* Credentials and dates                                               */

pe_status_t pe_sigv4_init(pe_sigv4_signer_t *signer, const char *key_id,
                          const char *secret, const char *session_token)
{
    size_t key_id_len, secret_len;
    if (signer == NULL) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    pe_sigv4_deinit(signer);
    if (key_id == NULL || secret == NULL) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    key_id_len = strlen(key_id);
    secret_len = strlen(secret);
    /* the key id goes into "Credential=" (in_class: not empty) */
    if (key_id_len > PE_SIGV4_MAX_KEY_ID || secret_len - 1u >= PE_SIGV4_MAX_SECRET ||
        !in_class(key_id, key_id_len, KEY_ID)) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    if (session_token != NULL) {
        size_t token_len = strlen(session_token);
        if (token_len == 0 || !is_one_line(session_token, token_len)) {
            return PE_ERR_INVALID_ARGUMENT;
        }
        signer->token = session_token;
        signer->token_len = token_len;
    }
    memcpy(signer->key_id, key_id, key_id_len + 1u);
    memcpy(signer->secret, t_auth, 4); /* "AWS4" */
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

void pe_sigv4_set_trace(pe_sigv4_signer_t *signer, pe_sigv4_trace_fn fn,
                        void *fn_ctx)
{
    if (signer != NULL) {
        signer->trace = (void (*)(void))fn;
        signer->trace_ctx = fn_ctx;
    }
}

pe_status_t pe_uri_encode(const char *src, size_t len, bool keep_slash,
                          char *dst, size_t cap, size_t *needed)
{
    const unsigned char *keep = keep_slash ? unreserved_slash : UNRESERVED;
    sink_t o = {NULL, 0, 0};
    if ((src == NULL && len > 0) || len > ((size_t)-1 - 1u) / 3u) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    put_uri(NULL, &o, src, len, keep); /* counts only */
    if (needed != NULL) {
        *needed = o.len;
    }
    if (dst == NULL || cap <= o.len) {
        if (dst != NULL && cap > 0) {
            dst[0] = '\0';
        }
        return PE_ERR_BUFFER_TOO_SMALL;
    }
    o.buf = dst;
    o.cap = cap;
    o.len = 0;
    put_uri(NULL, &o, src, len, keep);
    dst[o.len] = '\0';
    return PE_OK;
}

/* ------------------------------------------------------------------ */
/* Core: one signature around a canonicaliser                          */

/* A signature in progress: the templates' pieces and the payload. */
typedef struct {
    piece_t arg[A_COUNT];
    const void *payload;
    size_t payload_len;
    char *hex; /* the signature's place; the hashes' hex meanwhile */
    int rc;
} job_t;

/* A region or service name: 1..PE_SIGV4_MAX_SCOPE_NAME unreserved bytes
 * (its length goes to x->n). */
static bool valid_scope_name(piece_t *x)
{
    if (x->p == NULL) {
        return false;
    }
    x->n = strlen(x->p);
    return x->n <= PE_SIGV4_MAX_SCOPE_NAME && in_class(x->p, x->n, UNRESERVED);
}

/* The checks both canonicalisers share, with the method, region, service
 * and payload in j; fills in the other pieces the core names and
 * signer->amz_date. */
static pe_status_t job_check(pe_sigv4_signer_t *s, job_t *j, int64_t time)
{
    piece_t *a = j->arg;
    if (s->key_id[0] == '\0' || a[A_METHOD].p == NULL ||
        (j->payload == NULL && j->payload_len > 0) ||
        !valid_scope_name(&a[A_REGION]) || !valid_scope_name(&a[A_SERVICE])) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    a[A_METHOD].n = strlen(a[A_METHOD].p);
    if (!in_class(a[A_METHOD].p, a[A_METHOD].n, TOKEN)) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    a[A_DATE8].p = s->amz_date;
    a[A_DATE8].n = 8;
    a[A_DATE].p = s->amz_date;
    a[A_DATE].n = 16;
    a[A_TERM].p = "aws4_request";
    a[A_TERM].n = 12;
    a[A_KEY_ID].p = s->key_id;
    a[A_KEY_ID].n = strlen(s->key_id);
    a[A_HEX].n = PE_SHA256_HEX_LEN;
    return pe_amz_date(time, s->amz_date);
}

/* Hex of the hash in work into out[0..63] (no NUL). */
static int finish_hex(pe_sigv4_signer_t *s, char *out)
{
    int rc = pe_sha256_finish(&s->work, (unsigned char *)out);
    hex_encode(out, (const unsigned char *)out, PE_SHA256_LEN);
    return rc;
}

/* kSigning for the scope a[A_DATE8..A_TERM], kept as padded states in the
 * signer unless they hold it already (key_scope: "date/region/service",
 * the scope's first len bytes, at scope). The first key is the secret,
 * the next ones each step's MAC in the signer's block, wiped by the last
 * hmac_init. */
static int derive_key(pe_sigv4_signer_t *s, const piece_t *a,
                      const char *scope, size_t len)
{
    const unsigned char *key = s->secret;
    size_t key_len = s->secret_len, i;
    int rc = 0;
    if (s->key_valid && s->key_scope[len] == '\0' &&
        memcmp(s->key_scope, scope, len) == 0) {
        return 0;
    }
    s->key_valid = false;
    for (i = 0; i < 4; i++) {
        rc |= hmac_init(&s->key_inner, &s->key_outer, key, key_len, s->block);
        rc |= pe_sha256_update(&s->key_inner, a[i].p, a[i].n);
        rc |= hmac_finish(&s->key_inner, &s->key_outer, s->block);
        key = s->block;
        key_len = PE_SHA256_LEN;
    }
    rc |= hmac_init(&s->key_inner, &s->key_outer, key, key_len, s->block);
    if (rc != 0) {
        pe_wipe(&s->key_inner, sizeof s->key_inner);
        pe_wipe(&s->key_outer, sizeof s->key_outer);
        return rc;
    }
    memcpy(s->key_scope, scope, len);
    s->key_scope[len] = '\0';
    s->key_valid = true;
    return 0;
}

/* With the Authorization value written and its signature's place at hex:
 * derives or finds the key, hashes the payload (its hex at hex) and starts
 * the canonical request with its method line. The canonicaliser then
 * hashes the canonical URI, query and headers, and calls sign_end(). */
static void sign_begin(pe_sigv4_signer_t *s, job_t *j, char *hex)
{
    /* t_auth ends "<scope>/aws4_request, SignedHeaders=<names>, Signature=" */
    const piece_t *a = j->arg;
    size_t len = 10u + a[A_REGION].n + a[A_SERVICE].n;
    int rc = derive_key(s, a, hex - (sizeof "/aws4_request, SignedHeaders=, Signature=" - 1u) -
                                  a[A_SIGNED].n - len, len);
    j->hex = hex;
    j->arg[A_HEX].p = hex;
    rc |= pe_sha256_start(&s->work);
    rc |= pe_sha256_update(&s->work, j->payload, j->payload_len);
    rc |= finish_hex(s, hex);
    rc |= pe_sha256_start(&s->work);
    j->rc = rc;
    hw_start(s, PE_SIGV4_TRACE_CANONICAL_REQUEST);
    emit(s, NULL, t_method, j->arg);
}

/* Ends the canonical request with template t, hashes the string to sign
 * into the HMAC and writes the signature at j->hex. If a hash failed:
 * wipes out[0..len) and returns PE_ERR_CRYPTO. */
static pe_status_t sign_end(pe_sigv4_signer_t *s, job_t *j, const char *t,
                            char *out_buf, size_t len)
{
    int rc = j->rc;
    emit(s, NULL, t, j->arg);
    rc |= hw_flush(s);
    rc |= finish_hex(s, j->hex);

    /* String to sign, straight into the HMAC's inner pass */
    pe_sha256_clone(&s->work, &s->key_inner);
    hw_start(s, PE_SIGV4_TRACE_STRING_TO_SIGN);
    emit(s, NULL, t_string_to_sign, j->arg);
    rc |= hw_flush(s);
    rc |= hmac_finish(&s->work, &s->key_outer, s->block);
    pe_sha256_free(&s->work);

    hex_encode(j->hex, s->block, PE_SHA256_LEN);
    pe_wipe(s->block, PE_SHA256_LEN);
    if (rc != 0) {
        pe_wipe(out_buf, len);
        return PE_ERR_CRYPTO;
    }
    return PE_OK;
}

/* ------------------------------------------------------------------ */
/* The client's canonicaliser and head: requests as pe_build writes    */
/* them                                                                */

/* The canonical URI of a path as pe_build writes it (unreserved bytes,
 * '/' and %XX escapes): the path encoded once more, which turns each '%'
 * into "%25" and keeps the rest. */
static void hw_path_built(pe_sigv4_signer_t *s, const char *p, size_t len)
{
    const char *end = p + len, *pct;
    while ((pct = memchr(p, '%', (size_t)(end - p))) != NULL) {
        hw_put(s, p, (size_t)(pct + 1 - p));
        hw_put(s, "25", 2);
        p = pct + 1;
    }
    hw_put(s, p, (size_t)(end - p));
}

/* The query of a target as pe_build writes it: NUL-terminated, "key=value"
 * pairs already in canonical form, no key repeated or a prefix of
 * another. Its pairs in order, by repeated selection of the next smallest
 * (pe_build writes three at most): strcmp of the pairs' suffixes of the
 * target orders them by key, as the keys differ before either ends, and
 * stops at the target's NUL. */
static void hw_query_sorted(pe_sigv4_signer_t *s, const char *q)
{
    const char *prev = NULL;
    for (;;) {
        const char *best = NULL, *p;
        for (p = q;; p++) {
            if ((prev == NULL || strcmp(p, prev) > 0) &&
                (best == NULL || strcmp(p, best) < 0)) {
                best = p;
            }
            p = strchr(p, '&');
            if (p == NULL) {
                break;
            }
        }
        if (best == NULL) {
            return;
        }
        if (prev != NULL) {
            hw_put(s, "&", 1);
        }
        hw_put(s, best, strcspn(best, "&"));
        prev = best;
    }
}

/* The client's SignedHeaders: "content-type;" with a body,
 * ";x-amz-security-token" with a token. The general signer takes its
 * header names from here too. */
static const char built_names[] =
    "content-type;host;x-amz-date;x-amz-security-token";
#define NAME_HOST (built_names + 13)
#define NAME_DATE (built_names + 18)
#define NAME_TOKEN (built_names + 29)

pe_status_t pe_http_signed_head(pe_sigv4_signer_t *signer,
                                const pe_request_t *req, const char *host,
                                const char *region, int64_t time, char *buf,
                                size_t cap, size_t *needed)
{
    job_t j;
    piece_t *a = j.arg;
    sink_t o;
    char num[20];
    size_t first;
    const char *target, *end, *q;
    pe_status_t st;

    if (!signer || !req || !req->target || !host || !needed ||
        host[0] == '\0' || (req->body && !req->content_type)) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    target = req->target;
    end = target + req->target_len;
    q = memchr(target, '?', req->target_len);
    first = req->body ? 0 : 13;
    memset(&j, 0, sizeof j);
    a[A_METHOD].p = req->method;
    a[A_REGION].p = region;
    a[A_SERVICE].p = PE_SIGNING_SERVICE;
    j.payload = req->body;
    j.payload_len = req->body_len;
    a[A_TARGET].p = target;
    a[A_TARGET].n = req->target_len;
    a[A_HOST].p = host;
    a[A_HOST].n = strlen(host);
    a[A_TOKEN].p = signer->token;
    a[A_TOKEN].n = signer->token_len;
    if (req->body) {
        a[A_TYPE].p = req->content_type;
        a[A_TYPE].n = strlen(req->content_type);
        a[A_LENGTH].p = num;
        a[A_LENGTH].n = pe_fmt_i64(num, (int64_t)req->body_len);
    }
    a[A_SIGNED].p = built_names + first;
    a[A_SIGNED].n = (signer->token ? sizeof built_names - 1u : 28u) - first;
    st = job_check(signer, &j, time);
    if (st == PE_OK && (!is_one_line(target, req->target_len) ||
                        target[0] != '/' || target[req->target_len] != '\0' ||
                        !is_one_line(host, a[A_HOST].n) ||
                        !is_one_line(a[A_TYPE].p, a[A_TYPE].n))) {
        st = PE_ERR_INVALID_ARGUMENT;
    }
    if (st != PE_OK) {
        return st;
    }
    memset(&o, 0, sizeof o);
    o.buf = buf;
    o.cap = cap;
    emit(signer, &o, t_head, a);
    emit(signer, &o, t_auth, a);
    out(signer, &o, "\r\n\r\n", 5); /* with the NUL */
    *needed = o.len - 1u;
    if (o.buf == NULL) {
        return PE_ERR_BUFFER_TOO_SMALL;
    }
    sign_begin(signer, &j, buf + o.len - 5u - PE_SHA256_HEX_LEN);
    hw_path_built(signer, target, (size_t)((q ? q : end) - target));
    hw_put(signer, "\n", 1);
    if (q != NULL) {
        hw_query_sorted(signer, q + 1);
    }
    hw_put(signer, "\n", 1);
    return sign_end(signer, &j, t_built, buf, o.len);
}

/* ------------------------------------------------------------------ */
/* The general canonicaliser (pe_sigv4_sign): any path, query and      */
/* headers                                                             */

static unsigned char lower(unsigned char c)
{
    return (unsigned)(c - 'A') < 26u ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* The byte of the two hex digits at p, or -1. */
static int hex2(const char *p)
{
    int v = 0, i;
    for (i = 0; i < 2; i++) {
        unsigned c = (unsigned char)p[i], l = (c | 0x20u) - 'a';
        if (c - '0' < 10u) {
            c -= '0';
        } else if (l < 6u) {
            c = l + 10u;
        } else {
            return -1;
        }
        v = v * 16 + (int)c;
    }
    return v;
}

/* Dot segments and empty segments removed as botocore's
 * remove_dot_segments does, streamed without a copy of the path. */

/* The segment that starts at p[i]: its end (the next '/' or len) into
 * *end; returns its length for "", "." and "..", else 3 (a name). */
static size_t seg_at(const char *p, size_t len, size_t i, size_t *end)
{
    size_t e = i;
    while (e < len && p[e] != '/') {
        e++;
    }
    *end = e;
    e -= i;
    return (e <= 2 && memcmp(p + i, "..", e) == 0) ? e : 3;
}

static void hw_path_normalized(pe_sigv4_signer_t *s, const char *p,
                               size_t len)
{
    size_t start = 0, end, i, depth, kept = 0;
    for (;;) {
        if (seg_at(p, len, start, &end) == 3) {
            /* a name, kept unless a later ".." removes it */
            for (i = end, depth = 1; i < len && depth > 0;) {
                size_t k = seg_at(p, len, i + 1, &i);
                if (k == 3) {
                    depth++;
                } else if (k == 2) {
                    depth--;
                }
            }
            if (depth > 0) {
                if (kept++ > 0 || p[0] == '/') {
                    hw_byte(s, '/');
                }
                put_uri(s, NULL, p + start, end - start, UNRESERVED);
            }
        }
        if (end == len) {
            break;
        }
        start = end + 1;
    }
    /* a trailing slash is kept; a path without any name signs as "/" */
    if (kept == 0 || p[len - 1] == '/') {
        hw_byte(s, '/');
    }
}

/* The request's headers (the caller's, then the signer's own) and query:
 * the items the canonical request lists in order. */
typedef struct {
    const pe_header_t *user, *own;
    size_t nuser, count;
    const char *q;
    size_t qlen;
} items_t;

static const pe_header_t *header_at(const items_t *g, size_t i)
{
    return i < g->nuser ? g->user + i : g->own + (i - g->nuser);
}

/* Header names compare as lower case. */
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

/* A query parameter "key[=value]" read from p as a row of ranks: each
 * byte of the key, percent-decoded, then 0 for the key's end, then each
 * byte of the value; -1 at its end ('&' or the query's). A byte's rank
 * orders its encoding: "%XX" sorts below every unreserved byte, and by
 * the byte. */
typedef struct {
    const char *p, *end;
    bool key;
} qparam_t;

static void qparam_at(const items_t *g, size_t pos, qparam_t *x)
{
    x->p = g->q + pos;
    x->end = g->q + g->qlen;
    x->key = true;
}

static int qparam_next(qparam_t *x)
{
    unsigned c = x->p == x->end ? '&' : (unsigned char)*x->p;
    int d;
    if (x->key && (c == '&' || c == '=')) {
        x->key = false;
        x->p += c == '=';
        return 0;
    }
    if (c == '&') {
        return -1;
    }
    x->p++;
    if (c == '%' && x->end - x->p >= 2 && (d = hex2(x->p)) >= 0) {
        c = (unsigned)d;
        x->p += 2;
    }
    return (int)(1u + c + (KEPT(UNRESERVED, c) ? 256u : 0u));
}

/* Order of items a and b: headers (query false, items 0..count-1) by
 * name, query parameters (items: the positions where one starts) by
 * encoded key, then encoded value; then by item. */
static int item_cmp(const items_t *g, bool query, size_t a, size_t b)
{
    int d;
    if (query) {
        qparam_t x, y;
        int cx, cy;
        qparam_at(g, a, &x);
        qparam_at(g, b, &y);
        do {
            cx = qparam_next(&x);
            cy = qparam_next(&y);
        } while (cx == cy && cx >= 0);
        d = cx - cy;
    } else {
        d = name_cmp(header_at(g, a), header_at(g, b));
    }
    return d != 0 ? d : (a > b) - (a < b);
}

#define NONE ((size_t)-1)

/* The item after prev (NONE: the first), or NONE: a selection of the
 * next smallest (no copy to sort). */
static size_t item_next(const items_t *g, bool query, size_t prev)
{
    size_t i, best = NONE, n = query ? g->qlen + 1u : g->count;
    for (i = 0; i < n; i++) {
        if ((!query || i == 0 || g->q[i - 1] == '&') &&
            (prev == NONE || item_cmp(g, query, i, prev) > 0) &&
            (best == NONE || item_cmp(g, query, i, best) < 0)) {
            best = i;
        }
    }
    return best;
}

/* Header value trimmed, inner runs of blanks as one space: its words
 * (runs of bytes but blanks) one space apart. */
static void hw_value(pe_sigv4_signer_t *s, const char *v, size_t len)
{
    size_t i, start = 0, sep = 0;
    for (i = 0; i <= len; i++) {
        if (i == len || v[i] == ' ' || v[i] == '\t') {
            if (i > start) {
                hw_put(s, " ", sep); /* none before the first word */
                hw_put(s, v + start, i - start);
                sep = 1;
            }
            start = i + 1;
        }
    }
}

pe_status_t pe_sigv4_sign(pe_sigv4_signer_t *signer,
                          const pe_sigv4_request_t *req, char *auth,
                          size_t cap, size_t *needed, pe_sigv4_extra_t *extra)
{
    pe_header_t own[4], *h = own;
    items_t g;
    job_t j;
    piece_t *a = j.arg;
    sink_t o;
    char *names, *hex;
    const char *path;
    size_t i, k, prev, path_len;
    pe_status_t st;
    if (signer == NULL || req == NULL ||
        (req->flags & ~(PE_SIGV4_NORMALIZE_PATH | PE_SIGV4_CONTENT_SHA256)) != 0u ||
        (req->path == NULL && req->path_len > 0) ||
        (req->query == NULL && req->query_len > 0) ||
        (req->headers == NULL && req->header_count > 0)) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    memset(&j, 0, sizeof j);
    a[A_METHOD].p = req->method;
    a[A_REGION].p = req->region;
    a[A_SERVICE].p = req->service;
    j.payload = req->payload;
    j.payload_len = req->payload_len;
    st = job_check(signer, &j, req->time);
    if (st != PE_OK) {
        return st;
    }
    /* the signer's headers; x-amz-content-sha256's value comes later */
    h->name = NAME_DATE;
    h->name_len = 10;
    h->value = signer->amz_date;
    h++->value_len = 16;
    if (signer->token != NULL) {
        h->name = NAME_TOKEN;
        h->name_len = 20;
        h->value = signer->token;
        h++->value_len = signer->token_len;
    }
    if ((req->flags & PE_SIGV4_CONTENT_SHA256) != 0u) {
        h->name = "x-amz-content-sha256";
        h->name_len = 20;
        h++->value_len = PE_SHA256_HEX_LEN;
    }
    g.user = req->headers;
    g.nuser = req->header_count;
    g.own = own;
    g.count = g.nuser + (size_t)(h - own);
    g.q = req->query;
    g.qlen = req->query_len;
    /* then "host", which only the caller's may name */
    h->name = NAME_HOST;
    h->name_len = 4;
    /* SignedHeaders: n names, n - 1 ';' */
    a[A_SIGNED].n = NONE;
    for (i = 0; i <= g.count; i++) {
        const pe_header_t *x = header_at(&g, i);
        bool dup = false;
        if (i < g.nuser && (!in_class(x->name, x->name_len, TOKEN) ||
                            (x->value == NULL && x->value_len > 0) ||
                            !is_one_line(x->value, x->value_len))) {
            return PE_ERR_INVALID_ARGUMENT;
        }
        for (k = 0; k < i; k++) {
            dup = dup || name_cmp(x, header_at(&g, k)) == 0;
        }
        /* a header the signer adds, or no Host */
        if (i >= g.nuser && dup != (i == g.count)) {
            return PE_ERR_INVALID_ARGUMENT;
        }
        if (!dup) {
            a[A_SIGNED].n += x->name_len + 1u;
        }
    }
    /* t_auth's text (but its NUL and 7 piece codes) and pieces */
    i = sizeof t_auth - 8u + a[A_KEY_ID].n + 8u + a[A_REGION].n +
        a[A_SERVICE].n + 12u + a[A_SIGNED].n + PE_SHA256_HEX_LEN;
    if (needed != NULL) {
        *needed = i;
    }
    if (auth == NULL || cap <= i) {
        if (auth != NULL && cap > 0) {
            auth[0] = '\0';
        }
        return PE_ERR_BUFFER_TOO_SMALL;
    }
    memset(&o, 0, sizeof o);
    o.buf = auth;
    o.cap = cap;
    emit(signer, &o, t_auth, a);
    auth[o.len] = '\0';
    hex = auth + o.len - PE_SHA256_HEX_LEN;
    names = hex - (sizeof ", Signature=" - 1u) - a[A_SIGNED].n;
    sign_begin(signer, &j, hex);
    if ((req->flags & PE_SIGV4_CONTENT_SHA256) != 0u) {
        h[-1].value = hex;
    }
    if (extra != NULL) {
        /* lengths from the pieces (17 with the NUL, 64): memcpy calls
         * rather than copies the compiler writes out */
        memcpy(extra->amz_date, signer->amz_date, a[A_DATE].n + 1u);
        memcpy(extra->payload_sha256, hex, a[A_HEX].n);
        extra->payload_sha256[PE_SHA256_HEX_LEN] = '\0';
    }
    path = req->path;
    path_len = req->path_len;
    if (path_len == 0) { /* signs as "/" */
        path = "/";
        path_len = 1;
    }
    if ((req->flags & PE_SIGV4_NORMALIZE_PATH) != 0u) {
        hw_path_normalized(signer, path, path_len);
    } else {
        put_uri(signer, NULL, path, path_len, unreserved_slash);
    }
    hw_byte(signer, '\n');
    for (prev = NONE; g.qlen > 0 && (i = item_next(&g, true, prev)) != NONE;
         prev = i) {
        qparam_t x;
        int r;
        if (prev != NONE) {
            hw_byte(signer, '&');
        }
        qparam_at(&g, i, &x);
        while ((r = qparam_next(&x)) >= 0) {
            char c[1];
            c[0] = (char)(r - 1);
            if (r == 0) {
                hw_byte(signer, '=');
            } else {
                put_uri(signer, NULL, c, 1, UNRESERVED);
            }
        }
    }
    hw_byte(signer, '\n');
    /* "name:value[,value...]\n" per name, repeated names' values in their
     * given order; the lower-case names also go to names, ';'-separated */
    for (prev = NONE, k = 0; (i = item_next(&g, false, prev)) != NONE;
         prev = i) {
        const pe_header_t *x = header_at(&g, i);
        if (prev != NONE && name_cmp(x, header_at(&g, prev)) == 0) {
            hw_byte(signer, ',');
        } else {
            size_t n;
            if (prev != NONE) {
                hw_byte(signer, '\n');
                names[k++] = ';';
            }
            for (n = 0; n < x->name_len; n++) {
                names[k + n] = (char)lower((unsigned char)x->name[n]);
            }
            hw_put(signer, names + k, n);
            k += n;
            hw_byte(signer, ':');
        }
        hw_value(signer, x->value, x->value_len);
    }
    hw_byte(signer, '\n');
    a[A_SIGNED].p = names;
    return sign_end(signer, &j, T_TAIL_ONLY, auth, o.len + 1u);
}

pe_status_t pe_sigv4_sign_traced(pe_sigv4_signer_t *signer,
                                 const pe_sigv4_request_t *req, char *auth,
                                 size_t cap, size_t *needed,
                                 pe_sigv4_extra_t *extra,
                                 pe_sigv4_trace_fn fn, void *fn_ctx)
{
    pe_status_t st;
    pe_sigv4_set_trace(signer, fn, fn_ctx);
    st = pe_sigv4_sign(signer, req, auth, cap, needed, extra);
    pe_sigv4_set_trace(signer, NULL, NULL);
    return st;
}
