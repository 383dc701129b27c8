/* json_write.c - the counting JSON writer (see pe_json.h). */
#include "pe_crypto.h"
#include "pe_internal.h"

#include <string.h>

static const char hex_upper[] = "0123456789ABCDEF";

static void fail(pe_json_writer_t *w, pe_status_t st)
{
    if (w->status == PE_OK) {
        w->status = st;
    }
}

void pe_jw_init(pe_json_writer_t *w, char *buf, size_t cap)
{
    memset(w, 0, sizeof *w);
    w->buf = buf;
    w->cap = buf ? cap : 0;
}

void pe_jw_put(pe_json_writer_t *w, const char *s, size_t len)
{
    if (w->status != PE_OK) {
        return;
    }
    if (len > SIZE_MAX - w->len) {
        fail(w, PE_ERR_INVALID_ARGUMENT);
        return;
    }
    if (w->len < w->cap) {
        size_t room = w->cap - w->len;
        memcpy(w->buf + w->len, s, len < room ? len : room);
    }
    w->len += len;
}

static void put_char(pe_json_writer_t *w, char c)
{
    pe_jw_put(w, &c, 1);
}

/* Comma or nothing before a value or key, per the container's state. */
static void before_item(pe_json_writer_t *w, bool is_key)
{
    if (w->depth == 0) {
        if (w->top_done || is_key) {
            fail(w, PE_ERR_INVALID_ARGUMENT); /* one top-level value */
        }
        w->top_done = true;
        return;
    }
    uint32_t bit = 1u << (w->depth - 1u);
    if (w->after_key) {
        if (is_key) {
            fail(w, PE_ERR_INVALID_ARGUMENT);
        }
        w->after_key = false;
        return;
    }
    if (is_key != ((w->objects & bit) != 0)) {
        /* a key in an array, or a value without its key in an object */
        fail(w, PE_ERR_INVALID_ARGUMENT);
    }
    if (w->filled & bit) {
        put_char(w, ',');
    }
    w->filled |= bit;
}

static void open_container(pe_json_writer_t *w, char c)
{
    before_item(w, false);
    if (w->depth >= PE_JSON_MAX_DEPTH) {
        fail(w, PE_ERR_INVALID_ARGUMENT);
        return;
    }
    w->depth++;
    uint32_t bit = 1u << (w->depth - 1u);
    w->filled &= ~bit;
    if (c == '{') {
        w->objects |= bit;
    } else {
        w->objects &= ~bit;
    }
    put_char(w, c);
}

static void close_container(pe_json_writer_t *w, char c)
{
    if (w->depth == 0 || w->after_key ||
        (c == '}') != (((w->objects >> (w->depth - 1u)) & 1u) != 0)) {
        fail(w, PE_ERR_INVALID_ARGUMENT);
        return;
    }
    w->depth--;
    put_char(w, c);
}

void pe_jw_object_begin(pe_json_writer_t *w) { open_container(w, '{'); }
void pe_jw_object_end(pe_json_writer_t *w) { close_container(w, '}'); }
void pe_jw_array_begin(pe_json_writer_t *w) { open_container(w, '['); }
void pe_jw_array_end(pe_json_writer_t *w) { close_container(w, ']'); }

/* Length of the UTF-8 sequence whose lead byte s[0] is 0x80 or above (at
 * most len bytes), or 0 if it is not valid (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    size_t n = 2u + (c >= 0xE0) + (c >= 0xF0);
    /* the 2nd byte's range: no overlong 3- or 4-byte forms, no
     * surrogates (ED A0..BF), nothing past F4 8F */
    if (c == 0xE0) {
        lo = 0xA0;
    } else if (c == 0xF0) {
        lo = 0x90;
    } else if (c == 0xED) {
        hi = 0x9F;
    } else if (c == 0xF4) {
        hi = 0x8F;
    }
    if (c - 0xC2u > 0xF4u - 0xC2u || len < n || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return n;
}

