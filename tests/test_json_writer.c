/*
 * test_json_writer.c - the public JSON writer (pe_json.h).
 *
 * Every document is written three ways: as a size query (NULL, 0), into
 * every too-small capacity (a buffer that ends at an inaccessible page:
 * PE_ERR_BUFFER_TOO_SMALL, the full size reported, the bytes that fit equal
 * to the text's start, nothing written outside), and into the exact
 * capacity (the text byte for byte). Then UTF-8 validation, integers,
 * base64 against mbedTLS and RFC 4648, and misuse.
 */
#include "pe_json.h"
#include "pe_test.h"
#include "support/guard.h"

#include <mbedtls/base64.h>
#include <stdint.h>

static pe_guard_t guard;

typedef void (*emit_fn)(pe_json_writer_t *w, const void *arg);

/* Writes a document with `emit` into every capacity; see the top. */
static void check_doc(const char *name, emit_fn emit, const void *arg,
                      const char *want, size_t want_len)
{
    pe_json_writer_t w;
    size_t needed = 0, bad_caps = 0, first_bad = 0;
    pe_status_t st;

    pe_jw_init(&w, NULL, 0);
    emit(&w, arg);
    st = pe_jw_finish(&w, &needed);
    CHECK(st == PE_ERR_BUFFER_TOO_SMALL && needed == want_len,
          "%s: size query: status %d, needed %zu, expected %zu", name, st,
          needed, want_len);
    if (want_len > guard.room) {
        CHECK(false, "%s: too long for the guard buffer", name);
        return;
    }
    for (size_t cap = 0; cap < want_len; cap++) {
        char *buf = pe_guard_buf(&guard, cap);
        pe_jw_init(&w, buf, cap);
        emit(&w, arg);
        needed = 0;
        st = pe_jw_finish(&w, &needed);
        if (st != PE_ERR_BUFFER_TOO_SMALL || needed != want_len ||
            memcmp(buf, want, cap) != 0 || !pe_guard_front_intact(&guard, buf)) {
            if (bad_caps++ == 0) {
                first_bad = cap;
            }
        }
    }
    CHECK(bad_caps == 0, "%s: %zu of the capacities 0..%zu misbehaved "
          "(first %zu)", name, bad_caps, want_len - 1, first_bad);
    {
        char *buf = pe_guard_buf(&guard, want_len);
        pe_jw_init(&w, buf, want_len);
        emit(&w, arg);
        needed = 0;
        st = pe_jw_finish(&w, &needed);
        CHECK(st == PE_OK && needed == want_len,
              "%s: exact capacity: status %d, needed %zu", name, st, needed);
        CHECK(memcmp(buf, want, want_len) == 0 &&
                  pe_guard_front_intact(&guard, buf),
              "%s:\n  got      [%.*s]\n  expected [%.*s]", name,
              (int)want_len, buf, (int)want_len, want);
    }
}

/* A document from a string: its text and length. */
#define CHECK_DOC(name, emit, arg, lit) \
    check_doc(name, emit, arg, lit, sizeof lit - 1)

/* ------------------------------------------------------------ structure */

static void emit_nested(pe_json_writer_t *w, const void *arg)
{
    (void)arg;
    pe_jw_object_begin(w);
    pe_jw_key(w, "a", 1);
    pe_jw_array_begin(w);
    pe_jw_int(w, 1);
    pe_jw_int(w, 2);
    pe_jw_object_begin(w);
    pe_jw_key(w, "b", 1);
    pe_jw_bool(w, true);
    pe_jw_key(w, "c", 1);
    pe_jw_array_begin(w);
    pe_jw_array_end(w);
    pe_jw_object_end(w);
    pe_jw_array_begin(w);
    pe_jw_array_begin(w);
    pe_jw_string(w, "", 0);
    pe_jw_array_end(w);
    pe_jw_array_end(w);
    pe_jw_object_begin(w);
    pe_jw_object_end(w);
    pe_jw_array_end(w);
    pe_jw_key(w, "d", 1);
    pe_jw_object_begin(w);
    pe_jw_key(w, "", 0);
    pe_jw_string(w, "x", 1);
    pe_jw_object_end(w);
    pe_jw_key(w, "f", 1);
    pe_jw_bool(w, false);
    pe_jw_object_end(w);
}

static void emit_scalars(pe_json_writer_t *w, const void *arg)
{
    static const int64_t ints[] = {0,  -1, 1,         10,       -10,
                                   INT64_MIN, INT64_MAX, 4294967296};
    (void)arg;
    pe_jw_array_begin(w);
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        pe_jw_int(w, ints[i]);
    }
    pe_jw_bool(w, true);
    pe_jw_bool(w, false);
    pe_jw_array_end(w);
}

/* A top-level scalar is a document too. */
static void emit_top_int(pe_json_writer_t *w, const void *arg)
{
    pe_jw_int(w, *(const int64_t *)arg);
}

