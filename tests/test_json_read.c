/* test_json_read.c - pe_json_decode: JSON text into typed structs. */
#include "pe_ops.h"
#include "pe_test.h"

#include <stdlib.h>

/* The arena, aligned as the decoder's size answers assume (pe_model.h). */
static union {
    void *align_ptr;
    long double align_ld;
    unsigned char bytes[16384];
} arena_store;
#define arena (arena_store.bytes)

/* Decodes a copy of text (the decoder modifies it); returns the status. */
static pe_status_t decode(const pe_shape_t *shape, const char *text, char *copy,
                          size_t copy_cap, void *out, pe_diag_t *diag)
{
    size_t len = strlen(text), needed = 0;
    if (len >= copy_cap) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    memcpy(copy, text, len + 1);
    return pe_json_decode(shape, copy, len, out, arena, sizeof arena, &needed,
                          diag);
}

static void diag_is(const pe_diag_t *diag, const char *want)
{
    char path[128];
    size_t n;
    CHECK(pe_diag_path(diag, path, sizeof path, &n) == PE_OK, "diag path");
    CHECK_EQ_STR(path, want);
}

static void test_send_email_with_escapes(void)
{
    static char text[1024];
    pe_send_email_input_t in;
    pe_diag_t diag;
    const char *json =
        "{\"FromEmailAddress\":\"a\\\"b\\\\c\\/d@example.com\","
        "\"Unknown\":{\"deep\":[1,2,{\"x\":null}]},"
        "\"Destination\":{\"ToAddresses\":[\"x@y\",\"caf\\u00e9@z\"],"
        "\"CcAddresses\":[]},"
        "\"Content\":{\"Simple\":{\"Subject\":{\"Data\":\"line1\\nline2\\t\\b\\f\\r\"},"
        "\"Body\":{\"Text\":{\"Data\":\"smile \\ud83d\\ude00 \\u4e2d\"}}}},"
        "\"ReplyToAddresses\":null,"
        "\"EmailTags\":[{\"Name\":\"n\",\"Value\":\"v\"},{\"Name\":\"m\",\"Value\":\"w\"}]}";
    pe_status_t st = decode(pe_op_send_email.input, json, text, sizeof text, &in,
                            &diag);
    CHECK_EQ_INT(st, PE_OK);
    if (st != PE_OK) {
        return;
    }
    CHECK_EQ_STR(in.from_email_address, "a\"b\\c/d@example.com");
    CHECK(in.destination != NULL, "destination present");
    CHECK_EQ_INT(in.destination->to_addresses.count, 2);
    CHECK_EQ_STR(in.destination->to_addresses.items[0], "x@y");
    CHECK_EQ_STR(in.destination->to_addresses.items[1], "caf\xC3\xA9@z");
    CHECK(in.destination->cc_addresses.items != NULL &&
              in.destination->cc_addresses.count == 0,
          "an empty list is present with no items");
    CHECK(in.destination->bcc_addresses.items == NULL, "absent list");
    CHECK(in.reply_to_addresses.items == NULL, "null means absent");
    CHECK_EQ_STR(in.content->simple->subject->data, "line1\nline2\t\b\f\r");
    CHECK(in.content->simple->subject->charset == NULL, "absent string");
    CHECK_EQ_STR(in.content->simple->body->text->data,
                 "smile \xF0\x9F\x98\x80 \xE4\xB8\xAD");
    CHECK(in.content->raw == NULL, "absent struct");
    CHECK_EQ_INT(in.email_tags.count, 2);
    CHECK_EQ_STR(in.email_tags.items[1].name, "m");
    CHECK_EQ_STR(in.email_tags.items[1].value, "w");
    /* the views point into the text */
    CHECK(in.from_email_address > text && in.from_email_address < text + sizeof text,
          "strings are views into the JSON text");
}

static void test_bad_strings(void)
{
    static char text[256];
    pe_create_dedicated_ip_pool_input_t in;
    pe_diag_t diag;
    const char *bad[] = {
        "{\"PoolName\":\"a\\u0000b\"}",      /* NUL cannot live in a C string */
        "{\"PoolName\":\"\\ud800\"}",        /* lone high surrogate */
        "{\"PoolName\":\"\\ud800\\u0041\"}", /* high surrogate + non-low */
        "{\"PoolName\":\"\\udc00\"}",        /* lone low surrogate */
        "{\"PoolName\":\"abc\"",              /* truncated */
        "{\"PoolName\":\"abc\"}x",            /* trailing garbage */
        "[\"PoolName\"]",                     /* not an object */
        "{\"PoolName\":1}",                   /* wrong type */
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pe_status_t st = decode(pe_op_create_dedicated_ip_pool.input, bad[i],
                                text, sizeof text, &in, &diag);
        CHECK(st == PE_ERR_JSON, "bad input %zu (%s) -> PE_ERR_JSON, got %s", i,
              bad[i], pe_strerror(st));
    }
    CHECK_EQ_INT(decode(pe_op_create_dedicated_ip_pool.input,
                        "{\"PoolName\":1}", text, sizeof text, &in, &diag),
                 PE_ERR_JSON);
    diag_is(&diag, "PoolName");
    CHECK_EQ_STR(diag.reason, "must be a string");
}

