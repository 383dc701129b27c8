/*
 * test_builders.c - the request builder (pe_build) against botocore.
 *
 * The cases file (tests/gen_builder_cases.py; default
 * build/gen/builder_cases.txt, or argv[1]) holds, per operation, inputs in
 * the command line's JSON form with the method, target and body botocore's
 * rest-json serializer produces for them, and bad inputs with the status
 * and member path pe_build must report. For each valid case:
 *   - a size query returns PE_ERR_BUFFER_TOO_SMALL and the size;
 *   - every capacity below it returns PE_ERR_BUFFER_TOO_SMALL, reports the
 *     same size and writes nothing outside the buffer (the buffer ends at
 *     an inaccessible page);
 *   - the exact capacity gives botocore's request byte for byte.
 * Then handwritten cases on typed structs: invalid UTF-8, NULL list items,
 * bad pe_bool_t, blobs holding NUL bytes, the typed wrapper and the
 * project's reference SendEmail body.
 */
#include "support/guard.h"
#include "support/ref_email.h"
#include "support/cases_file.h"
#include "pe_ops.h"
#include "pe_test.h"

#include <stdint.h>
#include <stdlib.h>

#define DEFAULT_CASES "build/gen/builder_cases.txt"
#define BENCH_BODY "../shared/bench/sendemail-body.json"
#define ARENA_SIZE (384u * 1024u)
#define GUARD_ROOM (64u * 1024u)
#define DIAG_MAX 256

typedef union {
    long double ld;
    void *p;
    int64_t i;
    unsigned char b[8192];
} aligned_store_t;

static aligned_store_t input_store;
static union {
    long double ld;
    void *p;
    int64_t i;
    unsigned char b[ARENA_SIZE];
} arena;
static pe_guard_t guard;

/* ------------------------------------------------------------ helpers */

/* Decodes CLI JSON into the operation's input struct (input_store); the
 * struct keeps views into json_copy, valid until the next call. */
static pe_status_t decode_input(const pe_operation_t *op, const char *json,
                                size_t len, pe_diag_t *diag)
{
    static char json_copy[64 * 1024];
    size_t arena_needed = 0;
    if (len >= sizeof json_copy) {
        return PE_ERR_BUFFER_TOO_SMALL;
    }
    memcpy(json_copy, json, len);
    json_copy[len] = '\0';
    return pe_json_decode(op->input, json_copy, len, input_store.b, arena.b,
                          sizeof arena.b, &arena_needed, diag);
}

static const char *diag_text(const pe_diag_t *diag)
{
    static char text[DIAG_MAX];
    size_t n;
    if (pe_diag_path(diag, text, sizeof text, &n) != PE_OK) {
        return "(path too long)";
    }
    return text;
}

static const char *status_name(pe_status_t st)
{
    static const char *const names[] = {
        "PE_OK", "PE_ERR_INVALID_ARGUMENT", "PE_ERR_BUFFER_TOO_SMALL",
        "PE_ERR_INVALID_UTF8", "PE_ERR_JSON", "PE_ERR_CRYPTO",
        "PE_ERR_UNSUPPORTED"};
    return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "?";
}

typedef struct {
    const char *method;
    const char *target;
    size_t target_len;
    const char *body; /* NULL: no body */
    size_t body_len;
} expect_t;

static unsigned requests_checked;
static unsigned long small_builds;

/* Byte comparison naming the case. */
static void check_bytes(const char *name, const char *what, const char *got,
                        size_t got_len, const char *want, size_t want_len)
{
    CHECK(got_len == want_len && memcmp(got, want, got_len) == 0,
          "%s: %s differs:\n  got      [%.*s] (%zu)\n  expected [%.*s] (%zu)",
          name, what, (int)got_len, got, got_len, (int)want_len, want,
          want_len);
}

/*
 * The builder's contract on one input: the size query, every too-small
 * capacity (guard page right after the buffer), the exact capacity and a
 * larger one, and the request matching `ex`.
 */
