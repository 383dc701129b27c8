/*
 * bench_sign.c - SigV4 cost of the reference request (tests/bench/README.md).
 *
 *   bench_sign BODY cached N     N signatures, one signer: the first derives
 *                                the key, the others find it cached
 *   bench_sign BODY derived N    N signatures alternating between two days:
 *                                every one derives its key
 *   bench_sign BODY sha N        N SHA-256 compressions
 *                                (mbedtls_internal_sha256_process)
 *   bench_sign BODY time N REPS  REPS timings of N cached signatures; prints
 *                                "ns_per_signature: X" for each
 *
 * The instruction counts come from running the first three under callgrind
 * twice (N = 1 and N = 1001) and taking the difference, so whatever the
 * process does besides the loop (loading, reading BODY, the check below)
 * cancels out. Every mode first checks that the signature of the reference
 * request is the one botocore computed, and fails otherwise.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "pe_sigv4.h"
#include "support/ref_email.h"

#include <mbedtls/sha256.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The reference request (../shared/bench/README.md). */

static char body[4096];
static size_t body_len;
static volatile unsigned sink;


static int sign(pe_sigv4_signer_t *s, int64_t t, char *auth, size_t cap)
{
    pe_sigv4_request_t req = pe_ref_sign_request(body, body_len, t);
    if (pe_sigv4_sign(s, &req, auth, cap, NULL, NULL) != PE_OK) {
        return -1;
    }
    sink += (unsigned char)auth[strlen(auth) - 1u];
    return 0;
}

static int read_body(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    body_len = fread(body, 1, sizeof body, f);
    (void)fclose(f);
    if (body_len == 0 || body_len == sizeof body) {
        fprintf(stderr, "bench_sign: %s: empty or too large\n", path);
        return -1;
    }
    return 0;
}

static double now_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    static pe_sigv4_signer_t signer;
    char auth[512];
    long n, i;
    if (argc < 4 || read_body(argv[1]) != 0) {
        fprintf(stderr, "usage: bench_sign BODY cached|derived|sha|time N [REPS]\n");
        return 2;
    }
    n = strtol(argv[3], NULL, 10);
    if (n < 1) {
        fprintf(stderr, "bench_sign: N must be at least 1\n");
        return 2;
    }
    if (pe_sigv4_init(&signer, PE_REF_KEY_ID, PE_REF_SECRET, NULL) != PE_OK ||
        sign(&signer, PE_REF_TIME, auth, sizeof auth) != 0 ||
        strcmp(auth, PE_REF_AUTH) != 0) {
        fprintf(stderr, "bench_sign: wrong signature of the reference request:\n  %s\n", auth);
        return 1;
    }
    /* From here on, each mode starts from an empty key cache. */
    if (strcmp(argv[2], "cached") == 0) {
        (void)pe_sigv4_init(&signer, PE_REF_KEY_ID, PE_REF_SECRET, NULL);
        for (i = 0; i < n; i++) {
            if (sign(&signer, PE_REF_TIME, auth, sizeof auth) != 0) {
                return 1;
            }
        }
    } else if (strcmp(argv[2], "derived") == 0) {
        (void)pe_sigv4_init(&signer, PE_REF_KEY_ID, PE_REF_SECRET, NULL);
        for (i = 0; i < n; i++) { /* the day changes every time */
            if (sign(&signer, PE_REF_TIME + (i & 1) * 86400, auth, sizeof auth) != 0) {
                return 1;
            }
        }
    } else if (strcmp(argv[2], "sha") == 0) {
        mbedtls_sha256_context ctx;
        unsigned char block[64];
        memcpy(block, body, sizeof block);
        mbedtls_sha256_init(&ctx);
        (void)mbedtls_sha256_starts_ret(&ctx, 0);
        for (i = 0; i < n; i++) {
            if (mbedtls_internal_sha256_process(&ctx, block) != 0) {
                return 1;
            }
        }
        sink += (unsigned)ctx.state[0];
        mbedtls_sha256_free(&ctx);
    } else if (strcmp(argv[2], "time") == 0 && argc > 4) {
        long reps = strtol(argv[4], NULL, 10);
        (void)pe_sigv4_init(&signer, PE_REF_KEY_ID, PE_REF_SECRET, NULL);
        (void)sign(&signer, PE_REF_TIME, auth, sizeof auth); /* derive once */
        for (long r = 0; r < reps; r++) {
            double t0 = now_ns();
            for (i = 0; i < n; i++) {
                if (sign(&signer, PE_REF_TIME, auth, sizeof auth) != 0) {
                    return 1;
                }
            }
            printf("ns_per_signature: %.1f\n", (now_ns() - t0) / (double)n);
        }
    } else {
        fprintf(stderr, "bench_sign: unknown mode %s\n", argv[2]);
        return 2;
    }
    pe_sigv4_deinit(&signer);
    return 0;
}
