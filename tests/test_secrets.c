/*
 * test_secrets.c - the secret key, the derived signing key and the session
 * token do not outlive their use: they are wiped when the credentials are
 * replaced (pe_sigv4_init again), when an init fails, at pe_sigv4_deinit
 * and at pe_client_deinit; pe_posix_credentials_wipe clears what
 * pe_posix_load_credentials found. Checked by reading the structs' bytes.
 */
#include "pe_client.h"
#include "pe_posix_env.h"
#include "pe_sigv4.h"
#include "pe_test.h"

#include <stdlib.h>
#include <string.h>

#define SECRET_A "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SECRET_B "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbQxRm4Zt9Wp"
#define TOKEN_A "FQoGZXIvYXdzSessionTokenForTheSecretsTest0123456789abcd"

/* Whether any 8-byte piece of secret appears in the n bytes at p (and
 * so, whether a copy of it, whole or in part, is left there). */
static bool holds_piece_of(const void *p, size_t n, const char *secret)
{
    const unsigned char *b = (const unsigned char *)p;
    size_t slen = strlen(secret), piece = slen < 8 ? slen : 8;
    for (size_t s = 0; s + piece <= slen; s++) {
        for (size_t i = 0; i + piece <= n; i++) {
            if (memcmp(b + i, secret + s, piece) == 0) {
                return true;
            }
        }
    }
    return false;
}

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = (const unsigned char *)p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != 0) {
            return false;
        }
    }
    return true;
}

/* Signs one small request, which derives and caches the signing key. */
static pe_status_t sign_one(pe_sigv4_signer_t *s)
{
    static const pe_header_t headers[] = {
        {"Host", 4, "email.us-east-1.amazonaws.com", 29}};
    pe_sigv4_request_t req;
    char auth[512];
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.path = "/v1/email/account";
    req.path_len = strlen(req.path);
    req.headers = headers;
    req.header_count = 1;
    req.region = "us-east-1";
    req.service = "ses";
    req.time = 1700000000;
    return pe_sigv4_sign(s, &req, auth, sizeof auth, NULL, NULL);
}

#define CHECK_NO_SECRET(p, n, secret, when)                                   \
    CHECK(!holds_piece_of((p), (n), (secret)),                                 \
          "%s: a piece of the secret is still in the struct", (when))

#define CHECK_KEY_WIPED(s, when)                                              \
    do {                                                                      \
        CHECK(all_zero(&(s)->key_inner, sizeof(s)->key_inner),                \
              "%s: key_inner not all zero", (when));                          \
        CHECK(all_zero(&(s)->key_outer, sizeof(s)->key_outer),                \
              "%s: key_outer not all zero", (when));                          \
        CHECK(!(s)->key_valid, "%s: a signing key still counts as cached",    \
              (when));                                                        \
    } while (0)

#define CHECK_NO_TOKEN(s, when)                                               \
    CHECK((s)->token == NULL && (s)->token_len == 0,                          \
          "%s: the signer still references a session token (%p, %zu)",        \
          (when), (const void *)(s)->token, (s)->token_len)