static void check_request(const char *name, const pe_operation_t *op,
                          const void *in, const expect_t *ex)
{
    size_t needed = 0, again, bad_caps = 0, first_bad = 0;
    pe_request_t req;
    pe_diag_t diag;
    pe_status_t st = pe_build(op, in, NULL, 0, &needed, NULL, &diag);
    size_t want = ex->target_len + 1 + (ex->body ? ex->body_len + 1 : 0);

    CHECK(st == PE_ERR_BUFFER_TOO_SMALL && needed == want,
          "%s: size query: %s, needed %zu, expected %zu (diag %s: %s)", name,
          status_name(st), needed, want, diag_text(&diag),
          diag.reason ? diag.reason : "");
    if (st != PE_ERR_BUFFER_TOO_SMALL || needed == 0 || needed > guard.room) {
        return;
    }
    for (size_t cap = 0; cap < needed; cap++) {
        char *buf = pe_guard_buf(&guard, cap);
        again = 0;
        small_builds++;
        st = pe_build(op, in, buf, cap, &again, &req, &diag);
        if (st != PE_ERR_BUFFER_TOO_SMALL || again != needed ||
            !pe_guard_front_intact(&guard, buf)) {
            if (bad_caps++ == 0) {
                first_bad = cap;
            }
        }
    }
    CHECK(bad_caps == 0,
          "%s: %zu of the capacities 0..%zu misbehaved (first %zu)", name,
          bad_caps, needed - 1, first_bad);

    for (size_t extra = 0; extra <= 100; extra += 100) {
        char *buf = pe_guard_buf(&guard, needed + extra);
        memset(&req, 0x5A, sizeof req);
        again = 0;
        st = pe_build(op, in, buf, needed + extra, &again, &req, &diag);
        CHECK(st == PE_OK && again == needed,
              "%s: capacity %zu: %s, needed %zu (diag %s)", name,
              needed + extra, status_name(st), again, diag_text(&diag));
        if (st != PE_OK) {
            return;
        }
        CHECK(pe_guard_front_intact(&guard, buf), "%s: wrote before buf",
              name);
        CHECK_EQ_STR(req.method, ex->method);
        CHECK(req.target == buf, "%s: target not at the buffer's start",
              name);
        check_bytes(name, "target", req.target, req.target_len, ex->target,
                    ex->target_len);
        CHECK(req.target[req.target_len] == '\0',
              "%s: target not NUL-terminated", name);
        if (ex->body) {
            CHECK(req.body != NULL, "%s: no body", name);
            if (req.body) {
                check_bytes(name, "body", req.body, req.body_len, ex->body,
                            ex->body_len);
                CHECK(req.body[req.body_len] == '\0',
                      "%s: body not NUL-terminated", name);
                CHECK(req.body + req.body_len + 1 <= buf + needed,
                      "%s: body outside the needed bytes", name);
            }
            CHECK_EQ_STR(req.content_type, "application/json");
        } else {
            CHECK(req.body == NULL && req.body_len == 0 &&
                      req.content_type == NULL,
                  "%s: a body (%zu bytes) or content type where none is due",
                  name, req.body_len);
        }
    }
    requests_checked++;
}

/* Builds `in`, expecting failure `want` on member `path`. */
static void check_refused(const char *name, const pe_operation_t *op,
                          const void *in, pe_status_t want, const char *path)
{
    size_t needed = 0;
    pe_diag_t diag;
    char *buf = pe_guard_buf(&guard, 4096);
    pe_status_t st = pe_build(op, in, NULL, 0, &needed, NULL, &diag);
    CHECK(st == want, "%s: size query gave %s, expected %s", name,
          status_name(st), status_name(want));
    CHECK(strcmp(diag_text(&diag), path) == 0 && diag.reason != NULL,
          "%s: diag path [%s] (%s), expected [%s]", name, diag_text(&diag),
          diag.reason ? diag.reason : "no reason", path);
    st = pe_build(op, in, buf, 4096, &needed, NULL, &diag);
    CHECK(st == want && strcmp(diag_text(&diag), path) == 0,
          "%s: with a buffer: %s at [%s]", name, status_name(st),
          diag_text(&diag));
    st = pe_build(op, in, buf, 4096, &needed, NULL, NULL);
    CHECK(st == want, "%s: without diag: %s", name, status_name(st));
}

/* ------------------------------------------------------------ file cases */

static unsigned ops_seen[64];

