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

/* The arena holds jsmn's tokens, then the structs and lists. A size query
 * gives the tokens' need (a lower bound); a call with that much gives the
 * exact need. Every arena below the tokens' need reports that, every one
 * from there on the exact need; all fail without touching the text or
 * writing past the capacity; the exact size succeeds. */
static void test_arena_sizes(void)
{
    const char *json =
        "{\"Destination\":{\"ToAddresses\":[\"a\\u00e9\",\"b\"]},"
        "\"Content\":{\"Simple\":{\"Subject\":{\"Data\":\"s\\n\"},"
        "\"Body\":{\"Html\":{\"Data\":\"<b>\"}}}},"
        "\"EmailTags\":[{\"Name\":\"n\",\"Value\":\"v\"}]}";
    size_t len = strlen(json), tokens = 0, exact = 0;
    char *text = malloc(len + 1);
    unsigned char *small = malloc(sizeof arena);
    pe_send_email_input_t in;
    pe_diag_t diag;
    bool all_ok = true, untouched = true;

    memcpy(text, json, len + 1);
    CHECK_EQ_INT(pe_json_decode(pe_op_send_email.input, text, len, &in, NULL, 0,
                                &tokens, &diag),
                 PE_ERR_BUFFER_TOO_SMALL);
    CHECK(tokens > 0, "the size query gives the tokens' need");
    CHECK_EQ_INT(pe_json_decode(pe_op_send_email.input, text, len, &in, small,
                                tokens, &exact, &diag),
                 PE_ERR_BUFFER_TOO_SMALL);
    CHECK(exact > tokens, "with the tokens in, the exact need: %zu", exact);
    for (size_t cap = 0; cap < exact; cap++) {
        size_t need = 0;
        memset(small, 0xA5, sizeof arena);
        pe_status_t st = pe_json_decode(pe_op_send_email.input, text, len, &in,
                                        small, cap, &need, &diag);
        all_ok &= st == PE_ERR_BUFFER_TOO_SMALL &&
                  need == (cap < tokens ? tokens : exact);
        untouched &= memcmp(text, json, len + 1) == 0;
        for (size_t k = cap; k < sizeof arena; k++) {
            all_ok &= small[k] == 0xA5;
        }
    }
    CHECK(all_ok, "every arena below %zu bytes: too small, the tokens' need "
                  "(%zu) or the exact one, nothing written past the capacity",
          exact, tokens);
    CHECK(untouched, "a too-small arena leaves the text as it was");
    size_t need = 0;
    CHECK_EQ_INT(pe_json_decode(pe_op_send_email.input, text, len, &in, small,
                                exact, &need, &diag),
                 PE_OK);
    CHECK(in.destination && in.destination->to_addresses.count == 2 &&
              strcmp(in.destination->to_addresses.items[0], "a\xC3\xA9") == 0,
          "decoded at the exact size");
    /* a body of strings needs its tokens alone: the size query's need
     * does, and no arena does not */
    {
        static const char body[] = "{\"MessageId\":\"m\\u0031\"}";
        pe_send_email_output_t o;
        memcpy(text, body, sizeof body);
        CHECK_EQ_INT(pe_json_decode(pe_op_send_email.output, text,
                                    sizeof body - 1, &o, NULL, 0, &tokens,
                                    &diag),
                     PE_ERR_BUFFER_TOO_SMALL);
        CHECK(o.message_id == NULL, "nothing decoded without an arena");
        CHECK_EQ_INT(pe_json_decode(pe_op_send_email.output, text,
                                    sizeof body - 1, &o, small, tokens, &need,
                                    &diag),
                     PE_OK);
        CHECK(need == tokens && o.message_id &&
                  strcmp(o.message_id, "m1") == 0,
              "tokens only: need %zu of %zu, MessageId unescaped", need,
              tokens);
    }
    free(small);
    free(text);
}

/* 100 levels of an unknown member take only tokens, and no depth limit:
 * the tokens' need, then the exact one; one byte less fails and leaves
 * the text; a closer of the wrong kind deep down is malformed. */
