/*
 * test_e2e.c - the 30 operations end to end: the C client against the
 * local service (tests/sim) over verified TLS, one client and one kept-alive
 * connection for the whole story, with checks on the parsed outputs, the
 * service's errors and the transport's failures.
 *
 * Run from the repository root (it starts tests/sim/run).
 */
#include "pe_client.h"
#include "pe_port_posix.h"
#include "pe_posix_env.h"
#include "pe_test.h"
#include "support/sim.h"

#include <mbedtls/ssl.h> /* MBEDTLS_SSL_PROTO_TLS1_3 where configured */

#include <dirent.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WORK_SIZE (16u * 1024u)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ connections */

/* A POSIX port that counts the connections it opens. */
typedef struct {
    pe_posix_port_t posix; /* first: the port's ctx points here */
    pe_port_t port;
    unsigned connects;
    unsigned sleeps;   /* backoff waits the client asked for */
    bool clock_unset;  /* time_utc reports 1970, as a board without RTC */
} counted_port_t;

static pe_status_t (*posix_connect)(void *, const char *, uint16_t, uint32_t);
static int64_t (*posix_time)(void *);
static void (*posix_sleep)(void *, uint32_t);

static pe_status_t counting_connect(void *ctx, const char *host, uint16_t port,
                                    uint32_t timeout_ms)
{
    ((counted_port_t *)ctx)->connects++;
    return posix_connect(ctx, host, port, timeout_ms);
}

static int64_t maybe_unset_time(void *ctx)
{
    return ((counted_port_t *)ctx)->clock_unset ? 1000 : posix_time(ctx);
}

static void counting_sleep(void *ctx, uint32_t ms)
{
    ((counted_port_t *)ctx)->sleeps++;
    posix_sleep(ctx, ms);
}

/* A client with everything it needs: port, TLS storage, work buffer
 * (on the heap, exactly work_size bytes, so ASan sees any overrun). */
typedef struct {
    counted_port_t port;
    pe_tls_t tls;
    pe_client_t client;
    char *work;
} conn_t;

typedef struct {
    const char *host;
    uint16_t port;
    const unsigned char *ca;
    size_t ca_len;
    uint32_t io_timeout_ms;
    bool resend_unknown_outcome;
    bool learn_time_from_service;
    const char *session_token;
    pe_log_fn log;
    bool tls12_only;
} endpoint_t;

static pe_status_t conn_open(conn_t *k, const endpoint_t *ep, size_t work_size)
{
    memset(k, 0, sizeof *k);
    pe_posix_port_init(&k->port.posix, &k->port.port);
    posix_connect = k->port.port.connect;
    k->port.port.connect = counting_connect;
    posix_time = k->port.port.time_utc;
    k->port.port.time_utc = maybe_unset_time;
    posix_sleep = k->port.port.sleep_ms;
    k->port.port.sleep_ms = counting_sleep;
    pe_config_t cfg = {
        .region = "us-east-1",
        .endpoint_host = ep->host,
        .endpoint_port = ep->port,
        .access_key_id = PE_SIM_ACCESS_KEY,
        .secret_access_key = PE_SIM_SECRET_KEY,
        .port = &k->port.port,
        .tls = &k->tls,
        .ca = ep->ca,
        .ca_len = ep->ca_len,
        .connect_timeout_ms = 3000,
        .io_timeout_ms = ep->io_timeout_ms ? ep->io_timeout_ms : 10000,
        .resend_unknown_outcome = ep->resend_unknown_outcome,
        .learn_time_from_service = ep->learn_time_from_service,
        .session_token = ep->session_token,
        .log = ep->log,
        .log_level = PE_LOG_DEBUG,
        .tls12_only = ep->tls12_only,
    };
    k->work = malloc(work_size);
    return pe_client_init(&k->client, &cfg, k->work, work_size);
}

static void conn_close(conn_t *k)
{
    pe_client_deinit(&k->client);
    free(k->work);
    k->work = NULL;
}

static pe_sim_t sim;
static endpoint_t sim_ep;
static conn_t main_conn; /* the one client every API test uses */
static pe_error_t err;   /* of the last call */
#define C (&main_conn.client)

/* Which operations the test called (all 30 must be). */
static bool op_used[64];

static void mark(const pe_operation_t *op)
{
    for (size_t i = 0; pe_operations[i] && i < ARRAY_LEN(op_used); i++) {
        if (pe_operations[i] == op) {
            op_used[i] = true;
        }
    }
}

/* A typed call on the main client, recorded. */
#define API(op, in, out) (mark(&pe_op_##op), pe_##op(C, (in), (out), &err))

/* ------------------------------------------------------------ checks */

static const char *nz(const char *s)
{
    return s ? s : "(null)";
}

#define EXPECT_OK(st) expect_ok(__FILE__, __LINE__, #st, (st))
static bool expect_ok(const char *file, int line, const char *what,
                      pe_status_t st)
{
    PE_CHECK_AT_(st == PE_OK, file, line, "%s: %s (HTTP %u %s: %s)", what,
                 pe_strerror(st), (unsigned)err.http_status,
                 nz(err.code_text), nz(err.message));
    return st == PE_OK;
}

#define EXPECT_STATUS(st, want) expect_status(__FILE__, __LINE__, #st, (st), (want))
static void expect_status(const char *file, int line, const char *what,
                          pe_status_t st, pe_status_t want)
{
    PE_CHECK_AT_(st == want, file, line, "%s: %s, expected %s", what,
                 pe_strerror(st), pe_strerror(want));
}

/* A service error: status, code (enum and text), HTTP status, a message
 * and a request id. */
#define EXPECT_SERVICE(st, code, http)                                         \
    expect_service(__FILE__, __LINE__, #st, (st), (code), (http))
static void expect_service(const char *file, int line, const char *what,
                           pe_status_t st, pe_error_code_t code, unsigned http)
{
    const char *name = pe_error_code_name(code);
    PE_CHECK_AT_(st == PE_ERR_SERVICE && err.code == code, file, line,
                 "%s: %s, code %s, expected %s (%s)", what, pe_strerror(st),
                 nz(err.code_text), name, nz(err.message));
    PE_CHECK_AT_(err.http_status == http, file, line, "%s: HTTP %u, expected %u",
                 what, (unsigned)err.http_status, http);
    PE_CHECK_AT_(err.code_text && strcmp(err.code_text, name) == 0, file, line,
                 "%s: code_text %s", what, nz(err.code_text));
    PE_CHECK_AT_(err.message && err.message[0], file, line, "%s: no message",
                 what);
    PE_CHECK_AT_(err.request_id && strlen(err.request_id) >= 16, file, line,
                 "%s: request id [%s]", what, nz(err.request_id));
}

/* want NULL: the member must be absent. */
static void check_str(const char *what, const char *got, const char *want)
{
    CHECK(got && want ? strcmp(got, want) == 0 : got == want,
          "%s:\n  got      [%s]\n  expected [%s]", what, nz(got), nz(want));
}

static void check_bool(const char *what, pe_bool_t got, pe_bool_t want)
{
    CHECK(got == want, "%s: %d, expected %d (1 false, 2 true)", what, got,
          want);
}

static void check_tags(const char *what, pe_tag_list_t got, pe_tag_list_t want)
{
    CHECK(got.items && got.count == want.count, "%s: %zu tags, expected %zu",
          what, got.count, want.count);
    for (size_t i = 0; got.items && i < got.count && i < want.count; i++) {
        check_str(what, got.items[i].key, want.items[i].key);
        check_str(what, got.items[i].value, want.items[i].value);
    }
}

static void check_strs(const char *what, pe_str_list_t got, pe_str_list_t want)
{
    CHECK(got.count == want.count, "%s: %zu items, expected %zu", what,
          got.count, want.count);
    for (size_t i = 0; i < got.count && i < want.count; i++) {
        check_str(what, got.items[i], want.items[i]);
    }
}

/* err.diag as a member path, for local failures. */
static void check_diag(const char *what, const char *want_path,
                       const char *want_reason)
{
    char path[128];
    size_t n;
    CHECK(pe_diag_path(&err.diag, path, sizeof path, &n) == PE_OK &&
              strcmp(path, want_path) == 0,
          "%s: diag [%s], expected [%s]", what, path, want_path);
    check_str(what, err.diag.reason, want_reason);
}

static bool contains(const unsigned char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; k <= n && i <= n - k; i++) {
        if (memcmp(hay + i, needle, k) == 0) {
            return true;
        }
    }
    return false;
}

/* Characters JSON escapes both ways: our writer sends \", \\ and \u00XX
 * for controls; the service's json.dumps answers non-ASCII characters as
 * \u00e9 and the emoji as the surrogate pair \ud83d\ude00. */
#define ESCAPED "q\"uote b\\ackslash /slash\ttab\nnl\r\x01 \xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80"

static const pe_tag_t escaped_tags[] = {
    {"owner", "ops team"},
    {"k\"\\/\xC3\xA9", ESCAPED},
};

/* ------------------------------------------------------------ lists */

#define MAX_NAMES 16
typedef struct {
    char names[MAX_NAMES][128];
    size_t count;
    unsigned pages;
} walk_t;

static const pe_member_t *member(const pe_shape_t *s, const char *name)
{
    for (uint16_t i = 0; i < s->count; i++) {
        if (strcmp(s->members[i].name, name) == 0) {
            return &s->members[i];
        }
    }
    return NULL;
}