static void test_signer(void)
{
    pe_sigv4_signer_t s;
    /* the token lives in the caller's memory; the signer only points */
    char *token = malloc(sizeof TOKEN_A);
    memcpy(token, TOKEN_A, sizeof TOKEN_A);
    memset(&s, 0x5A, sizeof s); /* what a fresh stack holds */

    CHECK_EQ_INT(pe_sigv4_init(&s, "AKIDEXAMPLE", SECRET_A, token), PE_OK);
    CHECK_EQ_INT(sign_one(&s), PE_OK);
    /* the checks can see a secret and a key when there is one */
    CHECK(holds_piece_of(&s, sizeof s, SECRET_A), "the secret is not found "
          "in an initialised signer: the search is broken");
    CHECK(!all_zero(&s.key_inner, sizeof s.key_inner) &&
              !all_zero(&s.key_outer, sizeof s.key_outer) && s.key_valid,
          "no signing key cached after a signature");
    CHECK(s.token == token, "the token is referenced, not copied");
    CHECK(!holds_piece_of(&s, sizeof s, TOKEN_A),
          "the token was copied into the signer");

    /* replaced: the old secret, key and token are gone */
    CHECK_EQ_INT(pe_sigv4_init(&s, "AKIDOTHER", SECRET_B, NULL), PE_OK);
    CHECK_NO_SECRET(&s, sizeof s, SECRET_A, "replaced");
    CHECK_KEY_WIPED(&s, "replaced");
    CHECK_NO_TOKEN(&s, "replaced");
    CHECK(holds_piece_of(&s, sizeof s, SECRET_B), "the new secret is there");

    /* deinit after a signature */
    CHECK_EQ_INT(sign_one(&s), PE_OK);
    pe_sigv4_deinit(&s);
    CHECK_NO_SECRET(&s, sizeof s, SECRET_B, "deinit");
    CHECK_KEY_WIPED(&s, "deinit");
    CHECK_NO_TOKEN(&s, "deinit");
    CHECK(all_zero(&s, sizeof s), "deinit: the signer is not all zero");
    CHECK(sign_one(&s) == PE_ERR_INVALID_ARGUMENT,
          "a wiped signer still signs");

    /* deinit with a token */
    CHECK_EQ_INT(pe_sigv4_init(&s, "AKIDEXAMPLE", SECRET_A, token), PE_OK);
    CHECK_EQ_INT(sign_one(&s), PE_OK);
    pe_sigv4_deinit(&s);
    CHECK_NO_SECRET(&s, sizeof s, SECRET_A, "deinit with token");
    CHECK_KEY_WIPED(&s, "deinit with token");
    CHECK_NO_TOKEN(&s, "deinit with token");

    /* a refused init leaves the signer wiped, old secret included */
    static const struct {
        const char *key_id, *secret, *token, *what;
    } refused[] = {
        {"AKID/BAD", SECRET_B, NULL, "key id with '/'"},
        {"AKIDEXAMPLE", "", NULL, "empty secret"},
        {"AKIDEXAMPLE", SECRET_B, "line\r\nbreak", "token with CR LF"},
        {"AKIDEXAMPLE", SECRET_B, "", "empty token"},
        {NULL, SECRET_B, NULL, "no key id"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        CHECK_EQ_INT(pe_sigv4_init(&s, "AKIDEXAMPLE", SECRET_A, token), PE_OK);
        CHECK_EQ_INT(sign_one(&s), PE_OK);
        CHECK(pe_sigv4_init(&s, refused[i].key_id, refused[i].secret,
                            refused[i].token) == PE_ERR_INVALID_ARGUMENT,
              "%s accepted", refused[i].what);
        CHECK_NO_SECRET(&s, sizeof s, SECRET_A, refused[i].what);
        CHECK_NO_SECRET(&s, sizeof s, SECRET_B, refused[i].what);
        CHECK_KEY_WIPED(&s, refused[i].what);
        CHECK_NO_TOKEN(&s, refused[i].what);
    }
    pe_sigv4_deinit(&s);
    pe_sigv4_deinit(NULL); /* harmless */
    free(token);
}

/* ------------------------------------------------------------ client */

/* A port with nowhere to connect: a call signs its request, then fails to
 * connect, so the signing key is derived and cached without a network. */
static pe_status_t no_connect(void *ctx, const char *host, uint16_t port,
                              uint32_t timeout_ms)
{
    (void)ctx, (void)host, (void)port, (void)timeout_ms;
    return PE_ERR_CONNECT;
}
static int32_t no_send(void *ctx, const uint8_t *buf, size_t len, uint32_t t)
{
    (void)ctx, (void)buf, (void)len, (void)t;
    return PE_PORT_IO;
}
static int32_t no_recv(void *ctx, uint8_t *buf, size_t len, uint32_t t)
{
    (void)ctx, (void)buf, (void)len, (void)t;
    return PE_PORT_IO;
}
static void no_close(void *ctx)
{
    (void)ctx;
}
static int64_t fixed_time(void *ctx)
{
    (void)ctx;
    return 1700000000;
}
static uint32_t zero_ms(void *ctx)
{
    (void)ctx;
    return 0;
}
static void no_sleep(void *ctx, uint32_t ms)
{
    (void)ctx, (void)ms;
}
static pe_status_t counter_random(void *ctx, uint8_t *buf, size_t len)
{
    static uint8_t n;
    (void)ctx;
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(n++ * 167u + 13u);
    }
    return PE_OK;
}

static const pe_port_t offline_port = {no_connect, no_send, no_recv,
                                       no_close, fixed_time, zero_ms,
                                       no_sleep, counter_random, NULL};