static void test_arena_deep(void)
{
    static char json[800];
    static char text[800];
    size_t n = 0, need1 = 0, need2 = 0, need = 0;
    pe_get_account_output_t out;
    pe_diag_t diag;

    n += (size_t)snprintf(json, sizeof json, "{\"Unknown\":");
    for (int k = 0; k < 100; k++) {
        json[n++] = k % 2 ? '[' : '{';
        if (k % 2 == 0) {
            memcpy(json + n, "\"k\":", 4);
            n += 4;
        }
    }
    for (int k = 99; k >= 0; k--) {
        json[n++] = k % 2 ? ']' : '}';
    }
    n += (size_t)snprintf(json + n, sizeof json - n,
                          ",\"SendQuota\":{\"MaxSendRate\":2}}");
    memcpy(text, json, n + 1);
    CHECK_EQ_INT(pe_json_decode(pe_op_get_account.output, text, n, &out, NULL,
                                0, &need1, &diag),
                 PE_ERR_BUFFER_TOO_SMALL);
    CHECK(need1 >= 156, "the tokens' need: %zu", need1); /* 156 tokens */
    CHECK_EQ_INT(pe_json_decode(pe_op_get_account.output, text, n, &out, arena,
                                need1, &need2, &diag),
                 PE_ERR_BUFFER_TOO_SMALL);
    CHECK(need2 > need1, "with the tokens in, the exact need: %zu", need2);
    CHECK_EQ_INT(pe_json_decode(pe_op_get_account.output, text, n, &out, arena,
                                need2 - 1, &need, &diag),
                 PE_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(need, need2);
    CHECK(memcmp(text, json, n + 1) == 0, "the text is as it was");
    CHECK_EQ_INT(pe_json_decode(pe_op_get_account.output, text, n, &out, arena,
                                need2, &need, &diag),
                 PE_OK);
    CHECK(out.send_quota && out.send_quota->max_send_rate.value == 2.0,
          "decoded past 100 levels of an unknown member");
    /* a closer of the wrong kind 101 levels down */
    memcpy(text, json, n + 1);
    *strchr(text, ']') = '}';
    CHECK_EQ_INT(pe_json_decode(pe_op_get_account.output, text, n, &out, arena,
                                sizeof arena, &need, &diag),
                 PE_ERR_JSON);
}

/* text with ' for " into buf (cap bytes); false if it does not fit. */
static bool quoted(char *buf, size_t cap, const char *fmt, const char *arg)
{
    int n = snprintf(buf, cap, fmt, arg);
    if (n < 0 || (size_t)n >= cap) {
        return false;
    }
    for (char *p = buf; *p; p++) {
        if (*p == '\'') {
            *p = '"';
        }
    }
    return true;
}

/* RFC 8259 refuses these and jsmn (strict mode) let them all by: each is
 * PE_ERR_JSON as an unknown member's value (no member named then), as an
 * item of an unknown list, and as a known double. */
static void test_strict_refusals(void)
{
    static const struct {
        const char *name, *value;
    } bad[] = {
        {"n_array_extra_comma", "[1,]"},
        {"n_array_leading_comma", "[,1]"},
        {"n_array_double_comma", "[1,,2]"},
        {"n_array_spaced_double_comma", "[1 , , 2]"},
        {"n_array_just_comma", "[,]"},
        {"n_array_string_extra_comma", "['a',]"},
        {"n_array_array_extra_comma", "[[],]"},
        {"n_array_missing_comma", "[1 2]"},
        {"n_array_strings_missing_comma", "['a' 'b']"},
        {"n_array_colon_instead_of_comma", "['a':1]"},
        {"n_array_number_colon", "[1 :2]"},
        {"n_array_colon_after_array", "[[]:1]"},
        {"n_object_trailing_comma", "{'a':1,}"},
        {"n_object_object_trailing_comma", "{'a':{},}"},
        {"n_object_double_comma", "{'a':1,,'b':2}"},
        {"n_object_leading_comma", "{,'a':1}"},
        {"n_object_just_comma", "{,}"},
        {"n_object_double_colon", "{'a'::1}"},
        {"n_object_missing_comma", "{'a':1 'b':2}"},
        {"n_object_value_on_value", "{'a':'b':'c'}"},
        {"n_object_key_without_value", "{'a'}"},
        {"n_number_leading_zero", "01"},
        {"n_number_minus_leading_zero", "-01"},
        {"n_number_double_zero", "00"},
        {"n_number_zero_leading_zero_frac", "00.5"},
        {"n_number_minus_alone", "-"},
        {"n_number_dot_at_end", "1."},
        {"n_number_minus_zero_dot", "-0."},
        {"n_number_dot_then_exp", "1.e3"},
        {"n_number_minus_dot", "-.5"},
        {"n_number_exp_no_digits", "1e"},
        {"n_number_capital_exp_no_digits", "1E"},
        {"n_number_exp_plus_no_digits", "1e+"},
        {"n_number_exp_minus_no_digits", "1e-"},
        {"n_number_frac_exp_no_digits", "1.0e"},
        {"n_number_double_minus", "--1"},
        {"n_number_hex", "0x1"},
        {"n_number_two_dots", "1.5.5"},
        {"n_number_two_exps", "1e5e5"},
        {"n_number_minus_infinity", "-Infinity"},
        {"n_number_with_colon", "1:2"},
        {"n_number_underscore", "1_0"},
        {"n_literal_tru", "tru"},
        {"n_literal_nul", "nul"},
        {"n_literal_fals", "fals"},
        {"n_literal_t", "t"},
        {"n_literal_truee", "truee"},
        {"n_literal_true1", "true1"},
        {"n_literal_nulltrue", "nulltrue"},
        {"n_literal_nan", "nan"},
        {"n_string_raw_tab", "'a\tb'"},
        {"n_string_raw_newline", "'a\nb'"},
        {"n_string_raw_cr", "'a\rb'"},
        {"n_string_raw_01", "'a\x01'"},
        {"n_string_raw_1f", "'\x1f'"},
        {"n_string_raw_tab_in_key", "{'a\tb':1}"},
    };
    static const char *const forms[] = {
        "{'Unknown':%s}",
        "{'Unknown':[true,%s]}",
        "{'SendQuota':{'MaxSendRate':%s}}",
    };
    static char text[256];
    char json[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
            pe_get_account_output_t out;
            pe_diag_t diag;
            pe_status_t st = PE_ERR_INVALID_ARGUMENT;
            if (quoted(json, sizeof json, forms[f], bad[i].value)) {
                st = decode(pe_op_get_account.output, json, text, sizeof text,
                            &out, &diag);
            }
            CHECK(st == PE_ERR_JSON, "%s: %s -> %s", bad[i].name, json,
                  pe_strerror(st));
            if (f < 2) {
                CHECK(diag.depth == 0 && diag.reason == NULL,
                      "%s: malformed, no member named", bad[i].name);
            }
        }
    }
}