typedef union {
    void *align_p;
    int64_t align_i;
    double align_d;
    unsigned char b[256];
} any_struct_t;

/* Walks a list operation with PageSize page_size, following NextToken (a
 * copy: the output's views die with the next call). base (may be NULL)
 * fills the other input members. The list member list_name holds strings,
 * or structs whose member item_name names each item. */
static void walk(const pe_operation_t *op, const void *base, int64_t page_size,
                 const char *list_name, const char *item_name, walk_t *w)
{
    const pe_member_t *tok_in = member(op->input, "NextToken");
    const pe_member_t *size_in = member(op->input, "PageSize");
    const pe_member_t *tok_out = member(op->output, "NextToken");
    const pe_member_t *list = member(op->output, list_name);
    const pe_member_t *elem = (const pe_member_t *)list->ref;
    const pe_shape_t *item_shape =
        elem->type == PE_T_STRUCT ? (const pe_shape_t *)elem->ref : NULL;
    size_t item_size = item_shape ? item_shape->size : sizeof(const char *);
    size_t name_off = item_shape ? member(item_shape, item_name)->offset : 0;
    pe_opt_int_t size = {true, page_size};
    char token[512];
    const char *token_p = token;
    any_struct_t in, out;

    memset(w, 0, sizeof *w);
    memset(&in, 0, sizeof in);
    if (base) {
        memcpy(&in, base, op->input->size);
    }
    memcpy(in.b + size_in->offset, &size, sizeof size);
    for (;;) {
        pe_list_t items;
        const char *next;
        mark(op);
        if (!EXPECT_OK(pe_client_call(C, op, &in, &out, &err))) {
            return;
        }
        w->pages++;
        memcpy(&items, out.b + list->offset, sizeof items);
        memcpy(&next, out.b + tok_out->offset, sizeof next);
        CHECK(items.items != NULL, "%s page %u: no %s", op->name, w->pages,
              list_name);
        CHECK(next ? items.count == (size_t)page_size
                   : items.count <= (size_t)page_size,
              "%s page %u: %zu items, NextToken %s", op->name, w->pages,
              items.count, nz(next));
        for (size_t k = 0; k < items.count && w->count < MAX_NAMES; k++) {
            const char *name;
            memcpy(&name,
                   (const unsigned char *)items.items + k * item_size + name_off,
                   sizeof name);
            snprintf(w->names[w->count++], sizeof w->names[0], "%s", nz(name));
        }
        if (!next) {
            return;
        }
        CHECK(strlen(next) < sizeof token && w->pages < 2 * MAX_NAMES,
              "%s: NextToken too long or endless walk", op->name);
        if (strlen(next) >= sizeof token || w->pages >= 2 * MAX_NAMES) {
            return;
        }
        strcpy(token, next);
        memcpy(in.b + tok_in->offset, &token_p, sizeof token_p);
    }
}

/* Every wanted name came exactly once, and nothing else. */
static void check_walk(const char *what, const walk_t *w,
                       const char *const *want, size_t n, unsigned pages)
{
    CHECK(w->count == n && w->pages == pages, "%s: %zu items in %u pages, expected %zu in %u",
          what, w->count, w->pages, n, pages);
    for (size_t i = 0; i < n; i++) {
        unsigned seen = 0;
        for (size_t k = 0; k < w->count; k++) {
            seen += strcmp(w->names[k], want[i]) == 0;
        }
        CHECK(seen == 1, "%s: %s seen %u times", what, want[i], seen);
    }
}

/* ------------------------------------------------------------ account */

static void check_account(double sent, pe_bool_t sending, pe_bool_t warmup,
                          pe_bool_t production)
{
    pe_get_account_output_t a;
    if (!EXPECT_OK(API(get_account, &(pe_get_account_input_t){0}, &a))) {
        return;
    }
    CHECK(a.send_quota != NULL, "GetAccount: no SendQuota");
    if (a.send_quota) {
        const pe_send_quota_t *q = a.send_quota;
        double max = production == PE_TRUE ? 50000.0 : 200.0;
        double rate = production == PE_TRUE ? 14.0 : 1.0;
        CHECK(q->max24_hour_send.set && q->max24_hour_send.value == max,
              "Max24HourSend %g, expected %g", q->max24_hour_send.value, max);
        CHECK(q->max_send_rate.set && q->max_send_rate.value == rate,
              "MaxSendRate %g, expected %g", q->max_send_rate.value, rate);
        CHECK(q->sent_last24_hours.set && q->sent_last24_hours.value == sent,
              "SentLast24Hours %g, expected %g", q->sent_last24_hours.value,
              sent);
    }
    check_bool("SendingEnabled", a.sending_enabled, sending);
    check_bool("DedicatedIpAutoWarmupEnabled",
               a.dedicated_ip_auto_warmup_enabled, warmup);
    check_bool("ProductionAccessEnabled", a.production_access_enabled,
               production);
    check_str("EnforcementStatus", a.enforcement_status, "HEALTHY");
}

/* ------------------------------------------------------------ identities */

static const char *const identity_names[] = {
    "example.com",                 /* domain: the verified sender */
    "alert@example.org",           /* address, never verified */
    "o'brien+ops/x=y@example.net", /* a label full of URI-reserved bytes */
};

/* Expected GetEmailIdentity view (token count stands for the tokens). */
typedef struct {
    const char *type;
    pe_bool_t feedback, verified, signing;
    const char *dkim_status;
    size_t tokens;
    const char *mail_from, *mail_from_status, *mx_failure;
    pe_tag_list_t tags;
} identity_view_t;

static void check_identity(const char *name, const identity_view_t *want)
{
    pe_get_email_identity_input_t in = {name};
    pe_get_email_identity_output_t out;
    if (!EXPECT_OK(API(get_email_identity, &in, &out))) {
        return;
    }
    const pe_dkim_attributes_t *d = out.dkim_attributes;
    const pe_mail_from_attributes_t *m = out.mail_from_attributes;
    check_str(name, out.identity_type, want->type);
    check_bool("FeedbackForwardingStatus", out.feedback_forwarding_status,
               want->feedback);
    check_bool("VerifiedForSendingStatus", out.verified_for_sending_status,
               want->verified);
    CHECK(d != NULL, "%s: no DkimAttributes", name);
    if (d) {
        check_bool("Dkim.SigningEnabled", d->signing_enabled, want->signing);
        check_str("Dkim.Status", d->status, want->dkim_status);
        CHECK(d->tokens.items && d->tokens.count == want->tokens,
              "%s: %zu DKIM tokens", name, d->tokens.count);
    }
    check_str("MailFromDomain", m ? m->mail_from_domain : NULL, want->mail_from);
    check_str("MailFromDomainStatus", m ? m->mail_from_domain_status : NULL,
              want->mail_from_status);
    check_str("BehaviorOnMxFailure", m ? m->behavior_on_mx_failure : NULL,
              want->mx_failure);
    check_tags(name, out.tags, want->tags);
}

static void put_mail_from(const char *identity, const char *domain,
                          const char *behavior)
{
    pe_put_email_identity_mail_from_attributes_input_t in = {identity, domain,
                                                             behavior};
    pe_empty_t out;
    EXPECT_OK(API(put_email_identity_mail_from_attributes, &in, &out));
}

