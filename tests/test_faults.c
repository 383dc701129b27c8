/*
 * test_faults.c - a fault at every step of a call. A GetAccount and a
 * SendEmail run against the local service (tests/sim) through a port that
 * wraps the POSIX one (support/faultport.h); first clean, to count the
 * steps (send and recv calls on the port, the TLS handshake included),
 * then once for every step k and every fault kind: a short count (1 byte),
 * PE_PORT_TIMEOUT, PE_PORT_IO, PE_PORT_RESET, PE_PORT_CLOSED at step k.
 *
 * Each faulted call must end with the status the retry policy promises:
 *   - a short count is no fault at all: PE_OK on the same connection;
 *   - GetAccount (a GET, may be repeated): PE_OK after a retry;
 *   - SendEmail (a POST): PE_OK after a retry when the fault came before
 *     the request was completely sent, PE_ERR_OUTCOME_UNKNOWN after that,
 *     never a second copy of the message;
 * within a bounded time, with the guard bytes around the work buffer, the
 * output struct and the pe_error_t intact, and the next call on the same
 * client must succeed. The service's outbox must hold every message
 * exactly once.
 *
 * Two rounds: on a fresh connection (handshake included) and on a kept-
 * alive one (the liveness probe included). Run from the repository root.
 */
#include "pe_client.h"
#include "pe_port_posix.h"
#include "pe_posix_env.h"
#include "pe_test.h"
#include "support/faultport.h"
#include "support/sim.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WORK_SIZE (16u * 1024u)
/* The client's I/O timeout. Slow runs (make sbc: programs under qemu-user
 * on a loaded machine) may give more: -DPE_TEST_IO_TIMEOUT_MS=2000. The
 * injected timeouts wait at most the fault port's cap either way. */
#ifndef PE_TEST_IO_TIMEOUT_MS
#define PE_TEST_IO_TIMEOUT_MS 300u
#endif
#define IO_TIMEOUT_MS PE_TEST_IO_TIMEOUT_MS
#define CALL_BOUND_S 5.0 /* generous: 3 attempts, 300 ms waits, backoff */
#define GUARD 64u
#define GUARD_BYTE 0xC3u
#define MAX_SUBJECTS 1200

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ guarded memory
 * One heap block: guard | work buffer | guard | output | guard | error |
 * guard. Everything that is not work, output or error is a guard byte. */

#define ROUND16(n) (((n) + 15u) & ~(size_t)15u)
#define OUT_SIZE                                                               \
    ROUND16(sizeof(pe_get_account_output_t) > sizeof(pe_send_email_output_t)   \
                ? sizeof(pe_get_account_output_t)                              \
                : sizeof(pe_send_email_output_t))
#define OFF_WORK GUARD
#define OFF_OUT (OFF_WORK + ROUND16(WORK_SIZE) + GUARD)
#define OFF_ERR (OFF_OUT + OUT_SIZE + GUARD)
#define BLOCK (OFF_ERR + ROUND16(sizeof(pe_error_t)) + GUARD)

static unsigned char *block;
static size_t out_len; /* size of the output struct of the current call */

static bool in_use(size_t i)
{
    return (i >= OFF_WORK && i < OFF_WORK + WORK_SIZE) ||
           (i >= OFF_OUT && i < OFF_OUT + out_len) ||
           (i >= OFF_ERR && i < OFF_ERR + sizeof(pe_error_t));
}

/* Sets every guard byte (and the output region's slack, for any size). */
static void guards_set(void)
{
    out_len = 0;
    for (size_t i = 0; i < BLOCK; i++) {
        if (!in_use(i)) {
            block[i] = GUARD_BYTE;
        }
    }
}

/* The first damaged guard byte's offset, or BLOCK when none is. */
static size_t guards_damage(size_t current_out_len)
{
    out_len = current_out_len;
    for (size_t i = 0; i < BLOCK; i++) {
        if (!in_use(i) && block[i] != GUARD_BYTE) {
            return i;
        }
    }
    return BLOCK;
}

/* ------------------------------------------------------------ the client */