/* Whole documents refused (top level, bytes jsmn never reads). */
static void test_strict_documents(void)
{
    static const struct {
        const char *json;
        size_t len; /* 0: strlen */
    } bad[] = {
        {"{'SendingEnabled':true,}", 0},
        {"{,'SendingEnabled':true}", 0},
        {"{'SendingEnabled':true,,'EnforcementStatus':'a'}", 0},
        {"{'SendingEnabled'::true}", 0},
        {"{'EnforcementStatus':'a' 'SendingEnabled':true}", 0},
        {"{'EnforcementStatus':'a\tb'}", 0},
        {"{}{}", 0},
        {"{} 1", 0},
        {"{},", 0},
        {":{}", 0},
        {",{}", 0},
        {"{}\v", 0},
        {"\f{}", 0},
        {"{\v}", 0},
        {"{}\0", 3},
        {"{}\0\0", 4},
        {"{}\0}", 4},
        {"{'a':'b\0'}", 10},
        {"{'a':1\0}", 8},
    };
    static char text[128];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len = bad[i].len ? bad[i].len : strlen(bad[i].json), need = 0;
        pe_get_account_output_t out;
        pe_diag_t diag;
        memcpy(text, bad[i].json, len);
        for (size_t k = 0; k < len; k++) {
            text[k] = text[k] == '\'' ? '"' : text[k];
        }
        pe_status_t st = pe_json_decode(pe_op_get_account.output, text, len,
                                        &out, arena, sizeof arena, &need,
                                        &diag);
        CHECK(st == PE_ERR_JSON, "document %zu (%s, %zu bytes) -> %s", i,
              bad[i].json, len, pe_strerror(st));
    }
}