static void test_identities(void)
{
    pe_create_email_identity_output_t created;
    pe_create_email_identity_input_t domain = {
        "example.com", {escaped_tags, ARRAY_LEN(escaped_tags)}};
    if (EXPECT_OK(API(create_email_identity, &domain, &created))) {
        const pe_dkim_attributes_t *d = created.dkim_attributes;
        check_str("created domain", created.identity_type,
                  PE_IDENTITY_TYPE_DOMAIN);
        check_bool("created domain verified", created.verified_for_sending_status,
                   PE_FALSE);
        CHECK(d && d->tokens.count == 3, "domain: DKIM tokens");
        for (size_t i = 0; d && i < d->tokens.count; i++) {
            CHECK(d->tokens.items[i] && strlen(d->tokens.items[i]) > 0,
                  "DKIM token %zu empty", i);
        }
        check_str("domain DKIM status", d ? d->status : NULL,
                  PE_DKIM_STATUS_PENDING);
    }
    for (size_t i = 1; i < ARRAY_LEN(identity_names); i++) {
        pe_create_email_identity_input_t in = {identity_names[i], {NULL, 0}};
        if (EXPECT_OK(API(create_email_identity, &in, &created))) {
            check_str(identity_names[i], created.identity_type,
                      PE_IDENTITY_TYPE_EMAIL_ADDRESS);
            CHECK(created.dkim_attributes &&
                      created.dkim_attributes->tokens.items &&
                      created.dkim_attributes->tokens.count == 0,
                  "%s: an address has an empty token list", identity_names[i]);
        }
    }
    EXPECT_SERVICE(API(create_email_identity, &domain, &created),
                   PE_EC_ALREADY_EXISTS, 400);
    pe_create_email_identity_input_t bad = {"not an identity", {NULL, 0}};
    EXPECT_SERVICE(API(create_email_identity, &bad, &created),
                   PE_EC_BAD_REQUEST, 400);

    identity_view_t view = {
        PE_IDENTITY_TYPE_DOMAIN, PE_TRUE, PE_FALSE, PE_TRUE,
        PE_DKIM_STATUS_PENDING, 3, NULL, NULL, NULL,
        {escaped_tags, ARRAY_LEN(escaped_tags)}};
    check_identity("example.com", &view);

    /* attribute changes show in GetEmailIdentity */
    pe_empty_t none;
    pe_put_email_identity_feedback_attributes_input_t fb = {"example.com",
                                                            PE_FALSE};
    EXPECT_OK(API(put_email_identity_feedback_attributes, &fb, &none));
    pe_put_email_identity_dkim_attributes_input_t dk = {"example.com", PE_FALSE};
    EXPECT_OK(API(put_email_identity_dkim_attributes, &dk, &none));
    put_mail_from("example.com", "mail.example.com",
                  PE_BEHAVIOR_ON_MX_FAILURE_REJECT_MESSAGE);
    view.feedback = PE_FALSE;
    view.signing = PE_FALSE;
    view.mail_from = "mail.example.com";
    view.mail_from_status = PE_MAIL_FROM_DOMAIN_STATUS_PENDING;
    view.mx_failure = PE_BEHAVIOR_ON_MX_FAILURE_REJECT_MESSAGE;
    check_identity("example.com", &view);

    /* verification (a control of the service) finishes DKIM and MAIL FROM */
    EXPECT_OK(pe_sim_verify(C, "example.com", "SUCCESS"));
    view.verified = PE_TRUE;
    view.dkim_status = PE_DKIM_STATUS_SUCCESS;
    view.mail_from_status = PE_MAIL_FROM_DOMAIN_STATUS_SUCCESS;
    check_identity("example.com", &view);
    put_mail_from("example.com", "bounce.example.com",
                  PE_BEHAVIOR_ON_MX_FAILURE_USE_DEFAULT_VALUE);
    view.mail_from = "bounce.example.com";
    view.mail_from_status = PE_MAIL_FROM_DOMAIN_STATUS_PENDING;
    view.mx_failure = PE_BEHAVIOR_ON_MX_FAILURE_USE_DEFAULT_VALUE;
    check_identity("example.com", &view);

    identity_view_t addr = {PE_IDENTITY_TYPE_EMAIL_ADDRESS,
                            PE_TRUE, PE_FALSE, PE_FALSE,
                            PE_DKIM_STATUS_NOT_STARTED, 0, NULL, NULL, NULL,
                            {NULL, 0}};
    pe_tag_t no_tag[1];
    addr.tags.items = no_tag; /* present and empty */
    check_identity(identity_names[2], &addr);

    walk_t w;
    walk(&pe_op_list_email_identities, NULL, 1, "EmailIdentities",
         "IdentityName", &w);
    check_walk("ListEmailIdentities", &w, identity_names,
               ARRAY_LEN(identity_names), 3);

    pe_get_email_identity_output_t got;
    pe_get_email_identity_input_t missing = {"nobody@example.invalid"};
    EXPECT_SERVICE(API(get_email_identity, &missing, &got), PE_EC_NOT_FOUND,
                   404);
}

/* ------------------------------------------------------------ sending */

static const char *const to_ops[] = {"ops@example.com"};
static const char *const cc_team[] = {"team@example.com"};
static const char *const to_stranger[] = {"stranger@unverified.test"};

typedef struct {
    const char *from;
    const char *const *to;
    size_t to_count;
    const char *config_set;
} envelope_t;

static const envelope_t to_ops_env = {"sender@example.com", to_ops, 1, NULL};

static pe_status_t send_simple_on(pe_client_t *client, const envelope_t *env,
                                  const char *subject,
                                  pe_send_email_output_t *out)
{
    pe_content_t subj = {subject, "UTF-8"};
    pe_content_t text = {"Pressure fell below 1.2 bar.\n\xE2\x80\x94 pump 3",
                         "UTF-8"};
    pe_content_t html = {"<p>Pressure fell below <b>1.2 bar</b>.</p>", NULL};
    pe_body_t body = {&text, &html};
    pe_message_t msg = {&subj, &body};
    pe_email_content_t content = {&msg, NULL, NULL};
    pe_destination_t dest = {{env->to, env->to_count}, {cc_team, 1}, {NULL, 0}};
    pe_message_tag_t tags[] = {{"campaign", "pump-3"}};
    pe_send_email_input_t in = {env->from, &dest, {NULL, 0}, NULL, &content,
                                {tags, 1}, env->config_set};
    mark(&pe_op_send_email);
    return pe_send_email(client, &in, out, &err);
}

static pe_status_t send_simple(const envelope_t *env, const char *subject,
                               pe_send_email_output_t *out)
{
    return send_simple_on(C, env, subject, out);
}

/* Raw MIME with bytes that are not text: NUL and 0xFF in the body. */
static const unsigned char raw_mime[] =
    "From: sender@example.com\r\n"
    "To: ops@example.com\r\n"
    "Subject: raw bytes\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "bytes: \x00\xff\xfe\x80 end\r\n";

static bool check_outbox(const char *message_id, const unsigned char *want,
                         size_t want_len, const char *want_text)
{
    char name[256];
    size_t len = 0;
    snprintf(name, sizeof name, "%s.eml", nz(message_id));
    unsigned char *eml = pe_sim_outbox_file(&sim, name, &len);
    CHECK(eml != NULL, "outbox: no %s", name);
    if (!eml) {
        return false;
    }
    if (want) {
        CHECK(len == want_len && memcmp(eml, want, len) == 0,
              "outbox %s: %zu bytes differ from the %zu sent", name, len,
              want_len);
    }
    if (want_text) {
        CHECK(contains(eml, len, want_text), "outbox %s lacks [%s]", name,
              want_text);
    }
    free(eml);
    return true;
}

static unsigned outbox_count(void)
{
    unsigned n = 0;
    DIR *d = opendir(sim.outbox);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        n += len > 4 && strcmp(e->d_name + len - 4, ".eml") == 0;
    }
    if (d) {
        closedir(d);
    }
    return n;
}

static void test_sending(void)
{
    pe_send_email_output_t out;
    pe_empty_t none;

    check_account(0.0, PE_TRUE, PE_FALSE, PE_FALSE);
    if (EXPECT_OK(send_simple(&to_ops_env, "Pump 3 stopped", &out))) {
        CHECK(out.message_id && strlen(out.message_id) > 16, "MessageId [%s]",
              nz(out.message_id));
        check_outbox(out.message_id, NULL, 0, "Subject: Pump 3 stopped");
    }
    check_account(2.0, PE_TRUE, PE_FALSE, PE_FALSE); /* To + Cc */

    pe_raw_message_t raw = {{raw_mime, sizeof raw_mime - 1}};
    pe_email_content_t raw_content = {NULL, &raw, NULL};
    pe_destination_t raw_dest = {{to_ops, 1}, {NULL, 0}, {NULL, 0}};
    pe_send_email_input_t raw_in = {NULL, &raw_dest, {NULL, 0}, NULL,
                                    &raw_content, {NULL, 0}, NULL};
    if (EXPECT_OK(API(send_email, &raw_in, &out))) {
        check_outbox(out.message_id, raw_mime, sizeof raw_mime - 1, NULL);
    }
    check_account(3.0, PE_TRUE, PE_FALSE, PE_FALSE);

    /* the sandbox: every recipient must be verified */
    envelope_t stranger = {"sender@example.com", to_stranger, 1, NULL};
    EXPECT_SERVICE(send_simple(&stranger, "nope", &out), PE_EC_MESSAGE_REJECTED,
                   400);
    CHECK(err.message && strstr(err.message, to_stranger[0]),
          "MessageRejected names the address: %s", nz(err.message));

    /* a pending custom MAIL FROM domain with REJECT_MESSAGE */
    put_mail_from("example.com", "mail.example.com",
                  PE_BEHAVIOR_ON_MX_FAILURE_REJECT_MESSAGE);
    EXPECT_SERVICE(send_simple(&to_ops_env, "nope", &out),
                   PE_EC_MAIL_FROM_DOMAIN_NOT_VERIFIED, 400);
    put_mail_from("example.com", NULL, NULL);

    /* sending paused for the account */
    pe_put_account_sending_attributes_input_t pause = {PE_FALSE};
    EXPECT_OK(API(put_account_sending_attributes, &pause, &none));
    check_account(3.0, PE_FALSE, PE_FALSE, PE_FALSE);
    EXPECT_SERVICE(send_simple(&to_ops_env, "nope", &out),
                   PE_EC_SENDING_PAUSED, 400);
    pause.sending_enabled = PE_TRUE;
    EXPECT_OK(API(put_account_sending_attributes, &pause, &none));

    pe_put_account_dedicated_ip_warmup_attributes_input_t warm = {PE_TRUE};
    EXPECT_OK(API(put_account_dedicated_ip_warmup_attributes, &warm, &none));
    check_account(3.0, PE_TRUE, PE_TRUE, PE_FALSE);
    warm.auto_warmup_enabled = PE_FALSE;
    EXPECT_OK(API(put_account_dedicated_ip_warmup_attributes, &warm, &none));
    check_account(3.0, PE_TRUE, PE_FALSE, PE_FALSE);

    /* a local failure: nothing is sent, the diagnostic names the member */
    pe_message_t no_subject = {NULL, NULL};
    pe_email_content_t bad_content = {&no_subject, NULL, NULL};
    pe_send_email_input_t bad = {"sender@example.com", &raw_dest, {NULL, 0},
                                 NULL, &bad_content, {NULL, 0}, NULL};
    EXPECT_STATUS(API(send_email, &bad, &out), PE_ERR_INVALID_ARGUMENT);
    check_diag("SendEmail without a subject", "Content.Simple.Subject",
               "is required");
    check_account(3.0, PE_TRUE, PE_FALSE, PE_FALSE);

    /* out of the sandbox anyone may receive */
    pe_sim_account_t production = {PE_TRUE, PE_UNSET, PE_UNSET, NULL};
    EXPECT_OK(pe_sim_account(C, &production));
    check_account(3.0, PE_TRUE, PE_FALSE, PE_TRUE);
    EXPECT_OK(send_simple(&stranger, "Hello stranger", &out));
    check_account(5.0, PE_TRUE, PE_FALSE, PE_TRUE);
}