static void test_structure(void)
{
    static const int64_t min = INT64_MIN, zero = 0;
    CHECK_DOC("nested", emit_nested, NULL,
              "{\"a\":[1,2,{\"b\":true,\"c\":[]},[[\"\"]],{}],"
              "\"d\":{\"\":\"x\"},\"f\":false}");
    CHECK_DOC("scalars", emit_scalars, NULL,
              "[0,-1,1,10,-10,-9223372036854775808,9223372036854775807,"
              "4294967296,true,false]");
    CHECK_DOC("top-level INT64_MIN", emit_top_int, &min,
              "-9223372036854775808");
    CHECK_DOC("top-level 0", emit_top_int, &zero, "0");
}

/* ------------------------------------------------------------ strings */

typedef struct {
    const char *s;
    size_t len;
} bytes_t;

static void emit_string(pe_json_writer_t *w, const void *arg)
{
    const bytes_t *b = arg;
    pe_jw_string(w, b->s, b->len);
}

static void emit_key(pe_json_writer_t *w, const void *arg)
{
    const bytes_t *b = arg;
    pe_jw_object_begin(w);
    pe_jw_key(w, b->s, b->len);
    pe_jw_int(w, 1);
    pe_jw_object_end(w);
}

static void test_escaping(void)
{
    char raw[40], want[300];
    size_t n = 0, wl = 0;
    bytes_t b;
    static const char hex[] = "0123456789ABCDEF";

    /* every byte 0x00..0x1F (NUL included: strings have a length), then
     * the two characters JSON requires escaping, then ones it does not */
    want[wl++] = '"';
    for (unsigned c = 0; c < 0x20; c++) {
        raw[n++] = (char)c;
        wl += (size_t)sprintf(want + wl, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
    }
    memcpy(raw + n, "\"\\/\x7f ~'", 7);
    n += 7;
    memcpy(want + wl, "\\\"\\\\/\x7f ~'\"", 10);
    wl += 10;
    b.s = raw;
    b.len = n;
    check_doc("control bytes", emit_string, &b, want, wl);

    /* each control byte alone, as a string and as a key */
    for (unsigned c = 0; c < 0x20; c++) {
        char one = (char)c, w1[16], w2[24];
        bytes_t ob = {&one, 1};
        int l1 = sprintf(w1, "\"\\u00%c%c\"", hex[c >> 4], hex[c & 15]);
        int l2 = sprintf(w2, "{\"\\u00%c%c\":1}", hex[c >> 4], hex[c & 15]);
        check_doc("one control byte", emit_string, &ob, w1, (size_t)l1);
        check_doc("control byte key", emit_key, &ob, w2, (size_t)l2);
    }
    {
        bytes_t q = {"a\"b\\c", 5};
        CHECK_DOC("quote key", emit_key, &q, "{\"a\\\"b\\\\c\":1}");
    }
}

static void test_utf8_valid(void)
{
    /* boundaries of each sequence length, and around the surrogates */
    static const char *const ok[] = {
        "\x7F",                 /* U+007F */
        "\xC2\x80",             /* U+0080 */
        "\xDF\xBF",             /* U+07FF */
        "\xE0\xA0\x80",         /* U+0800 */
        "\xED\x9F\xBF",         /* U+D7FF */
        "\xEE\x80\x80",         /* U+E000 */
        "\xEF\xBF\xBF",         /* U+FFFF */
        "\xF0\x90\x80\x80",     /* U+10000 */
        "\xF0\x9F\x98\x80",     /* U+1F600 */
        "\xF4\x8F\xBF\xBF",     /* U+10FFFF */
        "caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80!",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char want[64];
        size_t len = strlen(ok[i]);
        bytes_t b = {ok[i], len};
        want[0] = '"';
        memcpy(want + 1, ok[i], len);
        want[len + 1] = '"';
        check_doc(ok[i], emit_string, &b, want, len + 2);
    }
}

static void test_utf8_invalid(void)
{
    static const struct {
        const char *name;
        const char *s;
        size_t len;
    } bad[] = {
        {"truncated 2-byte", "\xC3", 1},
        {"truncated 2-byte before ASCII", "\xC3(", 2},
        {"truncated 3-byte", "\xE4\xB8", 2},
        {"truncated 4-byte", "\xF0\x9F\x98", 3},
        {"overlong C0 AF", "\xC0\xAF", 2},
        {"overlong C1 BF", "\xC1\xBF", 2},
        {"overlong E0 80 80", "\xE0\x80\x80", 3},
        {"overlong E0 9F BF", "\xE0\x9F\xBF", 3},
        {"overlong F0 8F BF BF", "\xF0\x8F\xBF\xBF", 4},
        {"surrogate ED A0 80", "\xED\xA0\x80", 3},
        {"surrogate ED BF BF", "\xED\xBF\xBF", 3},
        {"above U+10FFFF F4 90", "\xF4\x90\x80\x80", 4},
        {"F5", "\xF5\x80\x80\x80", 4},
        {"F8", "\xF8\x88\x80\x80\x80", 5},
        {"FE", "\xFE", 1},
        {"FF", "\xFF", 1},
        {"stray continuation", "a\x80", 2},
        {"continuation BF alone", "\xBF", 1},
        {"bad 2nd continuation", "\xE4\x28\xAD", 3},
        {"bad 3rd continuation", "\xF0\x9F\x28\x80", 4},
        {"valid then invalid", "\xC3\xA9\xC3", 3},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[128];
        size_t needed = 0, before;
        pe_json_writer_t w;
        pe_status_t st;

        /* as a string value; the error is sticky */
        pe_jw_init(&w, buf, sizeof buf);
        pe_jw_array_begin(&w);
        pe_jw_string(&w, bad[i].s, bad[i].len);
        before = w.len;
        pe_jw_string(&w, "fine", 4);
        pe_jw_int(&w, 5);
        pe_jw_array_end(&w);
        st = pe_jw_finish(&w, &needed);
        CHECK(st == PE_ERR_INVALID_UTF8, "%s: status %d", bad[i].name, st);
        CHECK(w.len == before, "%s: writing went on after the error",
              bad[i].name);

        /* as a key, and in a size query (the error wins over the size) */
        pe_jw_init(&w, NULL, 0);
        pe_jw_object_begin(&w);
        pe_jw_key(&w, bad[i].s, bad[i].len);
        pe_jw_int(&w, 1);
        pe_jw_object_end(&w);
        CHECK(pe_jw_finish(&w, &needed) == PE_ERR_INVALID_UTF8,
              "%s: as a key", bad[i].name);
    }
}

/* ------------------------------------------------------------ base64 */

static void emit_b64(pe_json_writer_t *w, const void *arg)
{
    const bytes_t *b = arg;
    pe_jw_base64(w, (const uint8_t *)b->s, b->len);
}

static void test_base64(void)
{
    static const char *const rfc[][2] = {
        {"", "\"\""},           {"f", "\"Zg==\""},
        {"fo", "\"Zm8=\""},     {"foo", "\"Zm9v\""},
        {"foob", "\"Zm9vYg==\""}, {"fooba", "\"Zm9vYmE=\""},
        {"foobar", "\"Zm9vYmFy\""},
    };
    uint8_t data[1000];
    unsigned char ref[1400];
    uint32_t x = 12345;

    for (size_t i = 0; i < sizeof rfc / sizeof rfc[0]; i++) {
        bytes_t b = {rfc[i][0], strlen(rfc[i][0])};
        check_doc(rfc[i][1], emit_b64, &b, rfc[i][1], strlen(rfc[i][1]));
    }
    for (size_t i = 0; i < sizeof data; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (uint8_t)(i < 256 ? i : x >> 16); /* every byte value */
    }
    for (size_t len = 0; len <= 100; len++) {
        size_t olen = 0;
        bytes_t b = {(const char *)data + (len * 7) % 150, len};
        ref[0] = '"';
        CHECK(mbedtls_base64_encode(ref + 1, sizeof ref - 2, &olen,
                                    (const unsigned char *)b.s, len) == 0,
              "mbedtls_base64_encode %zu", len);
        ref[olen + 1] = '"';
        check_doc("base64 0..100", emit_b64, &b, (const char *)ref, olen + 2);
    }
    {
        size_t olen = 0;
        bytes_t b = {(const char *)data, sizeof data};
        ref[0] = '"';
        mbedtls_base64_encode(ref + 1, sizeof ref - 2, &olen, data,
                              sizeof data);
        ref[olen + 1] = '"';
        check_doc("base64 1000 bytes", emit_b64, &b, (const char *)ref,
                  olen + 2);
    }
}

/* ------------------------------------------------------------ misuse */

static pe_status_t finish(pe_json_writer_t *w)
{
    size_t needed;
    return pe_jw_finish(w, &needed);
}

static void test_misuse(void)
{
    pe_json_writer_t w;
    char buf[256];

#define MISUSE(name, calls)                                                    \
    do {                                                                       \
        pe_jw_init(&w, buf, sizeof buf);                                       \
        calls;                                                                 \
        CHECK(finish(&w) == PE_ERR_INVALID_ARGUMENT, "misuse: %s", name);      \
        pe_jw_init(&w, NULL, 0);                                               \
        calls;                                                                 \
        CHECK(finish(&w) == PE_ERR_INVALID_ARGUMENT,                           \
              "misuse (size query): %s", name);                                \
    } while (0)

    MISUSE("key at top level", pe_jw_key(&w, "a", 1));
    MISUSE("key at top level, then a value",
           (pe_jw_key(&w, "a", 1), pe_jw_int(&w, 1)));
    MISUSE("two top-level values", (pe_jw_int(&w, 1), pe_jw_int(&w, 2)));
    MISUSE("value after a closed object",
           (pe_jw_object_begin(&w), pe_jw_object_end(&w),
            pe_jw_string(&w, "x", 1)));
    MISUSE("second top-level object",
           (pe_jw_object_begin(&w), pe_jw_object_end(&w),
            pe_jw_object_begin(&w), pe_jw_object_end(&w)));
    MISUSE("end without begin", pe_jw_object_end(&w));
    MISUSE("array end without begin", pe_jw_array_end(&w));
    MISUSE("one end too many",
           (pe_jw_array_begin(&w), pe_jw_array_end(&w), pe_jw_array_end(&w)));
    MISUSE("unclosed object", pe_jw_object_begin(&w));
    MISUSE("unclosed nested array",
           (pe_jw_object_begin(&w), pe_jw_key(&w, "a", 1),
            pe_jw_array_begin(&w), pe_jw_object_end(&w)));
    MISUSE("key without value",
           (pe_jw_object_begin(&w), pe_jw_key(&w, "a", 1)));
    MISUSE("key without value, closed",
           (pe_jw_object_begin(&w), pe_jw_key(&w, "a", 1),
            pe_jw_object_end(&w)));
    MISUSE("two keys", (pe_jw_object_begin(&w), pe_jw_key(&w, "a", 1),
                        pe_jw_key(&w, "b", 1), pe_jw_int(&w, 1),
                        pe_jw_object_end(&w)));
    /* the writer must know each open container's kind for these four
     * (pe_json_writer_t has no field for it yet) */
    MISUSE("key inside an array",
           (pe_jw_array_begin(&w), pe_jw_key(&w, "a", 1), pe_jw_int(&w, 1),
            pe_jw_array_end(&w)));
    MISUSE("value without key in an object",
           (pe_jw_object_begin(&w), pe_jw_int(&w, 1), pe_jw_object_end(&w)));
    MISUSE("object closed as an array",
           (pe_jw_object_begin(&w), pe_jw_array_end(&w)));
    MISUSE("array closed as an object",
           (pe_jw_array_begin(&w), pe_jw_object_end(&w)));
#undef MISUSE

    /* PE_JSON_MAX_DEPTH levels are fine, one more is not; the error is
     * sticky and beats a too-small buffer */
    for (unsigned extra = 0; extra <= 1; extra++) {
        unsigned levels = PE_JSON_MAX_DEPTH + extra;
        size_t needed = 0;
        pe_jw_init(&w, buf, sizeof buf);
        for (unsigned i = 0; i < levels; i++) {
            pe_jw_array_begin(&w);
        }
        for (unsigned i = 0; i < levels; i++) {
            pe_jw_array_end(&w);
        }
        CHECK(pe_jw_finish(&w, &needed) ==
                  (extra ? PE_ERR_INVALID_ARGUMENT : PE_OK),
              "depth %u", levels);
        if (!extra) {
            CHECK(needed == 2u * levels &&
                      buf[0] == '[' && buf[levels] == ']',
                  "depth %u: needed %zu", levels, needed);
        }
        pe_jw_init(&w, buf, 3);
        for (unsigned i = 0; i < levels; i++) {
            pe_jw_object_begin(&w);
            if (i + 1 < levels) {
                pe_jw_key(&w, "k", 1);
            }
        }
        for (unsigned i = 0; i < levels; i++) {
            pe_jw_object_end(&w);
        }
        CHECK(finish(&w) ==
                  (extra ? PE_ERR_INVALID_ARGUMENT : PE_ERR_BUFFER_TOO_SMALL),
              "object depth %u into 3 bytes", levels);
    }

    /* a NULL buffer with a capacity is a size query, never written */
    {
        size_t needed = 0;
        pe_jw_init(&w, NULL, 100);
        pe_jw_string(&w, "abc", 3);
        CHECK(pe_jw_finish(&w, &needed) == PE_ERR_BUFFER_TOO_SMALL &&
                  needed == 5,
              "NULL buffer with capacity 100: needed %zu", needed);
        pe_jw_init(&w, buf, sizeof buf);
        pe_jw_int(&w, 7);
        CHECK(pe_jw_finish(&w, NULL) == PE_OK && buf[0] == '7',
              "finish with needed NULL");
    }
}

int main(void)
{
    if (!pe_guard_init(&guard, 4096)) {
        printf("FAIL: cannot map a guard page\n");
        return 1;
    }
    test_structure();
    test_escaping();
    test_utf8_valid();
    test_utf8_invalid();
    test_base64();
    test_misuse();
    pe_guard_free(&guard);
    return pe_test_summary();
}