static void test_client(const unsigned char *ca, size_t ca_len)
{
    pe_client_t c;
    pe_tls_t tls;
    pe_error_t err;
    pe_get_account_output_t out;
    char *work = malloc(4096);
    char *token = malloc(sizeof TOKEN_A);
    memcpy(token, TOKEN_A, sizeof TOKEN_A);
    pe_config_t cfg = {
        .region = "us-east-1",
        .access_key_id = "AKIDEXAMPLE",
        .secret_access_key = SECRET_A,
        .session_token = token,
        .port = &offline_port,
        .tls = &tls,
        .ca = ca,
        .ca_len = ca_len,
        .max_attempts = 1,
    };
    memset(&c, 0x5A, sizeof c);
    pe_status_t st = pe_client_init(&c, &cfg, work, 4096);
    CHECK_EQ_INT(st, PE_OK);
    if (st == PE_OK) {
        CHECK_EQ_INT(pe_get_account(&c, &(pe_get_account_input_t){0}, &out,
                                    &err),
                     PE_ERR_CONNECT);
        CHECK(c.signer.key_valid && !all_zero(&c.signer.key_inner,
                                              sizeof c.signer.key_inner),
              "a call signs (and caches the key) before it connects");
        CHECK(holds_piece_of(&c, sizeof c, SECRET_A),
              "the secret is not found in an initialised client");
        CHECK(c.signer.token == token, "client: the token is referenced");
        CHECK(!holds_piece_of(work, 4096, SECRET_A),
              "the secret went into the work buffer");
        pe_client_deinit(&c);
        CHECK_NO_SECRET(&c, sizeof c, SECRET_A, "pe_client_deinit");
        CHECK_KEY_WIPED(&c.signer, "pe_client_deinit");
        CHECK_NO_TOKEN(&c.signer, "pe_client_deinit");
        CHECK(all_zero(&c, sizeof c), "pe_client_deinit: client not all zero");
        CHECK_NO_SECRET(&tls, sizeof tls, SECRET_A, "pe_client_deinit (tls)");
        CHECK(!holds_piece_of(work, 4096, SECRET_A),
              "the secret is in the work buffer after deinit");
    }

    /* init fails after the signer took the credentials (no CA parses):
     * nothing of them stays in the client */
    static const unsigned char not_a_ca[] = "not a certificate";
    cfg.ca = not_a_ca;
    cfg.ca_len = sizeof not_a_ca;
    memset(&c, 0x5A, sizeof c);
    CHECK_EQ_INT(pe_client_init(&c, &cfg, work, 4096), PE_ERR_CERT_VERIFY);
    CHECK_NO_SECRET(&c, sizeof c, SECRET_A, "failed pe_client_init");
    CHECK_KEY_WIPED(&c.signer, "failed pe_client_init");
    CHECK_NO_TOKEN(&c.signer, "failed pe_client_init");
    /* refused credentials */
    cfg.ca = ca;
    cfg.ca_len = ca_len;
    cfg.session_token = "two\nlines";
    CHECK_EQ_INT(pe_client_init(&c, &cfg, work, 4096), PE_ERR_INVALID_ARGUMENT);
    CHECK_NO_SECRET(&c, sizeof c, SECRET_A, "refused token");
    CHECK_NO_TOKEN(&c.signer, "refused token");
    free(token);
    free(work);
}

/* ------------------------------------------------------------ env */

static void test_posix_credentials(void)
{
    pe_posix_credentials_t creds;
    memset(&creds, 0x5A, sizeof creds);
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET_B, 1);
    setenv("AWS_SESSION_TOKEN", TOKEN_A, 1);
    CHECK_EQ_INT(pe_posix_load_credentials(&creds), PE_OK);
    CHECK_EQ_STR(creds.secret_access_key, SECRET_B);
    CHECK_EQ_STR(creds.session_token, TOKEN_A);
    pe_posix_credentials_wipe(&creds);
    CHECK(all_zero(&creds, sizeof creds),
          "pe_posix_credentials_wipe: credentials not all zero");

    /* a refused (too long) token: nothing of what was read is kept */
    char long_token[5000];
    memset(long_token, 'T', sizeof long_token - 1);
    long_token[sizeof long_token - 1] = '\0';
    setenv("AWS_SESSION_TOKEN", long_token, 1);
    memset(&creds, 0x5A, sizeof creds);
    CHECK_EQ_INT(pe_posix_load_credentials(&creds), PE_ERR_INVALID_ARGUMENT);
    CHECK(!holds_piece_of(&creds, sizeof creds, SECRET_B),
          "refused credentials: the secret stayed in the struct");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
}

int main(void)
{
    /* any CA certificates will do for pe_client_init: the system's */
    size_t ca_len = 0;
    unsigned char *ca = pe_posix_read_file(PE_POSIX_DEFAULT_CA_FILE, &ca_len);
    test_signer();
    CHECK(ca != NULL, "cannot read %s", PE_POSIX_DEFAULT_CA_FILE);
    if (ca) {
        test_client(ca, ca_len);
    }
    free(ca);
    test_posix_credentials();
    return pe_test_summary();
}