static void run_case(reader_t *r, bool bad, const char *opname,
                     const char *name)
{
    const char *input, *target, *body, *diag_path;
    size_t input_len, target_len, body_len, diag_len;
    char method[16], status[64], path[DIAG_MAX];
    const pe_operation_t *op = pe_operation_find(opname);
    pe_diag_t diag;
    pe_status_t st;

    CHECK(op != NULL, "%s: unknown operation", name);
    if (!read_field(r, "input", &input, &input_len)) {
        CHECK(false, "%s: line %u: malformed case", name, r->line);
        return;
    }
    if (bad) {
        if (!read_word(r, "status", status, sizeof status) ||
            !read_field(r, "diag", &diag_path, &diag_len) ||
            diag_len >= sizeof path) {
            CHECK(false, "%s: line %u: malformed bad case", name, r->line);
            return;
        }
        memcpy(path, diag_path, diag_len);
        path[diag_len] = '\0';
    } else if (!read_word(r, "method", method, sizeof method) ||
               !read_field(r, "target", &target, &target_len) ||
               !read_field(r, "body", &body, &body_len)) {
        CHECK(false, "%s: line %u: malformed case", name, r->line);
        return;
    }
    if (!op) {
        return;
    }
    for (unsigned k = 0; k < 64 && pe_operations[k]; k++) {
        ops_seen[k] += pe_operations[k] == op && !bad;
    }
    st = decode_input(op, input, input_len, &diag);
    CHECK(st == PE_OK, "%s: pe_json_decode: %s at [%s] (%s)\n  input %.*s",
          name, status_name(st), diag_text(&diag),
          diag.reason ? diag.reason : "", (int)input_len, input);
    if (st != PE_OK) {
        return;
    }
    if (bad) {
        pe_status_t want = PE_ERR_INVALID_ARGUMENT;
        if (strcmp(status, "PE_ERR_INVALID_UTF8") == 0) {
            want = PE_ERR_INVALID_UTF8;
        }
        CHECK(strcmp(status, status_name(want)) == 0,
              "%s: unknown status %s", name, status);
        check_refused(name, op, input_store.b, want, path);
    } else {
        /* an empty body field means botocore sends no body at all */
        expect_t ex = {method, target, target_len, body_len ? body : NULL,
                       body_len};
        check_request(name, op, input_store.b, &ex);
    }
}

static void run_cases_file(const char *path)
{
    unsigned valid, bad;
    walk_cases(path, run_case, &valid, &bad);
    /* every operation has at least ten valid inputs */
    for (unsigned k = 0; pe_operations[k]; k++) {
        CHECK(ops_seen[k] >= 10, "%s: only %u valid cases",
              pe_operations[k]->name, ops_seen[k]);
    }
    printf("cases file: %u valid, %u bad cases; %u requests compared, %lu "
           "builds into too-small buffers\n",
           valid, bad, requests_checked, small_builds);
}

/* ------------------------------------------------------------ typed cases */

static const pe_content_t subject = {"Hi", NULL};
static const pe_destination_t one_recipient = {
    {(const char *const[]){"to@example.com"}, 1}, {NULL, 0}, {NULL, 0}};

/* A SendEmail to one recipient with a text body: every part in one place. */
typedef struct {
    pe_content_t text;
    pe_body_t body;
    pe_message_t msg;
    pe_email_content_t content;
    pe_send_email_input_t in;
} simple_email_t;

static void simple_email(simple_email_t *e, const char *text)
{
    memset(e, 0, sizeof *e);
    e->text.data = text;
    e->text.charset = "UTF-8";
    e->body.text = &e->text;
    e->msg.subject = &subject;
    e->msg.body = &e->body;
    e->content.simple = &e->msg;
    e->in.destination = &one_recipient;
    e->in.content = &e->content;
}

/* SendEmail with text body `data`: refused with `want` at `path`. */
static void check_text_refused(const char *name, const char *data,
                               pe_status_t want, const char *path)
{
    simple_email_t e;
    simple_email(&e, data);
    check_refused(name, &pe_op_send_email, &e.in, want, path);
}