/* ------------------------------------------------------------ IPs, pools */

static const char *const all_ips[] = {"192.0.2.10", "192.0.2.11", "192.0.2.12"};
static const char *const pool_names[] = {"pool-a", "pool-b"};

static void check_ip(const char *ip, const char *pool, const char *status,
                     int64_t percent)
{
    pe_get_dedicated_ip_input_t in = {ip};
    pe_get_dedicated_ip_output_t out;
    if (!EXPECT_OK(API(get_dedicated_ip, &in, &out))) {
        return;
    }
    const pe_dedicated_ip_t *d = out.dedicated_ip;
    CHECK(d != NULL, "GetDedicatedIp %s: none", ip);
    if (d) {
        check_str("Ip", d->ip, ip);
        check_str("PoolName", d->pool_name, pool);
        check_str("WarmupStatus", d->warmup_status, status);
        CHECK(d->warmup_percentage.set && d->warmup_percentage.value == percent,
              "%s: WarmupPercentage %lld", ip,
              (long long)d->warmup_percentage.value);
    }
}

static void check_pool_ips(const char *pool, const char *const *want, size_t n)
{
    pe_get_dedicated_ips_input_t in = {pool, NULL, {false, 0}};
    walk_t w;
    walk(&pe_op_get_dedicated_ips, &in, 100, "DedicatedIps", "Ip", &w);
    check_walk(pool, &w, want, n, 1);
}

static void move_ip(const char *ip, const char *pool)
{
    pe_put_dedicated_ip_in_pool_input_t in = {ip, pool};
    pe_empty_t none;
    EXPECT_OK(API(put_dedicated_ip_in_pool, &in, &none));
}

static void test_dedicated_ips(void)
{
    pe_empty_t none;
    walk_t w;

    walk(&pe_op_get_dedicated_ips, NULL, 2, "DedicatedIps", "Ip", &w);
    check_walk("GetDedicatedIps by 2", &w, all_ips, 3, 2);
    for (size_t i = 0; i < ARRAY_LEN(all_ips); i++) {
        check_ip(all_ips[i], NULL, PE_WARMUP_STATUS_DONE, 100);
    }

    for (size_t i = 0; i < ARRAY_LEN(pool_names); i++) {
        pe_create_dedicated_ip_pool_input_t in = {pool_names[i],
                                                  {escaped_tags, 1}};
        EXPECT_OK(API(create_dedicated_ip_pool, &in, &none));
    }
    pe_create_dedicated_ip_pool_input_t again = {"pool-a", {NULL, 0}};
    EXPECT_SERVICE(API(create_dedicated_ip_pool, &again, &none),
                   PE_EC_ALREADY_EXISTS, 400);
    walk(&pe_op_list_dedicated_ip_pools, NULL, 1, "DedicatedIpPools", NULL, &w);
    check_walk("ListDedicatedIpPools by 1", &w, pool_names, 2, 2);

    move_ip("192.0.2.11", "pool-a");
    check_ip("192.0.2.11", "pool-a", PE_WARMUP_STATUS_DONE, 100);
    check_pool_ips("pool-a", &all_ips[1], 1);
    move_ip("192.0.2.11", "pool-b");
    check_ip("192.0.2.11", "pool-b", PE_WARMUP_STATUS_DONE, 100);
    check_pool_ips("pool-a", NULL, 0);
    check_pool_ips("pool-b", &all_ips[1], 1);

    pe_put_dedicated_ip_warmup_attributes_input_t warm = {"192.0.2.12",
                                                          {true, 40}};
    EXPECT_OK(API(put_dedicated_ip_warmup_attributes, &warm, &none));
    check_ip("192.0.2.12", NULL, PE_WARMUP_STATUS_IN_PROGRESS, 40);
    warm.warmup_percentage.value = 101; /* the model's range: caught here */
    EXPECT_STATUS(API(put_dedicated_ip_warmup_attributes, &warm, &none),
                  PE_ERR_INVALID_ARGUMENT);
    check_diag("WarmupPercentage 101", "WarmupPercentage", "is out of range");

    pe_put_dedicated_ip_in_pool_input_t lost = {"192.0.2.10", "no-such-pool"};
    EXPECT_SERVICE(API(put_dedicated_ip_in_pool, &lost, &none),
                   PE_EC_NOT_FOUND, 404);
    pe_get_dedicated_ip_input_t unknown = {"192.0.2.99"};
    pe_get_dedicated_ip_output_t ip_out;
    EXPECT_SERVICE(API(get_dedicated_ip, &unknown, &ip_out), PE_EC_NOT_FOUND,
                   404);

    pe_delete_dedicated_ip_pool_input_t del = {"pool-b"};
    EXPECT_OK(API(delete_dedicated_ip_pool, &del, &none));
    check_ip("192.0.2.11", NULL, PE_WARMUP_STATUS_DONE, 100);
    EXPECT_SERVICE(API(delete_dedicated_ip_pool, &del, &none), PE_EC_NOT_FOUND,
                   404);
    walk(&pe_op_list_dedicated_ip_pools, NULL, 1, "DedicatedIpPools", NULL, &w);
    check_walk("pools after delete", &w, pool_names, 1, 1);
}

/* ------------------------------------------------------------ config sets */

static void check_config_set(const pe_get_configuration_set_output_t *want)
{
    const char *name = want->configuration_set_name;
    pe_get_configuration_set_input_t in = {name};
    pe_get_configuration_set_output_t o;
    if (!EXPECT_OK(API(get_configuration_set, &in, &o))) {
        return;
    }
#define OPT(p, m, none) ((p) ? (p)->m : (none))
    check_str("ConfigurationSetName", o.configuration_set_name, name);
    check_str("CustomRedirectDomain",
              OPT(o.tracking_options, custom_redirect_domain, NULL),
              OPT(want->tracking_options, custom_redirect_domain, NULL));
    check_str("TlsPolicy", OPT(o.delivery_options, tls_policy, NULL),
              OPT(want->delivery_options, tls_policy, NULL));
    check_str("SendingPoolName", OPT(o.delivery_options, sending_pool_name, NULL),
              OPT(want->delivery_options, sending_pool_name, NULL));
    check_bool("ReputationMetricsEnabled",
               OPT(o.reputation_options, reputation_metrics_enabled, PE_UNSET),
               OPT(want->reputation_options, reputation_metrics_enabled,
                   PE_UNSET));
    pe_opt_time_t unset = {false, 0};
    pe_opt_time_t got_t = OPT(o.reputation_options, last_fresh_start, unset);
    pe_opt_time_t want_t = OPT(want->reputation_options, last_fresh_start, unset);
    CHECK(got_t.set == want_t.set && got_t.seconds == want_t.seconds,
          "%s: LastFreshStart %d/%lld, expected %d/%lld", name, got_t.set,
          (long long)got_t.seconds, want_t.set, (long long)want_t.seconds);
    check_bool("SendingEnabled", OPT(o.sending_options, sending_enabled, PE_UNSET),
               OPT(want->sending_options, sending_enabled, PE_UNSET));
#undef OPT
    check_tags(name, o.tags, want->tags);
}

/* The create input that should give `view` back (same members). */
static pe_create_configuration_set_input_t create_input_of(
    const pe_get_configuration_set_output_t *v)
{
    pe_create_configuration_set_input_t in = {
        v->configuration_set_name, v->tracking_options, v->delivery_options,
        v->reputation_options, v->sending_options, v->tags};
    return in;
}

/* Event destinations: one of each kind. */
static const char *const send_bounce[] = {PE_EVENT_TYPE_SEND,
                                          PE_EVENT_TYPE_BOUNCE};
static const char *const delivery_only[] = {PE_EVENT_TYPE_DELIVERY};
static const pe_cloud_watch_dimension_configuration_t dims[] = {
    {"campaign", PE_DIMENSION_VALUE_SOURCE_MESSAGE_TAG, ESCAPED},
    {"link_id", PE_DIMENSION_VALUE_SOURCE_LINK_TAG, "none"},
};
static const pe_cloud_watch_destination_t cloud_watch = {{dims, 2}};
static const pe_sns_destination_t sns = {
    "arn:aws:sns:us-east-1:123456789012:alerts"};
static const pe_sns_destination_t sns2 = {
    "arn:aws:sns:us-east-1:123456789012:other"};