static void test_numbers(void)
{
    static char text[512];
    pe_diag_t diag;
    pe_list_email_identities_input_t li;
    pe_get_account_output_t acct;
    pe_put_configuration_set_reputation_options_input_t rep;
    pe_create_configuration_set_input_t cs;
    struct {
        const char *json;
        pe_status_t want;
        int64_t value;
    } ints[] = {
        {"{\"PageSize\":0}", PE_OK, 0},
        {"{\"PageSize\":-9223372036854775808}", PE_OK, INT64_MIN},
        {"{\"PageSize\":9223372036854775807}", PE_OK, INT64_MAX},
        {"{\"PageSize\":9223372036854775808}", PE_ERR_JSON, 0},
        {"{\"PageSize\":1.5}", PE_ERR_JSON, 0},
        {"{\"PageSize\":1e3}", PE_ERR_JSON, 0},
        {"{\"PageSize\":\"5\"}", PE_ERR_JSON, 0},
        {"{\"PageSize\":true}", PE_ERR_JSON, 0},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        pe_status_t st = decode(pe_op_list_email_identities.input, ints[i].json,
                                text, sizeof text, &li, &diag);
        CHECK(st == ints[i].want, "%s -> %s, got %s", ints[i].json,
              pe_strerror(ints[i].want), pe_strerror(st));
        if (st == PE_OK) {
            CHECK(li.page_size.set && li.page_size.value == ints[i].value,
                  "%s value", ints[i].json);
        }
    }
    CHECK_EQ_INT(decode(pe_op_get_account.output,
                        "{\"SendQuota\":{\"Max24HourSend\":200.0,"
                        "\"MaxSendRate\":1.5e1,\"SentLast24Hours\":-0.25},"
                        "\"SendingEnabled\":true,\"ProductionAccessEnabled\":false,"
                        "\"EnforcementStatus\":\"HEALTHY\",\"NewMember\":[1]}",
                        text, sizeof text, &acct, &diag),
                 PE_OK);
    CHECK(acct.send_quota && acct.send_quota->max24_hour_send.set &&
              acct.send_quota->max24_hour_send.value == 200.0,
          "double 200.0");
    CHECK(acct.send_quota && acct.send_quota->max_send_rate.value == 15.0,
          "double with exponent");
    CHECK(acct.send_quota && acct.send_quota->sent_last24_hours.value == -0.25,
          "negative fraction");
    CHECK(acct.sending_enabled == PE_TRUE && acct.production_access_enabled == PE_FALSE,
          "booleans");
    /* decimal text to the nearest double, as strtod would give */
    static const struct {
        const char *text;
        double want;
    } doubles[] = {{"1e-07", 1e-07},     {"0.1", 0.1},
                   {"123.456", 123.456}, {"5e-324", 5e-324},
                   {"1e22", 1e22},       {"-2.5E+3", -2500.0},
                   {"9007199254740991", 9007199254740991.0}};
    for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; i++) {
        char json[96];
        pe_get_account_output_t q;
        snprintf(json, sizeof json, "{\"SendQuota\":{\"MaxSendRate\":%s}}",
                 doubles[i].text);
        pe_status_t st = decode(pe_op_get_account.output, json, text,
                                sizeof text, &q, &diag);
        CHECK(st == PE_OK && q.send_quota &&
                  q.send_quota->max_send_rate.value == doubles[i].want,
              "double %s decoded exactly", doubles[i].text);
    }
    CHECK(acct.dedicated_ip_auto_warmup_enabled == PE_UNSET, "absent boolean");
    CHECK_EQ_STR(acct.enforcement_status, "HEALTHY");

    CHECK_EQ_INT(decode(pe_op_create_configuration_set.input,
                        "{\"ConfigurationSetName\":\"c\",\"ReputationOptions\":"
                        "{\"LastFreshStart\":1542628800.75}}",
                        text, sizeof text, &cs, &diag),
                 PE_OK);
    CHECK(cs.reputation_options && cs.reputation_options->last_fresh_start.set &&
              cs.reputation_options->last_fresh_start.seconds == 1542628800,
          "timestamp fraction rounds down");
    CHECK_EQ_INT(decode(pe_op_create_configuration_set.input,
                        "{\"ReputationOptions\":{\"LastFreshStart\":-1.5}}",
                        text, sizeof text, &cs, &diag),
                 PE_OK);
    CHECK(cs.reputation_options->last_fresh_start.seconds == -2,
          "negative timestamp rounds down");
    CHECK_EQ_INT(decode(pe_op_put_configuration_set_reputation_options.input,
                        "{\"ReputationMetricsEnabled\":\"true\"}", text,
                        sizeof text, &rep, &diag),
                 PE_ERR_JSON);
    diag_is(&diag, "ReputationMetricsEnabled");
}

