/*
 * fw_mbedtls_config.c - port/mbedtls/pe_mbedtls_firmware_config.h on the
 * target: mbedTLS built for Cortex-M4 with it, run under QEMU.
 *
 *   - all of mbedTLS's memory from one static arena (and, without it,
 *     none: the platform layer binds no calloc);
 *   - PSA starts with the external RNG (here the deterministic test RNG);
 *   - SHA-256 and base64 known answers (what lib/ uses);
 *   - our gmtime_r on dates around the 32-bit limits;
 *   - the clock decision: unset, the time is 0 and a valid certificate
 *     is "not yet valid"; with the board's clock it verifies; far in the
 *     future it is "expired". Certificates: an RSA-2048 and an EC P-256
 *     self-signed CA made by mk/firmware.mk with openssl, read from
 *     build/firmware/certs through semihosting;
 *   - a TLS client context configured as lib/tls_mbedtls.c does, with its
 *     16 KiB + 4 KiB record buffers taken from the arena.
 */
#include "pe_test.h"

#include <mbedtls/base64.h>
#include <mbedtls/memory_buffer_alloc.h>
#include <mbedtls/platform.h>
#include <mbedtls/platform_time.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <psa/crypto.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef PE_FW_CERTS
#define PE_FW_CERTS "build/firmware/certs"
#endif

mbedtls_time_t pe_cortexm_mbedtls_time(mbedtls_time_t *t);

static unsigned char arena[64 * 1024];

static mbedtls_time_t year_2200(mbedtls_time_t *t)
{
    mbedtls_time_t v = (mbedtls_time_t)7258118400LL; /* 2200-01-01 */
    if (t != NULL) {
        *t = v;
    }
    return v;
}

static void test_arena(void)
{
    void *p;
    /* Before the arena: the NO_STD_FUNCTIONS stubs, no heap. */
    CHECK(mbedtls_calloc(1, 16) == NULL, "mbedtls_calloc without an arena");
    mbedtls_memory_buffer_alloc_init(arena, sizeof arena);
    p = mbedtls_calloc(1, 16);
    CHECK(p != NULL && (unsigned char *)p >= arena &&
              (unsigned char *)p < arena + sizeof arena,
          "mbedtls_calloc from the arena: %p", p);
    mbedtls_free(p);
    CHECK(mbedtls_calloc(1, sizeof arena) == NULL, "more than the arena");
}

static void test_psa_rng(void)
{
    unsigned char a[48], b[48];
    CHECK(psa_crypto_init() == PSA_SUCCESS, "psa_crypto_init");
    CHECK(psa_generate_random(a, sizeof a) == PSA_SUCCESS &&
              psa_generate_random(b, sizeof b) == PSA_SUCCESS,
          "psa_generate_random");
    CHECK(memcmp(a, b, sizeof a) != 0, "two draws differ");
}