typedef enum { OP_GET_ACCOUNT, OP_SEND_EMAIL } op_t;
static const char *const op_names[] = {"GetAccount", "SendEmail"};

static pe_sim_t sim;
static unsigned char *ca;
static size_t ca_len;

static pe_posix_port_t posix;
static pe_port_t inner;
static pe_faultport_t fp;
static pe_tls_t tls;
static pe_client_t client;

static pe_status_t open_client(void)
{
    pe_config_t cfg = {
        .region = "us-east-1",
        .endpoint_host = sim.host,
        .endpoint_port = sim.port,
        .access_key_id = PE_SIM_ACCESS_KEY,
        .secret_access_key = PE_SIM_SECRET_KEY,
        .port = &fp.port,
        .tls = &tls,
        .ca = ca,
        .ca_len = ca_len,
        .connect_timeout_ms = 2000,
        .io_timeout_ms = IO_TIMEOUT_MS,
        .max_attempts = 3,
        .retry_base_ms = 5,
        .retry_cap_ms = 40,
    };
    pe_posix_port_init(&posix, &inner);
    pe_faultport_init(&fp, &inner);
    return pe_client_init(&client, &cfg, block + OFF_WORK, WORK_SIZE);
}

/* Subjects of the messages sent, and what the outbox must hold. */
static struct {
    char subject[48];
    bool must_arrive; /* the call said PE_OK or PE_ERR_OUTCOME_UNKNOWN */
    unsigned found;
} subjects[MAX_SUBJECTS];
static unsigned subject_count;

static const char *const to_ops[] = {"ops@example.com"};

/* One call of op on the client; the output and error sit in the guarded
 * block. SendEmail sends a message with this subject. */
static pe_status_t call(op_t op, const char *subject)
{
    void *out = block + OFF_OUT;
    pe_error_t *err = (pe_error_t *)(void *)(block + OFF_ERR);
    pe_status_t st;
    if (op == OP_GET_ACCOUNT) {
        pe_get_account_output_t *a = (pe_get_account_output_t *)out;
        st = pe_get_account(&client, &(pe_get_account_input_t){0}, a, err);
        if (st == PE_OK) {
            CHECK(a->send_quota != NULL, "GetAccount: no SendQuota");
        }
        return st;
    }
    pe_send_email_output_t *s = (pe_send_email_output_t *)out;
    pe_content_t subj = {subject, NULL};
    pe_content_t text = {"A fault at every step; this one went through.",
                         NULL};
    pe_body_t body = {&text, NULL};
    pe_message_t msg = {&subj, &body};
    pe_email_content_t content = {&msg, NULL, NULL};
    pe_destination_t dest = {{to_ops, 1}, {NULL, 0}, {NULL, 0}};
    pe_send_email_input_t in = {"sender@example.com", &dest, {NULL, 0}, NULL,
                                &content, {NULL, 0}, NULL};
    st = pe_send_email(&client, &in, s, err);
    if (st == PE_OK) {
        CHECK(s->message_id != NULL, "SendEmail: no MessageId");
    }
    if (subject_count < MAX_SUBJECTS) {
        snprintf(subjects[subject_count].subject,
                 sizeof subjects[subject_count].subject, "%s", subject);
        subjects[subject_count].must_arrive =
            st == PE_OK || st == PE_ERR_OUTCOME_UNKNOWN;
        subject_count++;
    }
    return st;
}

static size_t out_size(op_t op)
{
    return op == OP_GET_ACCOUNT ? sizeof(pe_get_account_output_t)
                                : sizeof(pe_send_email_output_t);
}

/* ------------------------------------------------------------ the matrix */

static const pe_fault_kind_t kinds[] = {PE_FAULT_SHORT, PE_FAULT_TIMEOUT,
                                        PE_FAULT_IO, PE_FAULT_RESET,
                                        PE_FAULT_CLOSED};
#define KIND_COUNT (sizeof kinds / sizeof kinds[0])

