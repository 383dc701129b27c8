/*
 * bench_client.c - the reference SendEmail (tests/bench/README.md) through
 * the client, against the local service (tests/sim), on the host.
 *
 *   bench_client BODY body             checks that the library builds the
 *                                      reference body byte for byte
 *   bench_client BODY worksize         smallest work buffer that sends the
 *                                      email and reads the answer (bisection)
 *   bench_client BODY handshake        a full, then a resumed TLS handshake,
 *                                      each followed by a callgrind dump
 *                                      (run under --toggle-collect=
 *                                      mbedtls_ssl_handshake)
 *   bench_client BODY cpu N REPS       REPS lines "cpu_us_per_send: X", each
 *                                      the process CPU time of N SendEmail
 *                                      calls on a kept-alive connection / N
 *   bench_client BODY alert N          N rounds of three SendEmail calls: on
 *                                      the kept-alive connection, after
 *                                      pe_client_disconnect keeping the
 *                                      session (resumed handshake), after
 *                                      one forgetting it (full handshake);
 *                                      one "alert_wall_us_KIND: X" line per
 *                                      call, and the first round's calls
 *                                      each one callgrind dump
 *
 * Environment: PE_ENDPOINT (https://127.0.0.1:PORT) and PE_CA_BUNDLE, as
 * tests/sim/run prints them; the service must accept the documentation
 * credentials and verify identities when created (--auto-verify).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif

#include "pe_client.h"
#include "pe_port_posix.h"
#include "support/ref_email.h"
#include "support/sim.h"

#include <valgrind/callgrind.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WORK_MAX 16384u

static char ref_body[4096];
static size_t ref_body_len;
static unsigned char ca[256 * 1024];
static size_t ca_len;
static char host[PE_MAX_HOST + 1];
static uint16_t port_number;

static pe_posix_port_t posix;
static pe_port_t port;
static pe_tls_t tls;
static pe_client_t client;
static union {
    uint64_t align_;
    char bytes[WORK_MAX];
} work;

static pe_send_email_input_t input; /* the reference SendEmail */

static size_t read_file(const char *path, void *buf, size_t cap)
{
    size_t n;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    n = fread(buf, 1, cap, f);
    (void)fclose(f);
    if (n == 0 || n == cap) {
        fprintf(stderr, "bench_client: %s: empty or too large\n", path);
        exit(2);
    }
    return n;
}

static int check_body(void)
{
    pe_request_t req;
    size_t needed = 0;
    if (pe_build(&pe_op_send_email, &input, work.bytes, sizeof work.bytes,
                 &needed, &req, NULL) != PE_OK) {
        fprintf(stderr, "bench_client: pe_build failed\n");
        return -1;
    }
    if (req.body_len != ref_body_len || memcmp(req.body, ref_body, ref_body_len) != 0) {
        fprintf(stderr, "bench_client: the library's body differs from the reference:\n%.*s\n",
                (int)req.body_len, req.body);
        return -1;
    }
    return 0;
}

static void settings(void)
{
    const char *ep = getenv("PE_ENDPOINT");
    const char *ca_path = getenv("PE_CA_BUNDLE");
    const char *h, *colon;
    if (ep == NULL || ca_path == NULL || strncmp(ep, "https://", 8) != 0) {
        fprintf(stderr, "bench_client: set PE_ENDPOINT=https://HOST:PORT and PE_CA_BUNDLE\n");
        exit(2);
    }
    h = ep + 8;
    colon = strchr(h, ':');
    if (colon == NULL || (size_t)(colon - h) > PE_MAX_HOST) {
        fprintf(stderr, "bench_client: bad PE_ENDPOINT %s\n", ep);
        exit(2);
    }
    memcpy(host, h, (size_t)(colon - h));
    port_number = (uint16_t)strtoul(colon + 1, NULL, 10);
    ca_len = read_file(ca_path, ca, sizeof ca - 1);
    ca[ca_len++] = '\0'; /* PEM: the NUL is counted */
    pe_posix_port_init(&posix, &port);
}

