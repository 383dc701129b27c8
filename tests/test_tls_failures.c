/*
 * test_tls_failures.c - servers the client must refuse: a certificate for
 * another name, an expired one, one from an unknown CA, a self-signed one
 * (PE_ERR_CERT_VERIFY, never retried), and servers that speak only
 * TLS 1.0 or only TLS 1.1 (PE_ERR_TLS_HANDSHAKE, retried by the policy).
 * In every case the server (tests/tls_server.py) must have received no
 * application data: not one byte of the request, on any attempt. A good
 * server through the same machinery is the control: it must see the
 * request.
 *
 * The certificates are made with `openssl` into a temporary folder at run
 * time. Run from the repository root.
 */
#include "pe_client.h"
#include "pe_port_posix.h"
#include "pe_posix_env.h"
#include "pe_test.h"
#include "support/faultport.h"
#include "support/tlsserver.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WORK_SIZE (8u * 1024u)
#define ATTEMPTS 3u

typedef struct {
    const char *kase;     /* tests/tls_server.py's case */
    const char *what;
    pe_status_t want;     /* of every call */
    unsigned connects;    /* per call: 1 (refusals are never retried) */
} tls_case_t;

static const tls_case_t cases[] = {
    {"wronghost", "(a) certificate for another host name", PE_ERR_CERT_VERIFY, 1},
    {"expired", "(b) expired certificate", PE_ERR_CERT_VERIFY, 1},
    {"unknownca", "(c) certificate from an unknown CA", PE_ERR_CERT_VERIFY, 1},
    {"selfsigned", "(d) self-signed certificate", PE_ERR_CERT_VERIFY, 1},
    {"tls10", "(e) server with TLS 1.0 only", PE_ERR_TLS_HANDSHAKE, 1},
    {"tls11", "(e) server with TLS 1.1 only", PE_ERR_TLS_HANDSHAKE, 1},
    {"good", "control: a good server", PE_OK, 1},
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const to[] = {"ops@example.com"};

/* GetAccount, then SendEmail (a POST), each through one client; the
 * server's report is checked after both. */
static void run_case(const tls_case_t *tc, const char *dir,
                     const unsigned char *ca, size_t ca_len)
{
    pe_tlssrv_t srv;
    pe_posix_port_t posix;
    pe_port_t inner;
    pe_faultport_t fp; /* no fault: counts connections and bytes */
    pe_tls_t tls;
    pe_client_t client;
    pe_error_t err;
    char *work = malloc(WORK_SIZE);
    unsigned connects[2] = {0, 0};
    pe_status_t st[2] = {PE_ERR_IO, PE_ERR_IO};
    double took[2] = {0, 0};

    if (!pe_tlssrv_start(&srv, dir, tc->kase, 10000)) {
        CHECK(false, "%s: server: %s", tc->kase, srv.error);
        free(work);
        return;
    }
    pe_posix_port_init(&posix, &inner);
    pe_faultport_init(&fp, &inner);
    pe_config_t cfg = {
        .region = "us-east-1",
        .endpoint_host = "localhost",
        .endpoint_port = srv.port,
        .access_key_id = "AKIDEXAMPLE",
        .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        .port = &fp.port,
        .tls = &tls,
        .ca = ca,
        .ca_len = ca_len,
        .connect_timeout_ms = 3000,
        .io_timeout_ms = 3000,
        .max_attempts = ATTEMPTS,
        .retry_base_ms = 10,
        .retry_cap_ms = 50,
    };
    pe_status_t init = pe_client_init(&client, &cfg, work, WORK_SIZE);
    CHECK(init == PE_OK, "%s: init: %s", tc->kase, pe_strerror(init));
    if (init == PE_OK) {
        pe_get_account_output_t acct;
        pe_content_t subject = {"refused", NULL};
        pe_content_t text = {"must never leave", NULL};
        pe_body_t body = {&text, NULL};
        pe_message_t msg = {&subject, &body};
        pe_email_content_t content = {&msg, NULL, NULL};
        pe_destination_t dest = {{to, 1}, {NULL, 0}, {NULL, 0}};
        pe_send_email_input_t send = {"sender@example.com", &dest, {NULL, 0},
                                      NULL, &content, {NULL, 0}, NULL};
        pe_send_email_output_t sent;
        double t0;

        pe_faultport_arm(&fp, 0, PE_FAULT_NONE);
        t0 = now_s();
        st[0] = pe_get_account(&client, &(pe_get_account_input_t){0}, &acct,
                               &err);
        took[0] = now_s() - t0;
        connects[0] = fp.connects;

        pe_faultport_arm(&fp, 0, PE_FAULT_NONE);
        t0 = now_s();
        st[1] = pe_send_email(&client, &send, &sent, &err);
        took[1] = now_s() - t0;
        connects[1] = fp.connects;
        pe_client_deinit(&client);
    }
    bool clean = pe_tlssrv_finish(&srv, 15000);
    CHECK(clean, "%s: server did not end cleanly (%u reports, done=%d): %s",
          tc->kase, srv.count, srv.done, srv.out);

    unsigned app_total = 0, failed = 0;
    for (int i = 0; i < 2; i++) {
        const char *call = i == 0 ? "GetAccount" : "SendEmail";
        CHECK(st[i] == tc->want, "%s: %s: %s, expected %s", tc->kase, call,
              pe_strerror(st[i]), pe_strerror(tc->want));
        /* certificate and handshake refusals are never retried; the good
         * server's connection is kept for the second call */
        unsigned lo = tc->connects, hi = tc->connects;
        if (tc->want == PE_OK && i == 1) {
            lo = hi = 0;
        }
        CHECK(connects[i] >= lo && connects[i] <= hi,
              "%s: %s: %u connections, expected %u..%u", tc->kase, call,
              connects[i], lo, hi);
        CHECK(took[i] < 10.0, "%s: %s took %.2f s", tc->kase, call, took[i]);
    }
    /* every connection the client opened reached the server and was
     * reported (the good server keeps one for both calls) */
    CHECK(srv.count == connects[0] + connects[1],
          "%s: the server saw %u connections, the client opened %u", tc->kase,
          srv.count, connects[0] + connects[1]);
    for (unsigned i = 0; i < srv.count; i++) {
        const pe_tlssrv_conn_t *c = &srv.conns[i];
        app_total += (unsigned)c->app_bytes;
        failed += !c->handshake_ok;
        if (tc->want == PE_OK) {
            CHECK(c->handshake_ok && c->app_bytes > 0,
                  "control: handshake %s, %lu application bytes: the server "
                  "would not notice a request", c->handshake_ok ? "ok" : "failed",
                  c->app_bytes);
        } else {
            CHECK(!c->handshake_ok,
                  "%s: connection %u: the server completed a handshake (%s)",
                  tc->kase, i + 1, c->version);
            CHECK(c->app_bytes == 0,
                  "%s: connection %u: %lu request bytes reached the server",
                  tc->kase, i + 1, c->app_bytes);
        }
    }
    printf("%-10s %-38s GetAccount %s, SendEmail %s; %u connection(s), "
           "%u failed handshakes, %u application bytes received (%s)\n",
           tc->kase, tc->what, pe_strerror(st[0]), pe_strerror(st[1]),
           srv.count, failed, app_total,
           srv.count ? srv.conns[0].reason : "-");
    free(work);
}

int main(void)
{
    char dir[PE_TLSSRV_PATH_MAX], why[256], path[PE_TLSSRV_PATH_MAX + 16];
    unsigned char *ca;
    size_t ca_len = 0;

    if (!pe_tlssrv_certs(dir, why, sizeof why)) {
        CHECK(false, "certificates: %s", why);
        pe_tlssrv_remove_certs(dir);
        return pe_test_summary();
    }
    snprintf(path, sizeof path, "%s/ca.pem", dir);
    ca = pe_posix_read_file(path, &ca_len);
    CHECK(ca != NULL, "cannot read %s", path);
    for (size_t i = 0; ca && i < sizeof cases / sizeof cases[0]; i++) {
        run_case(&cases[i], dir, ca, ca_len);
    }
    free(ca);
    pe_tlssrv_remove_certs(dir);
    return pe_test_summary();
}