static void test_blob(void)
{
    static char text[256];
    pe_send_email_input_t in;
    pe_diag_t diag;
    CHECK_EQ_INT(decode(pe_op_send_email.input,
                        "{\"Content\":{\"Raw\":{\"Data\":\"AGhpAP8=\"}}}", text,
                        sizeof text, &in, &diag),
                 PE_OK);
    CHECK(in.content && in.content->raw && in.content->raw->data.len == 5 &&
              memcmp(in.content->raw->data.data, "\0hi\0\xff", 5) == 0,
          "base64 blob decoded with embedded NULs");
    CHECK_EQ_INT(decode(pe_op_send_email.input,
                        "{\"Content\":{\"Raw\":{\"Data\":\"A$==\"}}}", text,
                        sizeof text, &in, &diag),
                 PE_ERR_JSON);
    diag_is(&diag, "Content.Raw.Data");
    CHECK_EQ_INT(decode(pe_op_send_email.input,
                        "{\"EmailTags\":[{\"Name\":\"a\",\"Value\":\"b\"},{\"Name\":7}]}",
                        text, sizeof text, &in, &diag),
                 PE_ERR_JSON);
    diag_is(&diag, "EmailTags[1].Name");
}

/* Every arena size below the need fails without touching the text, and
 * reports the exact need once the tokens fit; the exact size succeeds. */
static void test_arena_sizes(void)
{
    const char *json =
        "{\"Destination\":{\"ToAddresses\":[\"a\\u00e9\",\"b\"]},"
        "\"Content\":{\"Simple\":{\"Subject\":{\"Data\":\"s\\n\"},"
        "\"Body\":{\"Html\":{\"Data\":\"<b>\"}}}},"
        "\"EmailTags\":[{\"Name\":\"n\",\"Value\":\"v\"}]}";
    size_t len = strlen(json), exact = 0, tokens = 0;
    char *text = malloc(len + 1);
    unsigned char *small = malloc(sizeof arena);
    pe_send_email_input_t in;
    pe_diag_t diag;
    bool all_ok = true, untouched = true;

    memcpy(text, json, len + 1);
    CHECK_EQ_INT(pe_json_decode(pe_op_send_email.input, text, len, &in, NULL, 0,
                                &tokens, &diag),
                 PE_ERR_BUFFER_TOO_SMALL);
    CHECK(tokens > 0, "size query gives the token need");
    CHECK_EQ_INT(pe_json_decode(pe_op_send_email.input, text, len, &in, arena,
                                tokens, &exact, &diag),
                 PE_ERR_BUFFER_TOO_SMALL);
    CHECK(exact > tokens, "with the tokens in, the exact need is known");
    for (size_t cap = 0; cap < exact; cap++) {
        size_t need = 0;
        memset(small, 0xA5, sizeof arena);
        pe_status_t st = pe_json_decode(pe_op_send_email.input, text, len, &in,
                                        small, cap, &need, &diag);
        all_ok &= st == PE_ERR_BUFFER_TOO_SMALL &&
                  (cap < tokens ? need == tokens : need == exact);
        untouched &= memcmp(text, json, len + 1) == 0;
        for (size_t k = cap; k < sizeof arena; k++) {
            all_ok &= small[k] == 0xA5;
        }
    }
    CHECK(all_ok, "every arena below %zu bytes: too small, exact need, "
                  "nothing written past the capacity", exact);
    CHECK(untouched, "a too-small arena leaves the text as it was");
    size_t need = 0;
    CHECK_EQ_INT(pe_json_decode(pe_op_send_email.input, text, len, &in, small,
                                exact, &need, &diag),
                 PE_OK);
    CHECK(in.destination && in.destination->to_addresses.count == 2 &&
              strcmp(in.destination->to_addresses.items[0], "a\xC3\xA9") == 0,
          "decoded at the exact size");
    free(small);
    free(text);
}

int main(void)
{
    test_send_email_with_escapes();
    test_bad_strings();
    test_numbers();
    test_blob();
    test_arena_sizes();
    return pe_test_summary();
}