static struct {
    unsigned runs;         /* faulted calls */
    unsigned injected;     /* ... whose fault fired */
    unsigned expected;     /* ... that ended as expected */
    unsigned unknown;      /* ... PE_ERR_OUTCOME_UNKNOWN, as expected */
    unsigned next_ok;      /* next calls that succeeded */
    unsigned guard_damage; /* calls after which a guard byte changed */
    unsigned over_bound;   /* calls over CALL_BOUND_S */
    double slowest;        /* seconds */
    unsigned by_kind[KIND_COUNT];
} m;

static unsigned count_sends(const char *trace, size_t upto)
{
    unsigned n = 0;
    for (size_t i = 0; i < upto && trace[i]; i++) {
        n += trace[i] == 's' || trace[i] == 'S';
    }
    return n;
}

typedef struct {
    char trace[PE_FAULTPORT_TRACE]; /* of a clean call */
    unsigned steps;
    unsigned sends; /* send steps of a clean call */
} clean_t;

/* A call on an open client; warm: on a kept-alive connection. */
static bool clean_count(op_t op, bool warm, clean_t *out)
{
    char subject[48];
    bool ok = true;
    memset(out, 0, sizeof *out);
    for (int i = 0; i < 3 && ok; i++) { /* the longest of three */
        pe_status_t st = open_client();
        ok = st == PE_OK;
        if (ok && warm) {
            ok = call(OP_GET_ACCOUNT, NULL) == PE_OK;
        }
        if (ok) {
            snprintf(subject, sizeof subject, "clean-%s-%d", warm ? "w" : "f",
                     i);
            pe_faultport_arm(&fp, 0, PE_FAULT_NONE);
            ok = call(op, subject) == PE_OK;
            guards_set();
            if (fp.steps > out->steps) {
                out->steps = fp.steps;
                memcpy(out->trace, fp.trace, sizeof out->trace);
                out->sends = count_sends(fp.trace, fp.steps);
            }
        }
        pe_client_deinit(&client);
    }
    CHECK(ok && out->steps > 0, "%s: clean call failed", op_names[op]);
    return ok;
}

/* One faulted call and the next one on the same client. */
static void run_one(op_t op, bool warm, const clean_t *clean,
                    pe_fault_kind_t kind, size_t kind_index, unsigned k)
{
    char subject[40], next_subject[48];
    const char *round = warm ? "kept-alive" : "fresh";
    pe_status_t st, want, next;
    unsigned want_connects = 0;
    size_t bad;
    double t0, took;

    if (open_client() != PE_OK) {
        CHECK(false, "init failed");
        return;
    }
    if (warm && call(OP_GET_ACCOUNT, NULL) != PE_OK) {
        CHECK(false, "%s %s: warm-up call failed", round, op_names[op]);
        pe_client_deinit(&client);
        return;
    }
    guards_set(); /* the warm-up's output may be larger than op's */
    snprintf(subject, sizeof subject, "%c%c-%s-%u", warm ? 'w' : 'f',
             op == OP_SEND_EMAIL ? 's' : 'g', pe_fault_kind_name(kind), k);
    snprintf(next_subject, sizeof next_subject, "%s-next", subject);

    pe_faultport_arm(&fp, k, kind);
    t0 = now_s();
    st = call(op, subject);
    took = now_s() - t0;

    m.runs++;
    if (took > m.slowest) {
        m.slowest = took;
    }
    if (took >= CALL_BOUND_S) {
        m.over_bound++;
    }
    CHECK(took < CALL_BOUND_S, "%s %s %s at step %u: %.2f s", round,
          op_names[op], pe_fault_kind_name(kind), k, took);

    /* what the policy promises */
    if (!fp.fired) {
        want = PE_OK; /* the call took fewer steps this time */
    } else {
        bool all_sent = fp.fired_on == 'r' &&
                        count_sends(fp.trace, k - 1) >= clean->sends;
        m.injected++;
        m.by_kind[kind_index]++;
        if (kind == PE_FAULT_SHORT) {
            want = PE_OK;
            want_connects = warm ? 0 : 1;
        } else if (op == OP_SEND_EMAIL && all_sent) {
            want = PE_ERR_OUTCOME_UNKNOWN;
            want_connects = warm ? 0 : 1;
        } else {
            want = PE_OK;
            want_connects = warm ? 1 : 2; /* one more attempt */
            if (warm && fp.trace[0] == 'P') {
                /* the probe: a timeout is "nothing yet" (connection kept),
                 * a failure means a new connection before the one attempt */
                want_connects = kind == PE_FAULT_TIMEOUT ? 0 : 1;
            }
        }
    }
    bool as_expected = st == want;
    CHECK(as_expected, "%s %s, %s at step %u (%s): %s, expected %s", round,
          op_names[op], pe_fault_kind_name(kind), k, fp.trace, pe_strerror(st),
          pe_strerror(want));
    if (fp.fired) {
        CHECK(fp.connects == want_connects,
              "%s %s, %s at step %u (%s): %u connections, expected %u", round,
              op_names[op], pe_fault_kind_name(kind), k, fp.trace, fp.connects,
              want_connects);
        if (as_expected) {
            m.expected++;
            m.unknown += st == PE_ERR_OUTCOME_UNKNOWN;
        }
    }
    bad = guards_damage(out_size(op));
    if (bad != BLOCK) {
        m.guard_damage++;
    }
    CHECK(bad == BLOCK, "%s %s, %s at step %u: guard byte %zu damaged", round,
          op_names[op], pe_fault_kind_name(kind), k, bad);
    guards_set();

    /* the next call on the same client */
    pe_faultport_arm(&fp, 0, PE_FAULT_NONE);
    next = call(op, next_subject);
    m.next_ok += next == PE_OK;
    CHECK(next == PE_OK, "%s %s, after %s at step %u: next call %s", round,
          op_names[op], pe_fault_kind_name(kind), k, pe_strerror(next));
    bad = guards_damage(out_size(op));
    if (bad != BLOCK) {
        m.guard_damage++;
    }
    CHECK(bad == BLOCK, "%s %s, after %s at step %u: guard byte %zu damaged",
          round, op_names[op], pe_fault_kind_name(kind), k, bad);
    guards_set();
    pe_client_deinit(&client);
}