/* Valid documents with every liberty RFC 8259 allows still decode. */
static void test_strict_accepts(void)
{
    static const struct {
        const char *name, *json;
        double rate; /* SendQuota.MaxSendRate, when the document sets it */
    } good[] = {
        {"y_whitespace_everywhere",
         " \t\r\n{ \t\r\n'SendQuota' \n:\r{ 'MaxSendRate' : 1E+2 } , "
         "'Unknown' : [ 1 , { } , [ ] , { 'a' : null } ] , "
         "'SendingEnabled'\t:\ttrue\n}\r\n ",
         100.0},
        {"y_nested_empties",
         "{'Unknown':[[],{},[{}],{'a':[]},[[[]]]],'U2':{},'SendQuota':{}}", -1},
        {"y_number_minus_zero", "{'SendQuota':{'MaxSendRate':-0}}", 0.0},
        {"y_number_minus_zero_frac", "{'SendQuota':{'MaxSendRate':-0.0}}", 0.0},
        {"y_number_zero", "{'SendQuota':{'MaxSendRate':0}}", 0.0},
        {"y_number_small_exp", "{'SendQuota':{'MaxSendRate':0.5e-3}}", 0.0005},
        {"y_number_capital_exp_plus", "{'SendQuota':{'MaxSendRate':1E+2}}",
         100.0},
        {"y_number_zero_exp", "{'SendQuota':{'MaxSendRate':0e0}}", 0.0},
        {"y_number_exp_leading_zeros", "{'SendQuota':{'MaxSendRate':1e007}}",
         1e7},
        {"y_number_frac_zeros", "{'SendQuota':{'MaxSendRate':10.000}}", 10.0},
        {"y_number_big_exp", "{'SendQuota':{'MaxSendRate':1e308}}", 1e308},
        {"y_number_big_negative_exp", "{'SendQuota':{'MaxSendRate':1E-300}}",
         1e-300},
        {"y_unknown_numbers",
         "{'Unknown':[0,-0,10,-1.5e-7,0.5e-3,1E+2,1e999,-1e-999,2E08,0.0]}",
         -1},
        {"y_unknown_literals", "{'Unknown':[true,false,null,{'t':true}]}", -1},
        {"y_string_escapes",
         "{'EnforcementStatus':'\\'\\\\\\/\\b\\f\\n\\r\\t\\u001f\\u00e9',"
         "'Unknown':'\\ud83d\\ude00'}",
         -1},
        {"y_string_del_and_utf8", "{'EnforcementStatus':'\x7f \xC3\xA9'}", -1},
        {"y_empty_key", "{'':1,'SendingEnabled':false}", -1},
        {"y_object_empty", "{}", -1},
        {"y_object_spaces", " { } ", -1},
    };
    static char text[512];
    char json[512];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        pe_get_account_output_t out;
        pe_diag_t diag;
        pe_status_t st = PE_ERR_INVALID_ARGUMENT;
        if (quoted(json, sizeof json, "%s", good[i].json)) {
            st = decode(pe_op_get_account.output, json, text, sizeof text, &out,
                        &diag);
        }
        CHECK(st == PE_OK, "%s: %s -> %s", good[i].name, json, pe_strerror(st));
        if (st == PE_OK && good[i].rate >= 0) {
            /* exact but for the big exponents, which repeated scaling
             * only comes close to */
            double v = out.send_quota ? out.send_quota->max_send_rate.value : -1;
            double off = v > good[i].rate ? v - good[i].rate : good[i].rate - v;
            CHECK(out.send_quota && out.send_quota->max_send_rate.set &&
                      off <= good[i].rate * 1e-12,
                  "%s: MaxSendRate %g, expected %g", good[i].name, v,
                  good[i].rate);
        }
    }
    {
        pe_get_account_output_t out;
        CHECK_EQ_INT(decode(pe_op_get_account.output,
                            "{\"EnforcementStatus\":\"\\t\\u001f\\\"\"}",
                            text, sizeof text, &out, NULL),
                     PE_OK);
        CHECK_EQ_STR(out.enforcement_status, "\t\x1f\"");
    }
}

/* No depth limit on what the shape does not know: 300 nested arrays. */
static void test_strict_deep_unknown(void)
{
    static char json[700], text[700];
    pe_get_account_output_t out;
    pe_diag_t diag;
    size_t n = 0;
    n += (size_t)snprintf(json, sizeof json, "{\"Unknown\":");
    for (int k = 0; k < 300; k++) {
        json[n++] = '[';
    }
    for (int k = 0; k < 300; k++) {
        json[n++] = ']';
    }
    json[n++] = '}';
    json[n] = '\0';
    CHECK_EQ_INT(decode(pe_op_get_account.output, json, text, sizeof text, &out,
                        &diag),
                 PE_OK);
    json[n - 2] = ',';
    json[n - 1] = ']';
    json[n++] = '}';
    json[n] = '\0';
    CHECK_EQ_INT(decode(pe_op_get_account.output, json, text, sizeof text, &out,
                        &diag),
                 PE_ERR_JSON);
}

int main(void)
{
    test_send_email_with_escapes();
    test_bad_strings();
    test_numbers();
    test_blob();
    test_arena_sizes();
    test_arena_deep();
    test_strict_refusals();
    test_strict_documents();
    test_strict_accepts();
    test_strict_deep_unknown();
    return pe_test_summary();
}