static pe_status_t init(size_t work_size)
{
    pe_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.region = "us-east-1";
    cfg.endpoint_host = host;
    cfg.endpoint_port = port_number;
    cfg.access_key_id = PE_SIM_ACCESS_KEY;
    cfg.secret_access_key = PE_SIM_SECRET_KEY;
    cfg.port = &port;
    cfg.tls = &tls;
    cfg.ca = ca;
    cfg.ca_len = ca_len;
    cfg.max_attempts = 1; /* a figure must not hide a retry */
    return pe_client_init(&client, &cfg, work.bytes, work_size);
}

static pe_status_t send_once(pe_error_t *err)
{
    pe_send_email_output_t out;
    pe_status_t st = pe_send_email(&client, &input, &out, err);
    if (st == PE_OK && (out.message_id == NULL || out.message_id[0] == '\0')) {
        return PE_ERR_MALFORMED_RESPONSE;
    }
    return st;
}

/* The sender's domain, verified at once by --auto-verify. */
static int setup_identity(void)
{
    pe_create_email_identity_input_t in;
    pe_create_email_identity_output_t out;
    pe_error_t err;
    pe_status_t st;
    memset(&in, 0, sizeof in);
    in.email_identity = "example.com";
    st = pe_create_email_identity(&client, &in, &out, &err);
    if (st == PE_OK || (st == PE_ERR_SERVICE && err.code == PE_EC_ALREADY_EXISTS)) {
        return 0;
    }
    fprintf(stderr, "bench_client: CreateEmailIdentity: %s\n", pe_strerror(st));
    return -1;
}

static int fail(const char *what, pe_status_t st, const pe_error_t *err)
{
    fprintf(stderr, "bench_client: %s: %s", what, pe_strerror(st));
    if (st == PE_ERR_SERVICE && err != NULL) {
        fprintf(stderr, " (%s: %s)", err->code_text ? err->code_text : "?",
                err->message ? err->message : "");
    }
    fprintf(stderr, "\n");
    return 1;
}

/* Does a work buffer of n bytes carry the reference SendEmail? */
static bool works(size_t n, size_t *needed)
{
    pe_error_t err;
    pe_status_t st;
    memset(&err, 0, sizeof err);
    if (init(n) != PE_OK) {
        return false;
    }
    st = send_once(&err);
    if (st == PE_ERR_BUFFER_TOO_SMALL && err.needed > *needed) {
        *needed = err.needed;
    }
    pe_client_deinit(&client);
    if (st != PE_OK && st != PE_ERR_BUFFER_TOO_SMALL) {
        fprintf(stderr, "bench_client: work %zu: %s\n", n, pe_strerror(st));
    }
    return st == PE_OK;
}

static int mode_worksize(void)
{
    size_t lo = 0, hi = WORK_MAX, hint = 0; /* lo fails, hi works */
    if (!works(hi, &hint)) {
        fprintf(stderr, "bench_client: even %zu bytes of work do not do\n", hi);
        return 1;
    }
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (works(mid, &hint)) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    printf("work_min: %zu\n", hi);
    printf("largest_needed_reported: %zu\n", hint);
    printf("sizeof_pe_client_t_host: %zu\n", sizeof(pe_client_t));
    printf("sizeof_pe_tls_t_host: %zu\n", sizeof(pe_tls_t));
    return 0;
}