static void test_invalid_utf8(void)
{
    static const struct {
        const char *name, *bytes;
    } bad[] = {
        {"lone C3 before ASCII", "\xC3\x28"},
        {"overlong slash", "\xC0\xAF"},
        {"overlong 3-byte", "\xE0\x80\xAF"},
        {"surrogate D800", "\xED\xA0\x80"},
        {"surrogate DFFF", "\xED\xBF\xBF"},
        {"above U+10FFFF", "\xF4\x90\x80\x80"},
        {"F5 lead", "\xF5\x80\x80\x80"},
        {"FF byte", "ok\xFF"},
        {"stray continuation", "a\x80z"},
        {"truncated 3-byte at end", "abc\xE4\xB8"},
        {"truncated 4-byte at end", "\xF0\x9F\x98"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        check_text_refused(bad[i].name, bad[i].bytes, PE_ERR_INVALID_UTF8,
                           "Content.Simple.Body.Text.Data");
    }
    /* the most deeply nested string of a list element */
    {
        pe_message_tag_t tags[2] = {{"a", "b"}, {"c\xED\xA0\x80", "d"}};
        simple_email_t e;
        simple_email(&e, "x");
        e.in.email_tags.items = tags;
        e.in.email_tags.count = 2;
        check_refused("tag name", &pe_op_send_email, &e.in,
                      PE_ERR_INVALID_UTF8, "EmailTags[1].Name");
    }
    /* in a URI label and in the query string */
    {
        pe_get_email_identity_input_t in = {"a\xC0\x80"};
        check_refused("URI label", &pe_op_get_email_identity, &in,
                      PE_ERR_INVALID_UTF8, "EmailIdentity");
    }
    {
        pe_list_configuration_sets_input_t in = {"tok\xF8", {false, 0}};
        check_refused("query", &pe_op_list_configuration_sets, &in,
                      PE_ERR_INVALID_UTF8, "NextToken");
    }
}

static void test_bad_typed_values(void)
{
    pe_destination_t dest = {{NULL, 2}, {NULL, 0}, {NULL, 0}};
    simple_email_t e;
    pe_send_email_input_t *in = &e.in;

    simple_email(&e, "x");
    in->destination = &dest;
    check_refused("ToAddresses count 2, items NULL", &pe_op_send_email, in,
                  PE_ERR_INVALID_ARGUMENT, "Destination.ToAddresses");
    in->destination = &one_recipient;
    in->email_tags.count = 1;
    check_refused("EmailTags count 1, items NULL", &pe_op_send_email, in,
                  PE_ERR_INVALID_ARGUMENT, "EmailTags");
    in->email_tags.count = 0;
    {
        const char *const to[] = {"a@example.com", NULL};
        pe_destination_t d2 = {{to, 2}, {NULL, 0}, {NULL, 0}};
        in->destination = &d2;
        check_refused("NULL string in a list", &pe_op_send_email, in,
                      PE_ERR_INVALID_ARGUMENT, "Destination.ToAddresses[1]");
    }
    {
        pe_put_account_sending_attributes_input_t a = {(pe_bool_t)7};
        check_refused("pe_bool_t 7", &pe_op_put_account_sending_attributes,
                      &a, PE_ERR_INVALID_ARGUMENT, "SendingEnabled");
    }
    {
        pe_reputation_options_t rep = {(pe_bool_t)3, {false, 0}};
        pe_create_configuration_set_input_t c = {0};
        c.configuration_set_name = "cs";
        c.reputation_options = &rep;
        check_refused("nested pe_bool_t 3", &pe_op_create_configuration_set,
                      &c, PE_ERR_INVALID_ARGUMENT,
                      "ReputationOptions.ReputationMetricsEnabled");
    }
    {
        pe_put_dedicated_ip_warmup_attributes_input_t w = {"192.0.2.1",
                                                           {true, 101}};
        check_refused("WarmupPercentage 101",
                      &pe_op_put_dedicated_ip_warmup_attributes, &w,
                      PE_ERR_INVALID_ARGUMENT, "WarmupPercentage");
        w.warmup_percentage.value = INT64_MIN;
        check_refused("WarmupPercentage INT64_MIN",
                      &pe_op_put_dedicated_ip_warmup_attributes, &w,
                      PE_ERR_INVALID_ARGUMENT, "WarmupPercentage");
    }
    {
        pe_list_email_identities_input_t l = {NULL, {true, INT64_MAX}};
        check_refused("PageSize INT64_MAX", &pe_op_list_email_identities, &l,
                      PE_ERR_INVALID_ARGUMENT, "PageSize");
    }
    /* bad arguments to pe_build itself */
    {
        size_t needed = 0;
        pe_get_account_input_t g = {0};
        CHECK_EQ_INT(pe_build(NULL, &g, NULL, 0, &needed, NULL, NULL),
                     PE_ERR_INVALID_ARGUMENT);
        CHECK_EQ_INT(pe_build(&pe_op_get_account, NULL, NULL, 0, &needed,
                              NULL, NULL),
                     PE_ERR_INVALID_ARGUMENT);
        CHECK_EQ_INT(pe_build(&pe_op_get_account, &g, NULL, 0, NULL, NULL,
                              NULL),
                     PE_ERR_INVALID_ARGUMENT);
    }
}

static void test_raw_with_nul_bytes(void)
{
    /* "a\0b\0\0c\xff\0" -> base64 "YQBiAABj/wA=" (RFC 4648 alphabet) */
    static const uint8_t mime[] = {'a', 0, 'b', 0, 0, 'c', 0xFF, 0};
    static const char body[] =
        "{\"Destination\":{},\"Content\":{\"Raw\":{\"Data\":\"YQBiAABj/wA=\"}}}";
    pe_destination_t dest = {{NULL, 0}, {NULL, 0}, {NULL, 0}};
    pe_raw_message_t raw = {{mime, sizeof mime}};
    pe_email_content_t content = {NULL, &raw, NULL};
    pe_send_email_input_t in = {0};
    expect_t ex = {"POST", "/v1/email/outbound-emails", 25, body,
                   sizeof body - 1};
    in.destination = &dest;
    in.content = &content;
    check_request("raw with NUL bytes", &pe_op_send_email, &in, &ex);

    /* empty but present data: "" ; absent data: required */
    {
        static const char empty_body[] =
            "{\"Destination\":{},\"Content\":{\"Raw\":{\"Data\":\"\"}}}";
        expect_t ex2 = {"POST", "/v1/email/outbound-emails", 25, empty_body,
                        sizeof empty_body - 1};
        raw.data.data = mime;
        raw.data.len = 0;
        check_request("raw of length 0", &pe_op_send_email, &in, &ex2);
        raw.data.data = NULL;
        check_refused("raw data NULL", &pe_op_send_email, &in,
                      PE_ERR_INVALID_ARGUMENT, "Content.Raw.Data");
    }
}

static void test_typed_send_email(void)
{
    pe_send_email_input_t in;
    char buf[2048];
    size_t needed = 0, file_len = 0;
    pe_request_t req;
    pe_diag_t diag;
    pe_status_t st;
    char *file;

    pe_ref_email(&in);

    st = pe_build_send_email(&in, NULL, 0, &needed, NULL, &diag);
    CHECK_EQ_INT(st, PE_ERR_BUFFER_TOO_SMALL);
    st = pe_build_send_email(&in, buf, sizeof buf, &needed, &req, &diag);
    CHECK_EQ_INT(st, PE_OK);
    if (st != PE_OK) {
        return;
    }
    CHECK_EQ_STR(req.method, "POST");
    CHECK_EQ_STR(req.target, "/v1/email/outbound-emails");
    CHECK_EQ_STR(req.content_type, "application/json");
    CHECK_EQ_INT(needed, req.target_len + 1 + req.body_len + 1);

    file = pe_test_read_file(BENCH_BODY, &file_len);
    if (!file) {
        printf("SKIP: %s not found; the reference SendEmail body was NOT "
               "compared\n", BENCH_BODY);
        return;
    }
    CHECK_EQ_INT(file_len, 737);
    check_bytes("reference SendEmail", "body", req.body, req.body_len, file,
                file_len);
    /* and through the generic builder with the same input */
    {
        expect_t ex = {"POST", "/v1/email/outbound-emails", 25, file,
                       file_len};
        check_request("reference SendEmail", &pe_op_send_email, &in, &ex);
    }
    free(file);
}

int main(int argc, char **argv)
{
    if (!pe_guard_init(&guard, GUARD_ROOM)) {
        printf("FAIL: cannot map a guard page\n");
        return 1;
    }
    run_cases_file(argc > 1 ? argv[1] : DEFAULT_CASES);
    test_invalid_utf8();
    test_bad_typed_values();
    test_raw_with_nul_bytes();
    test_typed_send_email();
    pe_guard_free(&guard);
    return pe_test_summary();
}