void pe_jw_quoted(pe_json_writer_t *w, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0; /* start of the pending run of bytes copied as they are */
    size_t i, n;
    put_char(w, '"');
    for (i = 0; i < len; i += n) {
        unsigned c = p[i];
        n = c < 0x80 ? 1 : utf8_seq(p + i, len - i);
        if (n == 0) {
            fail(w, PE_ERR_INVALID_UTF8);
            return;
        }
        if (c < 0x20 || c == '"' || c == '\\') {
            /* \" \\ or \u00XX */
            char esc[6] = {'\\', 'u', '0', '0', hex_upper[c >> 4],
                           hex_upper[c & 15]};
            pe_jw_put(w, s + run, i - run);
            run = i + 1;
            if (c >= 0x20) {
                esc[1] = (char)c;
            }
            pe_jw_put(w, esc, c < 0x20 ? 6 : 2);
        }
    }
    pe_jw_put(w, s + run, len - run);
    put_char(w, '"');
}

void pe_jw_key(pe_json_writer_t *w, const char *key, size_t len)
{
    before_item(w, true);
    pe_jw_quoted(w, key, len);
    put_char(w, ':');
    w->after_key = true;
}

void pe_jw_string(pe_json_writer_t *w, const char *s, size_t len)
{
    before_item(w, false);
    pe_jw_quoted(w, s, len);
}

size_t pe_fmt_i64(char out[20], int64_t v)
{
    size_t n = 20; /* digits go to out[n..20), then to the start */
    /* work on the magnitude as unsigned so INT64_MIN is fine */
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        out[--n] = (char)('0' + (u % 10u));
        u /= 10u;
    } while (u != 0);
    if (v < 0) {
        out[--n] = '-';
    }
    memmove(out, out + n, 20 - n);
    return 20 - n;
}

void pe_jw_int(pe_json_writer_t *w, int64_t v)
{
    char num[20];
    before_item(w, false);
    pe_jw_put(w, num, pe_fmt_i64(num, v));
}

void pe_jw_bool(pe_json_writer_t *w, bool v)
{
    before_item(w, false);
    pe_jw_put(w, v ? "true" : "false", v ? 4 : 5);
}

void pe_jw_b64(pe_json_writer_t *w, const uint8_t *data, size_t len)
{
    char chunk[65];
    put_char(w, '"');
    while (len > 0 && w->status == PE_OK) {
        size_t n = len < PE_B64_CHUNK ? len : PE_B64_CHUNK;
        size_t olen = pe_base64_encode_chunk(chunk, data, n);
        if (olen == 0) {
            fail(w, PE_ERR_CRYPTO);
            return;
        }
        pe_jw_put(w, chunk, olen);
        data += n;
        len -= n;
    }
    put_char(w, '"');
}

void pe_jw_base64(pe_json_writer_t *w, const uint8_t *data, size_t len)
{
    before_item(w, false);
    pe_jw_b64(w, data, len);
}

void pe_jw_uri(pe_json_writer_t *w, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = p[i] < 0x80 ? 1 : utf8_seq(p + i, len - i);
        if (n == 0) {
            fail(w, PE_ERR_INVALID_UTF8);
            return;
        }
        for (; n > 0; n--, i++) {
            unsigned c = p[i];
            char esc[3] = {'%', hex_upper[c >> 4], hex_upper[c & 15]};
            bool keep = (c | 0x20u) - 'a' < 26u || c - '0' < 10u ||
                        c == '-' || c == '_' || c == '.' || c == '~';
            pe_jw_put(w, keep ? s + i : esc, keep ? 1 : 3);
        }
    }
}

pe_status_t pe_jw_finish(pe_json_writer_t *w, size_t *needed)
{
    if (w->status == PE_OK && (w->depth != 0 || w->after_key)) {
        w->status = PE_ERR_INVALID_ARGUMENT;
    }
    if (needed) {
        *needed = w->len;
    }
    if (w->status != PE_OK) {
        return w->status;
    }
    return w->len > w->cap ? PE_ERR_BUFFER_TOO_SMALL : PE_OK;
}