static const pe_kinesis_firehose_destination_t firehose = {
    "arn:aws:iam::123456789012:role/firehose",
    "arn:aws:firehose:us-east-1:123456789012:deliverystream/mail"};
static const pe_pinpoint_destination_t pinpoint = {
    "arn:aws:mobiletargeting:us-east-1:123456789012:apps/abc"};

typedef struct {
    const char *name;
    pe_event_destination_definition_t def;
} named_destination_t;

static const named_destination_t destinations[] = {
    {"to-cloudwatch", {PE_TRUE, {send_bounce, 2}, NULL, &cloud_watch, NULL, NULL}},
    {"to-sns", {PE_TRUE, {delivery_only, 1}, NULL, NULL, &sns, NULL}},
    {"to-firehose", {PE_FALSE, {send_bounce, 2}, &firehose, NULL, NULL, NULL}},
    {"to-pinpoint", {PE_UNSET, {delivery_only, 1}, NULL, NULL, NULL, &pinpoint}},
};

static void check_destination(const pe_event_destination_t *got,
                              const pe_event_destination_definition_t *want)
{
    const char *name = got->name;
    /* the service stores an absent Enabled as false */
    check_bool(name, got->enabled,
               want->enabled == PE_UNSET ? PE_FALSE : want->enabled);
    check_strs(name, got->matching_event_types, want->matching_event_types);
    check_str("TopicArn", got->sns_destination ? got->sns_destination->topic_arn : NULL,
              want->sns_destination ? want->sns_destination->topic_arn : NULL);
    check_str("ApplicationArn",
              got->pinpoint_destination ? got->pinpoint_destination->application_arn : NULL,
              want->pinpoint_destination ? want->pinpoint_destination->application_arn : NULL);
    const pe_kinesis_firehose_destination_t *kg = got->kinesis_firehose_destination,
                                            *kw = want->kinesis_firehose_destination;
    check_str("IamRoleArn", kg ? kg->iam_role_arn : NULL, kw ? kw->iam_role_arn : NULL);
    check_str("DeliveryStreamArn", kg ? kg->delivery_stream_arn : NULL,
              kw ? kw->delivery_stream_arn : NULL);
    const pe_cloud_watch_destination_t *cg = got->cloud_watch_destination,
                                       *cw = want->cloud_watch_destination;
    CHECK(!cg == !cw, "%s: CloudWatchDestination %s", name, cg ? "present" : "absent");
    if (cg && cw) {
        const pe_cloud_watch_dimension_configuration_list_t *g = &cg->dimension_configurations,
                                                            *x = &cw->dimension_configurations;
        CHECK(g->count == x->count, "%s: %zu dimensions", name, g->count);
        for (size_t i = 0; i < g->count && i < x->count; i++) {
            check_str("DimensionName", g->items[i].dimension_name, x->items[i].dimension_name);
            check_str("DimensionValueSource", g->items[i].dimension_value_source,
                      x->items[i].dimension_value_source);
            check_str("DefaultDimensionValue", g->items[i].default_dimension_value,
                      x->items[i].default_dimension_value);
        }
    }
}

/* GetConfigurationSetEventDestinations lists exactly `want` (any order). */
static void check_destinations(const char *set, const named_destination_t *want,
                               size_t n)
{
    pe_get_configuration_set_event_destinations_input_t in = {set};
    pe_get_configuration_set_event_destinations_output_t out;
    if (!EXPECT_OK(API(get_configuration_set_event_destinations, &in, &out))) {
        return;
    }
    const pe_event_destination_list_t *l = &out.event_destinations;
    CHECK(l->items && l->count == n, "%s: %zu event destinations, expected %zu",
          set, l->count, n);
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < l->count && strcmp(nz(l->items[k].name), want[i].name) != 0) {
            k++;
        }
        CHECK(k < l->count, "%s: no event destination %s", set, want[i].name);
        if (k < l->count) {
            check_destination(&l->items[k], &want[i].def);
        }
    }
}

static void test_event_destinations(const char *set)
{
    pe_empty_t none;
    for (size_t i = 0; i < ARRAY_LEN(destinations); i++) {
        pe_create_configuration_set_event_destination_input_t in = {
            set, destinations[i].name, &destinations[i].def};
        EXPECT_OK(API(create_configuration_set_event_destination, &in, &none));
    }
    check_destinations(set, destinations, ARRAY_LEN(destinations));
    pe_create_configuration_set_event_destination_input_t dup = {
        set, destinations[0].name, &destinations[0].def};
    EXPECT_SERVICE(API(create_configuration_set_event_destination, &dup, &none),
                   PE_EC_ALREADY_EXISTS, 400);

    named_destination_t changed[ARRAY_LEN(destinations)];
    memcpy(changed, destinations, sizeof changed);
    changed[1].def.enabled = PE_FALSE;
    changed[1].def.matching_event_types =
        (pe_str_list_t){send_bounce, 2};
    changed[1].def.sns_destination = &sns2;
    pe_update_configuration_set_event_destination_input_t up = {
        set, changed[1].name, &changed[1].def};
    EXPECT_OK(API(update_configuration_set_event_destination, &up, &none));
    check_destinations(set, changed, ARRAY_LEN(changed));

    pe_delete_configuration_set_event_destination_input_t del = {
        set, changed[0].name};
    EXPECT_OK(API(delete_configuration_set_event_destination, &del, &none));
    check_destinations(set, changed + 1, ARRAY_LEN(changed) - 1);
    EXPECT_SERVICE(API(delete_configuration_set_event_destination, &del, &none),
                   PE_EC_NOT_FOUND, 404);
    up.event_destination_name = changed[0].name;
    EXPECT_SERVICE(API(update_configuration_set_event_destination, &up, &none),
                   PE_EC_NOT_FOUND, 404);
}

static void test_configuration_sets(void)
{
    static const pe_tracking_options_t track = {"click.example.com"};
    static const pe_tracking_options_t track2 = {"links.example.com"};
    static const pe_delivery_options_t deliver = {PE_TLS_POLICY_REQUIRE,
                                                  "pool-a"};
    static const pe_delivery_options_t deliver2 = {PE_TLS_POLICY_OPTIONAL, NULL};
    static const pe_reputation_options_t reputation = {PE_TRUE,
                                                       {true, 1542628800}};
    static const pe_reputation_options_t reputation2 = {PE_FALSE,
                                                        {true, 1542628800}};
    static const pe_reputation_options_t reputation_default = {PE_FALSE,
                                                               {false, 0}};
    static const pe_sending_options_t sending = {PE_TRUE};
    static const pe_sending_options_t paused = {PE_FALSE};
    pe_get_configuration_set_output_t full = {
        "cs-full", &track, &deliver, &reputation, &sending,
        {escaped_tags, ARRAY_LEN(escaped_tags)}};
    pe_tag_t no_tag[1];
    /* what the service makes of a set created with its name only */
    pe_get_configuration_set_output_t min = {
        "cs_min-2", NULL, &deliver2, &reputation_default, &sending, {no_tag, 0}};
    const char *const set_names[] = {"cs-full", "cs_min-2"};
    pe_create_configuration_set_input_t in;
    pe_empty_t none;

    in = create_input_of(&full);
    EXPECT_OK(API(create_configuration_set, &in, &none));
    check_config_set(&full);
    EXPECT_SERVICE(API(create_configuration_set, &in, &none),
                   PE_EC_ALREADY_EXISTS, 400);
    in = (pe_create_configuration_set_input_t){"cs_min-2", NULL, NULL, NULL,
                                               NULL, {NULL, 0}};
    EXPECT_OK(API(create_configuration_set, &in, &none));
    check_config_set(&min);

    /* the builder lets any name through; the service allows [A-Za-z0-9_-] */
    in.configuration_set_name = "bad.name!";
    EXPECT_SERVICE(API(create_configuration_set, &in, &none),
                   PE_EC_BAD_REQUEST, 400);
    CHECK(err.message && strstr(err.message, "bad.name!"),
          "BadRequest names the set: %s", nz(err.message));
    in.configuration_set_name = NULL;
    EXPECT_STATUS(API(create_configuration_set, &in, &none),
                  PE_ERR_INVALID_ARGUMENT);
    check_diag("CreateConfigurationSet without a name", "ConfigurationSetName",
               "is required");

    walk_t w;
    walk(&pe_op_list_configuration_sets, NULL, 1, "ConfigurationSets", NULL, &w);
    check_walk("ListConfigurationSets by 1", &w, set_names, 2, 2);
    pe_list_configuration_sets_input_t zero = {NULL, {true, 0}};
    pe_list_configuration_sets_output_t sets;
    EXPECT_SERVICE(API(list_configuration_sets, &zero, &sets),
                   PE_EC_BAD_REQUEST, 400); /* PageSize 0: 1..1000 here */

    /* each put shows in the next get */
    pe_put_configuration_set_delivery_options_input_t d = {"cs-full",
                                                           PE_TLS_POLICY_OPTIONAL,
                                                           NULL};
    EXPECT_OK(API(put_configuration_set_delivery_options, &d, &none));
    pe_put_configuration_set_reputation_options_input_t r = {"cs-full", PE_FALSE};
    EXPECT_OK(API(put_configuration_set_reputation_options, &r, &none));
    pe_put_configuration_set_sending_options_input_t s = {"cs-full", PE_FALSE};
    EXPECT_OK(API(put_configuration_set_sending_options, &s, &none));
    pe_put_configuration_set_tracking_options_input_t t = {"cs-full",
                                                           "links.example.com"};
    EXPECT_OK(API(put_configuration_set_tracking_options, &t, &none));
    full.delivery_options = &deliver2;
    full.reputation_options = &reputation2;
    full.sending_options = &paused;
    full.tracking_options = &track2;
    check_config_set(&full);

    /* sending paused for the set */
    envelope_t via_set = to_ops_env;
    pe_send_email_output_t sent;
    via_set.config_set = "cs-full";
    EXPECT_SERVICE(send_simple(&via_set, "paused", &sent),
                   PE_EC_SENDING_PAUSED, 400);
    via_set.config_set = "cs-nowhere";
    EXPECT_SERVICE(send_simple(&via_set, "lost", &sent), PE_EC_NOT_FOUND, 404);

    test_event_destinations("cs-full");

    pe_delete_configuration_set_input_t del = {"cs_min-2"};
    EXPECT_OK(API(delete_configuration_set, &del, &none));
    pe_get_configuration_set_input_t get = {"cs_min-2"};
    pe_get_configuration_set_output_t got;
    EXPECT_SERVICE(API(get_configuration_set, &get, &got), PE_EC_NOT_FOUND,
                   404);
    EXPECT_SERVICE(API(delete_configuration_set, &del, &none), PE_EC_NOT_FOUND,
                   404);
    walk(&pe_op_list_configuration_sets, NULL, 1000, "ConfigurationSets", NULL,
         &w);
    check_walk("ListConfigurationSets after delete", &w, set_names, 1, 1);
}