static void test_sha256_base64(void)
{
    static const unsigned char abc_sha256[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
        0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
        0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    unsigned char md[32], text[16];
    size_t n = 0;
    CHECK(mbedtls_sha256((const unsigned char *)"abc", 3, md, 0) == 0 &&
              memcmp(md, abc_sha256, 32) == 0,
          "SHA-256(abc)");
    CHECK(mbedtls_base64_encode(text, sizeof text, &n,
                                (const unsigned char *)"hello", 5) == 0,
          "base64");
    CHECK_EQ_MEM(text, n, "aGVsbG8=", (size_t)8);
}

static void test_gmtime(void)
{
    static const struct {
        int64_t t;
        int year, mon, mday, hour, min, sec, wday, yday;
    } cases[] = {
        {0, 70, 0, 1, 0, 0, 0, 4, 0},
        {951782400, 100, 1, 29, 0, 0, 0, 2, 59},             /* 2000-02-29 */
        {2147483647, 138, 0, 19, 3, 14, 7, 2, 18},          /* 2038-01-19 */
        {4102444799LL, 199, 11, 31, 23, 59, 59, 4, 364},    /* 2099-12-31 */
        {-1, 69, 11, 31, 23, 59, 59, 3, 364},               /* 1969-12-31 */
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tm tm;
        mbedtls_time_t t = (mbedtls_time_t)cases[i].t;
        struct tm *r = mbedtls_platform_gmtime_r(&t, &tm);
        CHECK(r == &tm && tm.tm_year == cases[i].year && tm.tm_mon == cases[i].mon &&
                  tm.tm_mday == cases[i].mday && tm.tm_hour == cases[i].hour &&
                  tm.tm_min == cases[i].min && tm.tm_sec == cases[i].sec &&
                  tm.tm_wday == cases[i].wday && tm.tm_yday == cases[i].yday,
              "gmtime_r(%ld): %d-%d-%d %d:%d:%d wday %d yday %d", (long)cases[i].t,
              tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min,
              tm.tm_sec, tm.tm_wday, tm.tm_yday);
    }
}

static uint32_t verify_flags(mbedtls_x509_crt *crt)
{
    uint32_t flags = 0;
    (void)mbedtls_x509_crt_verify(crt, crt, NULL, NULL, &flags, NULL, NULL);
    return flags;
}

static void test_certificates(void)
{
    static const char *const names[] = {PE_FW_CERTS "/rsa2048.pem",
                                        PE_FW_CERTS "/p256.pem"};
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        mbedtls_x509_crt crt;
        size_t len = 0;
        char *pem = pe_test_read_file(names[i], &len);
        uint32_t flags;
        CHECK(pem != NULL, "%s: cannot read it (made by make test-firmware)", names[i]);
        if (pem == NULL) {
            continue;
        }
        mbedtls_x509_crt_init(&crt);
        CHECK(mbedtls_x509_crt_parse(&crt, (const unsigned char *)pem, len + 1) == 0,
              "%s: parse", names[i]);
        free(pem);

        (void)mbedtls_platform_set_time(year_2200);
        flags = verify_flags(&crt);
        CHECK(flags == MBEDTLS_X509_BADCERT_EXPIRED, "%s in 2200: flags 0x%lx",
              names[i], (unsigned long)flags);
        (void)mbedtls_platform_set_time(pe_cortexm_mbedtls_time);
        CHECK(mbedtls_time(NULL) > 1700000000, "the board's clock: %ld",
              (long)mbedtls_time(NULL));
        flags = verify_flags(&crt);
        CHECK(flags == 0, "%s now: flags 0x%lx", names[i], (unsigned long)flags);
        mbedtls_x509_crt_free(&crt);
    }
}

/* Before anything sets the clock: time 0, so "not yet valid". */
static void test_unset_clock(void)
{
    mbedtls_x509_crt crt;
    size_t len = 0;
    char *pem = pe_test_read_file(PE_FW_CERTS "/p256.pem", &len);
    uint32_t flags;
    CHECK(mbedtls_time(NULL) == 0, "unset clock: %ld", (long)mbedtls_time(NULL));
    if (pem == NULL) {
        CHECK(false, PE_FW_CERTS "/p256.pem: cannot read it");
        return;
    }
    mbedtls_x509_crt_init(&crt);
    CHECK(mbedtls_x509_crt_parse(&crt, (const unsigned char *)pem, len + 1) == 0,
          "p256.pem: parse");
    free(pem);
    flags = verify_flags(&crt);
    CHECK(flags == MBEDTLS_X509_BADCERT_FUTURE, "unset clock: flags 0x%lx",
          (unsigned long)flags);
    mbedtls_x509_crt_free(&crt);
}

static int rng(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    return psa_generate_random(out, len) == PSA_SUCCESS ? 0 : -1;
}

static void test_tls_context(void)
{
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    mbedtls_ms_time_t t0 = mbedtls_ms_time(), t1;

    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_init(&ssl);
    CHECK(mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
                                      MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT) == 0,
          "ssl_config_defaults");
    mbedtls_ssl_conf_rng(&conf, rng, NULL);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    CHECK(mbedtls_ssl_setup(&ssl, &conf) == 0, "ssl_setup (record buffers from the arena)");
    CHECK(mbedtls_ssl_set_hostname(&ssl, "email.us-east-1.amazonaws.com") == 0,
          "SNI host name");
    CHECK(mbedtls_ssl_get_max_in_record_payload(&ssl) == 16384,
          "incoming records up to 16 KiB: %d", mbedtls_ssl_get_max_in_record_payload(&ssl));
    CHECK(mbedtls_ssl_get_max_out_record_payload(&ssl) == 4096,
          "outgoing records up to 4 KiB: %d", mbedtls_ssl_get_max_out_record_payload(&ssl));
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    t1 = mbedtls_ms_time();
    CHECK(t1 >= t0, "mbedtls_ms_time goes forward: %ld then %ld", (long)t0, (long)t1);
}

int main(void)
{
    test_arena();
    test_psa_rng();
    test_sha256_base64();
    test_gmtime();
    test_unset_clock();
    test_certificates();
    test_tls_context();
    mbedtls_psa_crypto_free();
    mbedtls_memory_buffer_alloc_free();
    return pe_test_summary();
}