static void run_matrix(op_t op, bool warm)
{
    clean_t clean;
    if (!clean_count(op, warm, &clean)) {
        return;
    }
    printf("%-10s %-10s clean call: %2u steps, %u sends: %s\n", op_names[op],
           warm ? "kept-alive" : "fresh", clean.steps, clean.sends,
           clean.trace);
    for (size_t ki = 0; ki < KIND_COUNT; ki++) {
        for (unsigned k = 1; k <= clean.steps; k++) {
            run_one(op, warm, &clean, kinds[ki], ki, k);
        }
    }
}

/* ------------------------------------------------------------ the outbox */

/* The Subject of one .eml file into subject. */
static bool eml_subject(const char *name, char *subject, size_t cap)
{
    size_t len = 0;
    unsigned char *eml = pe_sim_outbox_file(&sim, name, &len);
    const char *p;
    bool found = false;
    if (!eml) {
        return false;
    }
    p = strstr((const char *)eml, "\nSubject: ");
    if (p) {
        size_t n;
        p += 10;
        n = strcspn(p, "\r\n");
        if (n < cap) {
            memcpy(subject, p, n);
            subject[n] = '\0';
            found = true;
        }
    }
    free(eml);
    return found;
}

/* Counts the outbox's messages per subject; returns how many .eml files
 * there are. */
static unsigned tally_outbox(unsigned *unknown_subjects)
{
    DIR *d = opendir(sim.outbox);
    struct dirent *e;
    unsigned files = 0;
    *unknown_subjects = 0;
    for (unsigned i = 0; i < subject_count; i++) {
        subjects[i].found = 0;
    }
    while (d && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        char subject[64];
        bool known = false;
        if (len <= 4 || strcmp(e->d_name + len - 4, ".eml") != 0) {
            continue;
        }
        files++;
        if (!eml_subject(e->d_name, subject, sizeof subject)) {
            (*unknown_subjects)++;
            continue;
        }
        for (unsigned i = 0; i < subject_count; i++) {
            if (strcmp(subjects[i].subject, subject) == 0) {
                subjects[i].found++;
                known = true;
                break;
            }
        }
        *unknown_subjects += !known;
    }
    if (d) {
        closedir(d);
    }
    return files;
}