static void test_delete_identities(void)
{
    pe_empty_t none;
    for (size_t i = 0; i < ARRAY_LEN(identity_names); i++) {
        pe_delete_email_identity_input_t in = {identity_names[i]};
        EXPECT_OK(API(delete_email_identity, &in, &none));
    }
    pe_delete_email_identity_input_t again = {identity_names[2]};
    EXPECT_SERVICE(API(delete_email_identity, &again, &none), PE_EC_NOT_FOUND,
                   404);
    walk_t w;
    /* PageSize 0 (allowed for this list only): the default page size */
    walk(&pe_op_list_email_identities, NULL, 0, "EmailIdentities",
         "IdentityName", &w);
    check_walk("identities after delete", &w, NULL, 0, 1);
}

/* ------------------------------------------------------------ transport */

/* Faults the service injects, seen through the main client. */
static void test_faults(void)
{
    static const struct {
        const char *kind;
        pe_error_code_t code;
        unsigned http;
    } errors[] = {
        {"429", PE_EC_TOO_MANY_REQUESTS, 429},
        {"500", PE_EC_INTERNAL_FAILURE, 500},
        {"503", PE_EC_SERVICE_UNAVAILABLE, 503},
    };
    pe_get_account_output_t a;
    pe_get_account_input_t none_in = {0};
    unsigned before = main_conn.port.connects;

    /* an error on every attempt: three attempts, then the error */
    for (size_t i = 0; i < ARRAY_LEN(errors); i++) {
        unsigned sleeps = main_conn.port.sleeps;
        EXPECT_OK(pe_sim_fault(C, errors[i].kind, 3, 0));
        EXPECT_SERVICE(API(get_account, &none_in, &a), errors[i].code,
                       errors[i].http);
        CHECK(main_conn.port.sleeps == sleeps + 2,
              "%s: %u backoff waits, expected 2", errors[i].kind,
              main_conn.port.sleeps - sleeps);
    }
    /* chunked transfer coding with extensions and a trailer */
    EXPECT_OK(pe_sim_fault(C, "chunked", 1, 0));
    check_account(5.0, PE_TRUE, PE_FALSE, PE_TRUE);
    CHECK(main_conn.port.connects == before,
          "errors and chunked answers keep the connection (%u connects)",
          main_conn.port.connects - before);

    /* the server closes after a whole answer: the next call reconnects */
    EXPECT_OK(pe_sim_fault(C, "close-after", 1, 0));
    check_account(5.0, PE_TRUE, PE_FALSE, PE_TRUE);
    check_account(5.0, PE_TRUE, PE_FALSE, PE_TRUE);
    CHECK(main_conn.port.connects == before + 1,
          "close-after: %u connects, expected 1", main_conn.port.connects - before);

    /* half an answer to a GET: asked again on a new connection */
    EXPECT_OK(pe_sim_fault(C, "close-mid", 1, 0));
    check_account(5.0, PE_TRUE, PE_FALSE, PE_TRUE);
    CHECK(main_conn.port.connects == before + 2,
          "close-mid: %u connects, expected 2", main_conn.port.connects - before);
    /* half an answer every time: the attempts run out */
    EXPECT_OK(pe_sim_fault(C, "close-mid", 3, 0));
    EXPECT_STATUS(API(get_account, &none_in, &a), PE_ERR_CLOSED);

    /* no answer at all to a GET on a kept-alive connection: sent again */
    EXPECT_OK(pe_sim_fault(C, "drop", 1, 0));
    check_account(5.0, PE_TRUE, PE_FALSE, PE_TRUE);

    /* no answer to a SendEmail: carried out, not repeated, and the caller
     * is told the outcome is unknown */
    unsigned messages = outbox_count();
    pe_send_email_output_t sent;
    EXPECT_OK(pe_sim_fault(C, "drop", 1, 0));
    EXPECT_STATUS(send_simple(&to_ops_env, "dropped", &sent),
                  PE_ERR_OUTCOME_UNKNOWN);
    CHECK(outbox_count() == messages + 1, "dropped SendEmail: %u messages",
          outbox_count() - messages);
    check_account(7.0, PE_TRUE, PE_FALSE, PE_TRUE);
}

/* An error answer with any code: the local service's fault control with
 * its "code" member (and "message"). */
typedef struct {
    const char *kind;
    pe_opt_int_t count;
    const char *code;
    const char *message;
} code_fault_t;

static const pe_member_t code_fault_members[] = {
    {"kind", offsetof(code_fault_t, kind), PE_T_STRING, PE_M_REQUIRED, NULL},
    {"count", offsetof(code_fault_t, count), PE_T_INT, 0, &pe_kind_int},
    {"code", offsetof(code_fault_t, code), PE_T_STRING, 0, NULL},
    {"message", offsetof(code_fault_t, message), PE_T_STRING, 0, NULL},
};
static const pe_shape_t code_fault_shape = {code_fault_members, 4,
                                            sizeof(code_fault_t)};
static const pe_shape_t no_output = {NULL, 0, sizeof(pe_empty_t)};
static const pe_operation_t code_fault_op = {"SimFault", "POST", "/_sim/faults",
                                             &code_fault_shape, &no_output, NULL};

/* The answer to a GetAccount refused with code (and message), on a client
 * that makes one attempt. */
static pe_status_t refused_with(conn_t *k, const char *code,
                                const char *message, int64_t count)
{
    code_fault_t f = {"500", {true, count}, code, message};
    pe_empty_t none;
    pe_get_account_output_t a;
    pe_status_t st = pe_client_call(&k->client, &code_fault_op, &f, &none, &err);
    CHECK(st == PE_OK, "fault %s: %s", code, pe_strerror(st));
    return pe_get_account(&k->client, &(pe_get_account_input_t){0}, &a, &err);
}