static int mode_handshake(void)
{
    pe_error_t err;
    pe_status_t st;
    if (init(sizeof work.bytes) != PE_OK) {
        return 1;
    }
    /* 1: the first connection, a full handshake, carries a control request
     * that makes the service close the connection after its next answer. */
    CALLGRIND_ZERO_STATS;
    st = pe_sim_fault(&client, "close-after", 1, 0);
    CALLGRIND_DUMP_STATS_AT("full");
    if (st != PE_OK) {
        return fail("fault", st, NULL);
    }
    st = send_once(&err); /* on the kept-alive connection; then closed */
    if (st != PE_OK) {
        return fail("SendEmail 1", st, &err);
    }
    usleep(200 * 1000); /* the service's close has surely arrived */
    /* 2: the client reconnects and resumes the session (ticket). */
    CALLGRIND_ZERO_STATS;
    st = send_once(&err);
    CALLGRIND_DUMP_STATS_AT("resumed");
    if (st != PE_OK) {
        return fail("SendEmail 2", st, &err);
    }
    pe_client_deinit(&client);
    printf("handshakes: done\n");
    return 0;
}

static double cpu_us(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int mode_cpu(long n, long reps)
{
    pe_error_t err;
    pe_status_t st;
    if (init(sizeof work.bytes) != PE_OK) {
        return 1;
    }
    st = send_once(&err); /* connects: the handshake is not counted */
    if (st != PE_OK) {
        return fail("SendEmail", st, &err);
    }
    for (long r = 0; r < reps; r++) {
        double t0 = cpu_us();
        for (long i = 0; i < n; i++) {
            st = send_once(&err);
            if (st != PE_OK) {
                return fail("SendEmail", st, &err);
            }
        }
        printf("cpu_us_per_send: %.2f\n", (cpu_us() - t0) / (double)n);
        fflush(stdout);
    }
    pe_client_deinit(&client);
    return 0;
}

static double wall_us(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int mode_alert(long n)
{
    static const char *const kinds[] = {"keepalive", "resumed", "full"};
    pe_error_t err;
    pe_status_t st;
    if (init(sizeof work.bytes) != PE_OK) {
        return 1;
    }
    st = send_once(&err); /* connects: not counted */
    if (st != PE_OK) {
        return fail("SendEmail", st, &err);
    }
    for (long r = 0; r < n; r++) {
        for (unsigned k = 0; k < 3; k++) {
            double t0;
            if (k > 0) {
                pe_client_disconnect(&client, k == 1);
            }
            if (r == 0) {
                CALLGRIND_ZERO_STATS;
            }
            t0 = wall_us();
            st = send_once(&err);
            if (r == 0) {
                CALLGRIND_DUMP_STATS_AT(kinds[k]);
            }
            if (st != PE_OK) {
                return fail(kinds[k], st, &err);
            }
            printf("alert_wall_us_%s: %.1f\n", kinds[k], wall_us() - t0);
        }
    }
    pe_client_deinit(&client);
    return 0;
}

int main(int argc, char **argv)
{
    int rc;
    if (argc < 3) {
        fprintf(stderr, "usage: bench_client BODY body|worksize|handshake|cpu N REPS|alert N\n");
        return 2;
    }
    ref_body_len = read_file(argv[1], ref_body, sizeof ref_body);
    pe_ref_email(&input);
    if (check_body() != 0) {
        return 1;
    }
    if (strcmp(argv[2], "body") == 0) {
        printf("body: identical (%zu bytes)\n", ref_body_len);
        return 0;
    }
    settings();
    if (init(sizeof work.bytes) != PE_OK || setup_identity() != 0) {
        fprintf(stderr, "bench_client: cannot reach the service\n");
        return 1;
    }
    pe_client_deinit(&client);
    if (strcmp(argv[2], "worksize") == 0) {
        rc = mode_worksize();
    } else if (strcmp(argv[2], "handshake") == 0) {
        rc = mode_handshake();
    } else if (strcmp(argv[2], "cpu") == 0 && argc > 4) {
        rc = mode_cpu(strtol(argv[3], NULL, 10), strtol(argv[4], NULL, 10));
    } else if (strcmp(argv[2], "alert") == 0 && argc > 3) {
        rc = mode_alert(strtol(argv[3], NULL, 10));
    } else {
        fprintf(stderr, "bench_client: unknown mode %s\n", argv[2]);
        rc = 2;
    }
    return rc;
}