static void check_outbox(void)
{
    unsigned files = 0, strangers = 0, twice = 0, lost = 0, never = 0;
    double deadline = now_s() + 5.0;
    /* the service writes a message before it answers; one whose answer
     * the client dropped may land a moment later */
    for (;;) {
        files = tally_outbox(&strangers);
        lost = 0;
        for (unsigned i = 0; i < subject_count; i++) {
            lost += subjects[i].must_arrive && subjects[i].found == 0;
        }
        if (lost == 0 || now_s() > deadline) {
            break;
        }
        struct timespec pause = {0, 100 * 1000000L};
        nanosleep(&pause, NULL);
    }
    for (unsigned i = 0; i < subject_count; i++) {
        if (subjects[i].found > 1) {
            twice++;
            CHECK(false, "SendEmail \"%s\" delivered %u times",
                  subjects[i].subject, subjects[i].found);
        }
        if (subjects[i].must_arrive && subjects[i].found == 0) {
            CHECK(false, "SendEmail \"%s\" never arrived", subjects[i].subject);
        }
        /* a call that failed otherwise says the request never went out */
        CHECK(subjects[i].must_arrive || subjects[i].found == 0,
              "SendEmail \"%s\" failed, yet it was delivered",
              subjects[i].subject);
        never += !subjects[i].must_arrive;
    }
    CHECK(strangers == 0, "%u messages in the outbox that no call sent",
          strangers);
    CHECK(subject_count < MAX_SUBJECTS, "too many messages to track");
    printf("outbox: %u SendEmail calls, %u .eml files, %u delivered twice, "
           "%u lost, %u failed calls\n", subject_count, files,
           twice, lost, never);
}

/* ------------------------------------------------------------ main */

int main(void)
{
    static const char *const args[] = {"--production", NULL};
    double t0 = now_s();

    block = malloc(BLOCK);
    if (!block || !pe_sim_start(&sim, args, 20000)) {
        CHECK(false, "the local service did not start: %s", sim.error);
        free(block);
        return pe_test_summary();
    }
    ca = pe_posix_read_file(sim.ca_path, &ca_len);
    CHECK(ca != NULL, "cannot read the service's CA %s", sim.ca_path);
    guards_set();
    if (ca && open_client() == PE_OK) {
        /* the sender must be a verified identity */
        pe_create_email_identity_input_t in = {"sender@example.com",
                                               {NULL, 0}};
        pe_create_email_identity_output_t out;
        pe_error_t err;
        CHECK_EQ_INT(pe_create_email_identity(&client, &in, &out, &err), PE_OK);
        CHECK_EQ_INT(pe_sim_verify(&client, "sender@example.com", "SUCCESS"),
                     PE_OK);
        pe_client_deinit(&client);

        run_matrix(OP_GET_ACCOUNT, false);
        run_matrix(OP_SEND_EMAIL, false);
        run_matrix(OP_GET_ACCOUNT, true);
        run_matrix(OP_SEND_EMAIL, true);
        check_outbox();
    }
    printf("fault matrix: %u faulted calls, %u faults injected (short %u, "
           "timeout %u, io %u, reset %u, closed %u), %u answered with the "
           "expected status (%u of them PE_ERR_OUTCOME_UNKNOWN), %u next calls "
           "ok, slowest call %.2f s (bound %.1f s, %u over), guard damage "
           "after %u calls; %.1f s in all\n",
           m.runs, m.injected, m.by_kind[0], m.by_kind[1], m.by_kind[2],
           m.by_kind[3], m.by_kind[4], m.expected, m.unknown, m.next_ok,
           m.slowest, CALL_BOUND_S, m.over_bound, m.guard_damage,
           now_s() - t0);
    CHECK(m.injected > 0 && m.expected == m.injected,
          "%u of %u faults answered as expected", m.expected, m.injected);
    free(ca);
    int status = pe_sim_stop(&sim);
    CHECK(status == 0, "the service exited with %d", status);
    free(block);
    return pe_test_summary();
}