/* Every code of the enum from its text, and texts that are not codes. */
static void test_error_codes(void)
{
    static const char *const strangers[] = {
        "NotFound",                  /* the base without its suffix */
        "NotFoundExceptionX",        /* more than the code */
        "NotFoundExceptio",          /* less */
        "MessageRejectedException",  /* a suffix this code has not */
        "ValidationErrors",
        "notfoundexception",         /* codes are case-sensitive */
        "SomethingNewException",
    };
    conn_t k;
    if (!EXPECT_OK(conn_open(&k, &sim_ep, WORK_SIZE))) {
        conn_close(&k);
        return;
    }
    k.client.max_attempts = 1;
    for (int code = 2; code < PE_EC_COUNT_; code++) {
        const char *name = pe_error_code_name((pe_error_code_t)code);
        /* RequestExpired is a refused clock: signed again once */
        pe_status_t st = refused_with(&k, name, NULL,
                                      code == PE_EC_REQUEST_EXPIRED ? 2 : 1);
        CHECK(st == PE_ERR_SERVICE && err.code == (pe_error_code_t)code &&
                  err.code_text && strcmp(err.code_text, name) == 0 &&
                  err.http_status == 500,
              "%s: %s, code %d (%s), expected %d", name, pe_strerror(st),
              (int)err.code, nz(err.code_text), code);
    }
    for (size_t i = 0; i < ARRAY_LEN(strangers); i++) {
        pe_status_t st = refused_with(&k, strangers[i], NULL, 1);
        CHECK(st == PE_ERR_SERVICE && err.code == PE_EC_UNKNOWN &&
                  err.code_text && strcmp(err.code_text, strangers[i]) == 0,
              "%s: %s, code %d (%s), expected unknown", strangers[i],
              pe_strerror(st), (int)err.code, nz(err.code_text));
    }
    CHECK(strcmp(pe_error_code_name(PE_EC_NOT_FOUND), "NotFoundException") == 0 &&
              strcmp(pe_error_code_name(PE_EC_MESSAGE_REJECTED), "MessageRejected") == 0 &&
              strcmp(pe_error_code_name(PE_EC_VALIDATION_ERROR), "ValidationError") == 0 &&
              pe_error_code_name(PE_EC_UNKNOWN)[0] == '\0' &&
              pe_error_code_name(PE_EC_COUNT_)[0] == '\0',
          "pe_error_code_name");
    conn_close(&k);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Retries, the lost-answer rule and the clock, each on a client of its
 * own (so the main client's connection count is not disturbed). */
static void test_retries(void)
{
    conn_t k;
    pe_get_account_output_t a;
    pe_send_email_output_t sent;
    endpoint_t ep = sim_ep;
    double t0;

    /* a throttling burst: Retry-After honoured, then success */
    if (EXPECT_OK(conn_open(&k, &ep, WORK_SIZE))) {
        EXPECT_OK(pe_sim_throttle(&k.client, 2, 1));
        t0 = now_s();
        EXPECT_OK(pe_get_account(&k.client, &(pe_get_account_input_t){0}, &a,
                                 &err));
        CHECK(now_s() - t0 >= 1.9, "two Retry-After waits of 1 s: %.2f s",
              now_s() - t0);
        CHECK(k.port.sleeps == 2, "throttled twice: %u waits", k.port.sleeps);
        /* 503 twice: full-jitter backoff (base 100 ms), then success */
        EXPECT_OK(pe_sim_fault(&k.client, "503", 2, 0));
        t0 = now_s();
        EXPECT_OK(pe_get_account(&k.client, &(pe_get_account_input_t){0}, &a,
                                 &err));
        CHECK(now_s() - t0 < 5.0, "503 twice: backoff stays short (%.2f s)",
              now_s() - t0);
        CHECK(k.port.sleeps == 4, "503 twice: %u waits in all", k.port.sleeps);
    }
    conn_close(&k);

    /* a lost SendEmail answer, with resending allowed: sent twice */
    ep.resend_unknown_outcome = true;
    if (EXPECT_OK(conn_open(&k, &ep, WORK_SIZE))) {
        unsigned messages = outbox_count();
        EXPECT_OK(pe_sim_fault(&k.client, "drop", 1, 0));
        EXPECT_OK(send_simple_on(&k.client, &to_ops_env, "resent", &sent));
        CHECK(outbox_count() == messages + 2,
              "lost answer resent on request: %u messages",
              outbox_count() - messages);
    }
    conn_close(&k);

    /* the service's clock 15 minutes ahead: one refusal, the client takes
     * the offset from Date, signs again and keeps the offset */
    ep = sim_ep;
    if (EXPECT_OK(conn_open(&k, &ep, WORK_SIZE))) {
        EXPECT_OK(pe_sim_clock(&k.client, 900));
        EXPECT_OK(pe_get_account(&k.client, &(pe_get_account_input_t){0}, &a,
                                 &err));
        CHECK(k.client.clock_offset >= 895 && k.client.clock_offset <= 905,
              "clock offset learnt: %lld s", (long long)k.client.clock_offset);
        EXPECT_OK(pe_get_account(&k.client, &(pe_get_account_input_t){0}, &a,
                                 &err));
        CHECK(k.port.sleeps == 0, "a clock retry needs no backoff");
        EXPECT_OK(pe_sim_clock(&k.client, 0));
    }
    conn_close(&k);

    /* a device that does not know the time */
    if (EXPECT_OK(conn_open(&k, &ep, WORK_SIZE))) {
        k.port.clock_unset = true;
        EXPECT_STATUS(pe_get_account(&k.client, &(pe_get_account_input_t){0},
                                     &a, &err),
                      PE_ERR_NO_CLOCK);
    }
    conn_close(&k);
    ep.learn_time_from_service = true;
    if (EXPECT_OK(conn_open(&k, &ep, WORK_SIZE))) {
        k.port.clock_unset = true;
        EXPECT_OK(pe_get_account(&k.client, &(pe_get_account_input_t){0}, &a,
                                 &err));
        CHECK(k.client.clock_offset > PE_MIN_PLAUSIBLE_TIME,
              "time learnt from the service: offset %lld s",
              (long long)k.client.clock_offset);
    }
    conn_close(&k);
}

/* Everything the client logged in test_debug_log. */
static char log_text[65536];
static size_t log_len;

static void capture_log(void *ctx, pe_log_level_t level, const char *line,
                        size_t len)
{
    (void)ctx;
    (void)level;
    if (log_len + len + 1 < sizeof log_text) {
        memcpy(log_text + log_len, line, len);
        log_len += len;
        log_text[log_len++] = '\n';
        log_text[log_len] = '\0';
    }
}

/* The debug view: canonical request and string to sign are there, no
 * secret is: not the secret key, not the session token. */
static void test_debug_log(void)
{
    static const char token[] = "FQoGZXIvYXdzEXAMPLETOKENvalue/with+chars=";
    conn_t k;
    pe_get_account_output_t a;
    endpoint_t ep = sim_ep;
    ep.session_token = token;
    ep.log = capture_log;
    log_len = 0;
    if (EXPECT_OK(conn_open(&k, &ep, WORK_SIZE))) {
        EXPECT_OK(pe_get_account(&k.client, &(pe_get_account_input_t){0}, &a,
                                 &err));
    }
    conn_close(&k);
    CHECK(strstr(log_text, "canonical request | GET\n") != NULL &&
              strstr(log_text, "canonical request | /v1/email/account\n") != NULL,
          "debug log shows the canonical request:\n%s", log_text);
    CHECK(strstr(log_text, "string to sign | AWS4-HMAC-SHA256\n") != NULL,
          "debug log shows the string to sign");
    CHECK(strstr(log_text, "x-amz-security-token:<redacted>") != NULL,
          "the session token line is redacted");
    CHECK(strstr(log_text, token) == NULL, "the session token is never logged");
    CHECK(strstr(log_text, PE_SIM_SECRET_KEY) == NULL &&
              strstr(log_text, "wJalrXUtnFEMI") == NULL,
          "the secret key is never logged");

    /* a wrong secret: the service's message is logged for comparison */
    log_len = 0;
    ep.session_token = NULL;
    if (EXPECT_OK(conn_open(&k, &ep, WORK_SIZE))) {
        pe_sigv4_init(&k.client.signer, PE_SIM_ACCESS_KEY, "not-the-secret", NULL);
        EXPECT_SERVICE(pe_get_account(&k.client, &(pe_get_account_input_t){0},
                                      &a, &err),
                       PE_EC_INVALID_SIGNATURE, 403);
    }
    conn_close(&k);
    CHECK(strstr(log_text, "the service refused the signature: ") != NULL,
          "a refused signature logs the service's message");
    CHECK(strstr(log_text, "not-the-secret") == NULL,
          "the wrong secret is not logged either");
}

/* The protocol: TLS 1.3 where this mbedTLS has it (the service speaks
 * both), TLS 1.2 with tls12_only. */
static void test_tls_version(void)
{
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
    static const char usual[] = "connected: TLSv1.3\n";
#else
    static const char usual[] = "connected: TLSv1.2\n";
#endif
    conn_t k;
    pe_get_account_output_t a;
    endpoint_t ep = sim_ep;
    ep.log = capture_log;
    for (int only12 = 0; only12 < 2; only12++) {
        ep.tls12_only = only12 != 0;
        log_len = 0;
        log_text[0] = '\0';
        if (EXPECT_OK(conn_open(&k, &ep, WORK_SIZE))) {
            EXPECT_OK(pe_get_account(&k.client, &(pe_get_account_input_t){0},
                                     &a, &err));
        }
        conn_close(&k);
        CHECK(strstr(log_text, only12 ? "connected: TLSv1.2\n" : usual) != NULL,
              "tls12_only %d: expected %s in the log:\n%s", only12,
              only12 ? "TLSv1.2" : usual, log_text);
    }
}

static void expect_transport(const char *what, const endpoint_t *ep,
                             pe_status_t want)
{
    conn_t k;
    pe_get_account_output_t a;
    pe_status_t st = conn_open(&k, ep, WORK_SIZE);
    CHECK(st == PE_OK, "%s: init %s", what, pe_strerror(st));
    if (st == PE_OK) {
        for (int attempt = 0; attempt < 2; attempt++) { /* no fallback */
            st = pe_get_account(&k.client, &(pe_get_account_input_t){0}, &a,
                                &err);
            CHECK(st == want, "%s: %s, expected %s", what, pe_strerror(st),
                  pe_strerror(want));
        }
    }
    conn_close(&k);
}

static uint16_t closed_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        a.sin_port = htons(1);
    }
    if (fd >= 0) {
        close(fd); /* bound, never listening: refused */
    }
    return ntohs(a.sin_port);
}

static void test_tls(void)
{
    size_t sys_len = 0;
    unsigned char *sys_ca = pe_posix_read_file(PE_POSIX_DEFAULT_CA_FILE, &sys_len);
    endpoint_t ep = sim_ep;
    CHECK(sys_ca != NULL, "cannot read %s", PE_POSIX_DEFAULT_CA_FILE);
    if (sys_ca) {
        ep.ca = sys_ca;
        ep.ca_len = sys_len;
        expect_transport("public CAs only", &ep, PE_ERR_CERT_VERIFY);
        free(sys_ca);
    }
    ep = sim_ep;
    ep.host = "localhost";
    expect_transport("localhost", &ep, PE_OK);
    ep.host = "127.0.0.1";
    expect_transport("127.0.0.1", &ep, PE_OK);
    ep.port = closed_port();
    expect_transport("closed port", &ep, PE_ERR_CONNECT);

    /* an answer that takes longer than the I/O timeout */
    conn_t k;
    pe_get_account_output_t a;
    ep = sim_ep;
    ep.io_timeout_ms = 1000; /* the handshake too: room for valgrind */
    if (EXPECT_OK(conn_open(&k, &ep, WORK_SIZE))) {
        EXPECT_OK(pe_sim_fault(C, "delay", 3, 2500)); /* every attempt */
        EXPECT_STATUS(pe_get_account(&k.client, &(pe_get_account_input_t){0},
                                     &a, &err),
                      PE_ERR_TIMEOUT);
        EXPECT_OK(pe_get_account(&k.client, &(pe_get_account_input_t){0}, &a,
                                 &err));
    }
    conn_close(&k);
}

/* SendEmail through a client whose work buffer has work_size bytes. */
static pe_status_t send_big(size_t work_size, size_t *needed)
{
    static char text[6000];
    conn_t k;
    memset(text, 'x', sizeof text - 1);
    pe_content_t subj = {"big", NULL};
    pe_content_t body_text = {text, NULL};
    pe_body_t body = {&body_text, NULL};
    pe_message_t msg = {&subj, &body};
    pe_email_content_t content = {&msg, NULL, NULL};
    pe_destination_t dest = {{to_ops, 1}, {NULL, 0}, {NULL, 0}};
    pe_send_email_input_t in = {"sender@example.com", &dest, {NULL, 0}, NULL,
                                &content, {NULL, 0}, NULL};
    pe_send_email_output_t out;
    pe_status_t st = conn_open(&k, &sim_ep, work_size);
    if (st == PE_OK) {
        st = pe_send_email(&k.client, &in, &out, &err);
        *needed = err.needed;
        if (st == PE_OK) {
            CHECK(out.message_id != NULL, "big SendEmail: no MessageId");
        }
    }
    conn_close(&k);
    return st;
}

/* A list answer through a client of work_size bytes. */
static pe_status_t list_small(size_t work_size, size_t *needed)
{
    conn_t k;
    pe_list_email_identities_input_t in = {NULL, {false, 0}};
    pe_list_email_identities_output_t out;
    pe_status_t st = conn_open(&k, &sim_ep, work_size);
    if (st == PE_OK) {
        st = pe_list_email_identities(&k.client, &in, &out, &err);
        *needed = err.needed;
        if (st == PE_OK) {
            CHECK(out.email_identities.count == 3, "small list: %zu identities",
                  out.email_identities.count);
        }
    }
    conn_close(&k);
    return st;
}

/* Whether the service resumed a TLS session for the open connection. */
static bool resumed_now(const char *what)
{
    char version[16];
    bool resumed = false;
    EXPECT_OK(pe_sim_connection(C, version, sizeof version, &resumed));
    printf("%s: %s, %s handshake\n", what, version, resumed ? "resumed" : "full");
    return resumed;
}

/* pe_client_disconnect: the connection closes now, the next call opens
 * another (resuming the session, TLS 1.2 or 1.3, or not), the one after
 * reuses it. */
static void test_disconnect(void)
{
    pe_get_account_output_t a;
    unsigned before = main_conn.port.connects;
    pe_client_disconnect(C, true);
    CHECK(main_conn.port.connects == before, "disconnect does not connect");
    EXPECT_OK(pe_get_account(C, &(pe_get_account_input_t){0}, &a, &err));
    CHECK(main_conn.port.connects == before + 1,
          "after disconnect (session kept): %u connects, expected %u",
          main_conn.port.connects, before + 1);
    CHECK(resumed_now("after disconnect keeping the session"),
          "the session was not resumed");
    pe_client_disconnect(C, true); /* and again, with the newest ticket */
    EXPECT_OK(pe_get_account(C, &(pe_get_account_input_t){0}, &a, &err));
    CHECK(resumed_now("once more"), "the session was not resumed twice");
    pe_client_disconnect(C, false);
    pe_client_disconnect(C, false); /* twice: nothing more to close */
    EXPECT_OK(pe_get_account(C, &(pe_get_account_input_t){0}, &a, &err));
    CHECK(!resumed_now("after disconnect forgetting the session"),
          "a forgotten session was resumed");
    EXPECT_OK(pe_get_account(C, &(pe_get_account_input_t){0}, &a, &err));
    CHECK(main_conn.port.connects == before + 3,
          "after disconnect (session forgotten): %u connects, expected %u",
          main_conn.port.connects, before + 3);
    pe_client_disconnect(NULL, true); /* ignored */
}

static void test_small_buffers(void)
{
    size_t needed = 0, again = 0;

    /* the request does not fit: needed is exact */
    EXPECT_STATUS(send_big(1024, &needed), PE_ERR_BUFFER_TOO_SMALL);
    CHECK(needed > 6000, "SendEmail needs %zu bytes", needed);
    if (needed > 6000) {
        EXPECT_STATUS(send_big(needed - 1, &again), PE_ERR_BUFFER_TOO_SMALL);
        CHECK(again == needed, "needed %zu, then %zu", needed, again);
        EXPECT_OK(send_big(needed, &again));
        /* not even the request line fits: unknown, or that same figure */
        EXPECT_STATUS(send_big(16, &again), PE_ERR_BUFFER_TOO_SMALL);
        CHECK(again == 0 || again == needed, "needed %zu at 16 bytes", again);
    }

    /* the answer does not fit: needed when known (its head was read: the
     * service's Content-Length), else grow */
    size_t size = 300;
    pe_status_t st;
    int rounds = 0, told = 0;
    while ((st = list_small(size, &needed)) == PE_ERR_BUFFER_TOO_SMALL &&
           rounds++ < 12) {
        CHECK(needed == 0 || needed > size, "needed %zu at %zu bytes", needed,
              size);
        /* HTTP 0: the request or the answer's head did not fit */
        CHECK(err.http_status == 0 || (err.http_status == 200 && needed > size),
              "answer too large at %zu bytes: HTTP %u, needed %zu", size,
              (unsigned)err.http_status, needed);
        told += err.http_status == 200;
        size = needed > size ? needed : size + size / 2;
    }
    EXPECT_OK(st);
    CHECK(told > 0, "no round said what the answer needs");
    printf("list answer too large: %d of %d rounds named the size that holds it\n",
           told, rounds);
}

/* Every status has its own text; values past the last are "unknown
 * status". */
static void test_status_texts(void)
{
    for (int i = 0; i < PE_STATUS_COUNT_; i++) {
        const char *t = pe_strerror((pe_status_t)i);
        CHECK(t[0] && strcmp(t, "unknown status") != 0, "status %d: [%s]", i, t);
        for (int j = 0; j < i; j++) {
            CHECK(strcmp(t, pe_strerror((pe_status_t)j)) != 0,
                  "statuses %d and %d: the same text [%s]", j, i, t);
        }
    }
    CHECK(strcmp(pe_strerror(PE_STATUS_COUNT_), "unknown status") == 0 &&
              strcmp(pe_strerror((pe_status_t)-1), "unknown status") == 0,
          "past the last status: [%s]", pe_strerror(PE_STATUS_COUNT_));
    CHECK(strcmp(pe_strerror(PE_OK), "ok") == 0 &&
              strcmp(pe_strerror(PE_ERR_OUTCOME_UNKNOWN),
                     "the request was sent but its answer was lost; it may "
                     "have been carried out") == 0,
          "first and last texts");
}

/* ------------------------------------------------------------ main */

int main(void)
{
    static const char *const args[] = {NULL};
    unsigned char *ca = NULL;
    size_t ca_len = 0;

    test_status_texts();
    if (!pe_sim_start(&sim, args, 20000)) {
        printf("FAIL: the local service did not start: %s\n", sim.error);
        CHECK(false, "local service: %s", sim.error);
        return pe_test_summary();
    }
    ca = pe_posix_read_file(sim.ca_path, &ca_len);
    CHECK(ca != NULL, "cannot read the service's CA %s", sim.ca_path);
    sim_ep = (endpoint_t){sim.host, sim.port, ca, ca_len, 0, false, false,
                          NULL, NULL, false};
    if (ca && EXPECT_OK(conn_open(&main_conn, &sim_ep, WORK_SIZE))) {
        test_identities();
        test_dedicated_ips();
        test_configuration_sets();
        test_sending();
        CHECK(main_conn.port.connects == 1,
              "every call so far on one kept-alive connection: %u connects",
              main_conn.port.connects);
        test_disconnect();
        test_faults();
        test_error_codes();
        test_retries();
        test_debug_log();
        test_tls_version();
        test_tls();
        test_small_buffers();
        test_delete_identities();
        for (size_t i = 0; pe_operations[i]; i++) {
            CHECK(op_used[i], "operation %s not exercised",
                  pe_operations[i]->name);
        }
    }
    conn_close(&main_conn);
    free(ca);
    int status = pe_sim_stop(&sim);
    CHECK(status == 0, "the service exited with %d", status);
    return pe_test_summary();
}
