/*
 * json_read.c - JSON text (RFC 8259) to typed structs, walking the same
 * shape tables as the builder.
 *
 * One pass over the text checks its grammar and stores every member the
 * shape knows: sub-structures, list items and blobs from the arena,
 * strings as views into the text. Only when that pass succeeded and the
 * arena held everything is the text changed: its strings are unescaped in
 * place and NUL-terminated. So a call that finds the arena too small can
 * be repeated on the same text. Scalars other than strings are read by
 * their kind (pe_kind_t): number conversion, booleans and base64 are
 * linked only when some table names them.
 */
#include "pe_crypto.h"
#include "pe_internal.h"
#include "pe_ops.h" /* PE_MODEL_MAX_DEPTH */

#include <stddef.h>
#include <string.h>

#if PE_MODEL_MAX_DEPTH > PE_DIAG_MAX_DEPTH
#error "a member path in pe_diag_t must hold PE_MODEL_MAX_DEPTH steps"
#endif

#define ALIGN 8u
#define SHALLOW 32u /* nesting levels whose bits the decoder holds itself */

typedef struct pe_decoder {
    const char *js;
    size_t pos; /* the next byte to read */
    size_t len;
    unsigned char *arena;
    size_t cap;
    size_t used;         /* arena bytes needed so far (may exceed cap) */
    unsigned char *bits; /* bit d: the container open at level d is an object */
    size_t levels;       /* levels `bits` holds */
    pe_diag_t *diag;
} decoder_t;

/* One open object or array that the shape describes. */
typedef struct {
    const void *ref;     /* object: its shape; array: the element member */
    unsigned char *base; /* the struct or the items; NULL: count only */
    size_t count;        /* array: its items, counted ahead */
    size_t k;            /* array: items read */
} level_t;

static pe_status_t fail(decoder_t *d, unsigned depth, const char *reason)
{
    if (d->diag) {
        d->diag->depth = (uint8_t)depth;
        d->diag->reason = reason;
    }
    return PE_ERR_JSON;
}

static void step(decoder_t *d, unsigned depth, const char *name, int32_t index)
{
    if (d->diag) {
        d->diag->member[depth] = name;
        d->diag->index[depth] = index;
    }
}

/* Zeroed arena memory, or NULL once the arena is exhausted (the size is
 * still counted, so the caller learns what would do). */
static void *take(decoder_t *d, size_t size)
{
    size_t off = (d->used + (ALIGN - 1u)) & ~(size_t)(ALIGN - 1u);
    if (off < d->used || size > SIZE_MAX - off) {
        d->used = SIZE_MAX;
        return NULL;
    }
    d->used = off + size;
    if (d->used > d->cap) {
        return NULL;
    }
    memset(d->arena + off, 0, size);
    return d->arena + off;
}

static void store_ptr(unsigned char *field, const void *p)
{
    if (field) {
        memcpy(field, &p, sizeof p);
    }
}

/* Reads (set < 0) or sets the object bit of nesting level `level`. */
static bool object_bit(decoder_t *d, size_t level, int set)
{
    unsigned char *b = &d->bits[level >> 3];
    unsigned mask = 1u << (level & 7u);
    if (set >= 0) {
        *b = (unsigned char)(set ? *b | mask : *b & ~mask);
    }
    return (*b & mask) != 0;
}

/* ------------------------------------------------------------ lexing */

/* Skips whitespace; the next byte, or 0 at the end. */
static char peek(decoder_t *d)
{
    for (; d->pos < d->len; d->pos++) {
        char c = d->js[d->pos];
        if (!memchr(" \t\n\r", c, 4)) {
            return c;
        }
    }
    return 0;
}

/* Four hex digits at s[*r..] into *v; false if there are not. */
static bool hex4(const char *s, size_t n, size_t *r, uint32_t *v)
{
    *v = 0;
    if (n - *r < 4) {
        return false;
    }
    for (int k = 0; k < 4; k++) {
        unsigned c = (unsigned char)s[(*r)++];
        unsigned h = c - '0';
        if (h > 9u) {
            h = (c | 0x20u) - 'a'; /* 'A'-'F' too */
            if (h > 5u) {
                return false;
            }
            h += 10u;
        }
        *v = (*v << 4) | h;
    }
    return true;
}

/* The string whose content starts at s, at most n bytes before its
 * closing quote: the content's length, or SIZE_MAX when there is no quote
 * or the content is not valid (a raw control character, a bad escape,
 * \u0000, a lone surrogate). out (may be s: the text never grows)
 * receives the unescaped content and a NUL. */
static size_t string_scan(const char *s, size_t n, char *out)
{
    static const char esc[] = "b\bf\fn\nr\rt\t\"\"\\\\//"; /* pairs */
    size_t r = 0, w = 0;
    for (;;) {
        unsigned c;
        uint32_t cp, lo;
        if (r >= n) {
            return SIZE_MAX;
        }
        c = (unsigned char)s[r++];
        if (c == '"') {
            break;
        }
        if (c < 0x20u) {
            return SIZE_MAX;
        }
        if (c == '\\') {
            const char *e = esc;
            if (r >= n) {
                return SIZE_MAX;
            }
            c = (unsigned char)s[r++];
            if (c != 'u') {
                while (*e && (unsigned char)*e != c) {
                    e += 2;
                }
                if (!*e) {
                    return SIZE_MAX;
                }
                c = (unsigned char)e[1];
            } else {
                if (!hex4(s, n, &r, &cp) || cp == 0 || cp - 0xDC00u < 0x400u) {
                    return SIZE_MAX;
                }
                if (cp - 0xD800u < 0x400u) {
                    if (n - r < 2 || s[r] != '\\' || s[r + 1] != 'u') {
                        return SIZE_MAX;
                    }
                    r += 2;
                    if (!hex4(s, n, &r, &lo) || lo - 0xDC00u >= 0x400u) {
                        return SIZE_MAX;
                    }
                    cp = 0x10000u + ((cp - 0xD800u) << 10) + (lo - 0xDC00u);
                }
                if (cp >= 0x80u) {
                    /* UTF-8, never longer than the escape it replaces: k
                     * bytes, the lead one marked with k high bits */
                    size_t k = cp < 0x800u ? 2 : cp < 0x10000u ? 3 : 4;
                    for (size_t j = k - 1; out && j > 0; j--) {
                        out[w + j] = (char)(0x80u | (cp & 0x3Fu));
                        cp >>= 6;
                    }
                    if (out) {
                        out[w] = (char)(((0xFF00u >> k) & 0xFFu) | cp);
                    }
                    w += k;
                    continue;
                }
                c = cp;
            }
        }
        if (out) {
            out[w] = (char)c;
        }
        w++;
    }
    if (out) {
        out[w] = '\0';
    }
    return r - 1;
}

/* The end of the digits from s[i] on. */
static size_t digits(const char *s, size_t i, size_t n)
{
    while (i < n && (unsigned)(s[i] - '0') <= 9u) {
        i++;
    }
    return i;
}

/* Length of the number (RFC 8259 grammar) at the start of s[0..n), 0 if
 * there is none. */
static size_t number_len(const char *s, size_t n)
{
    size_t i = s[0] == '-', j;
    if (i < n && s[i] == '0') {
        i++;
    } else if ((j = digits(s, i, n)) > i) {
        i = j;
    } else {
        return 0;
    }
    if (i < n && s[i] == '.') {
        i++;
        if ((j = digits(s, i, n)) == i) {
            return 0;
        }
        i = j;
    }
    if (i < n && (s[i] | 0x20) == 'e') {
        if (++i < n && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        if ((j = digits(s, i, n)) == i) {
            return 0;
        }
        i = j;
    }
    return i;
}

/* The literals: "true", "false" and "null" at 0, 5 and 11. */
static const char lits[] = "true\0false\0null";

/* Reads the scalar at d->pos: its kind ('"', '0', 't', 'f', 'n'), text
 * (a string's raw content) and length; 0 when there is none. */
static int lex(decoder_t *d, const char **text, size_t *n)
{
    const char *s = d->js + d->pos;
    size_t avail = d->len - d->pos, len = 0;
    int tok = avail ? (unsigned char)s[0] : 0;
    *text = s;
    if (tok == '"') {
        len = string_scan(s + 1, avail - 1, NULL);
        if (len == SIZE_MAX) {
            return 0;
        }
        *text = s + 1;
        *n = len;
        d->pos += len + 2;
        return tok;
    }
    if (tok == '-' || (unsigned)(tok - '0') <= 9u) {
        len = number_len(s, avail);
        tok = '0';
    } else if (tok == 't' || tok == 'f' || tok == 'n') {
        const char *lit = lits + (tok == 'f' ? 5 : tok == 'n' ? 11 : 0);
        len = strlen(lit);
        if (len > avail || memcmp(s, lit, len) != 0) {
            len = 0;
        }
    }
    *n = len;
    d->pos += len;
    return len ? tok : 0;
}

/* Walks the container that opens at or after js[i] to its end without
 * checking it: returns its items (commas at its level, plus one unless it
 * is empty: exact for valid text) and, in *deepest, the most containers
 * open at once in it. */
static size_t scan(const char *js, size_t i, size_t len, size_t *deepest)
{
    size_t depth = 0, items = 0, max = 0;
    bool any = false;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)js[i];
        if (c == ']' || c == '}') {
            if (depth <= 1) {
                break;
            }
            depth--;
        }
        any |= depth > 0 && c > ' ';
        if (c == '"') {
            while (++i < len && js[i] != '"') {
                i += (size_t)(js[i] == '\\');
            }
        } else if (c == '[' || c == '{') {
            if (++depth > max) {
                max = depth;
            }
        } else if (c == ',' && depth == 1) {
            items++;
        }
    }
    *deepest = max;
    return any ? items + 1 : 0;
}

/* ------------------------------------------------------------ kinds */

/* The set flag and value of a pe_opt_int_t, pe_opt_time_t or
 * pe_opt_double_t (the value 8 bytes at `off`). */
static void store_opt(unsigned char *field, size_t off, const void *v)
{
    const bool set = true;
    if (field) {
        memcpy(field, &set, sizeof set);
        memcpy(field + off, v, 8);
    }
}

const char *pe_get_int_(decoder_t *d, int tok, const char *s, size_t n,
                        unsigned char *field)
{
    bool neg;
    uint64_t v = 0;
    int64_t iv;
    (void)d;
    if (tok != '0') {
        return "must be an integer";
    }
    neg = s[0] == '-';
    for (size_t i = neg; i < n; i++) {
        unsigned dg = (unsigned char)s[i] - '0';
        if (dg > 9u || v > (UINT64_MAX - dg) / 10u) {
            return "must be an integer"; /* a fraction, exponent, overflow */
        }
        v = v * 10u + dg;
    }
    if (v > (uint64_t)INT64_MAX + neg) {
        return "must be an integer";
    }
    iv = neg ? (int64_t)(0 - v) : (int64_t)v;
    store_opt(field, offsetof(pe_opt_int_t, value), &iv);
    return NULL;
}

/* The value of the number s[0..n) (its grammar checked). At most 19
 * significant digits are kept, the rest only scale. Powers of ten up to
 * 1e22 are exact doubles (10.0 multiplied up exactly): with a mantissa
 * below 2^53 one multiplication or division rounds correctly (Clinger's
 * fast path). Beyond it, repeated scaling is close. */
static double decimal(const char *s, size_t n)
{
    bool neg = s[0] == '-', eneg = false, fast;
    uint64_t mant = 0;
    int exp10 = 0, digits10 = 0, e = 0;
    int part = 0; /* 0: integer, 1: fraction, 2: exponent */
    double dv, p = 1.0;

    for (size_t i = neg; i < n; i++) {
        unsigned c = (unsigned char)s[i], dg = c - '0';
        if (dg <= 9u) {
            if (part == 2) {
                if (e < 10000) {
                    e = e * 10 + (int)dg;
                }
            } else if (digits10 < 19) {
                mant = mant * 10u + dg;
                digits10 += mant != 0;
                exp10 -= part;
            } else {
                exp10 += 1 - part;
            }
        } else if (c == '.') {
            part = 1;
        } else if (c == '-') {
            eneg = true;
        } else if (c != '+') {
            part = 2;
        }
    }
    exp10 += eneg ? -e : e;
    e = exp10 < 0 ? -exp10 : exp10;
    fast = mant < ((uint64_t)1 << 53) && e <= 22;
    dv = (double)mant;
    for (; e > 0; e--) {
        if (fast) {
            p *= 10.0;
        } else if (exp10 > 0) {
            dv *= 10.0;
        } else {
            dv /= 10.0;
        }
    }
    dv = exp10 >= 0 ? dv * p : dv / p; /* p is 1 unless fast */
    return neg ? -dv : dv;
}

const char *pe_get_double_(decoder_t *d, int tok, const char *s, size_t n,
                           unsigned char *field)
{
    double v;
    (void)d;
    if (tok != '0') {
        return "must be a number";
    }
    v = decimal(s, n);
    store_opt(field, offsetof(pe_opt_double_t, value), &v);
    return NULL;
}

const char *pe_get_time_(decoder_t *d, int tok, const char *s, size_t n,
                         unsigned char *field)
{
    double v;
    int64_t iv;
    (void)d;
    if (tok != '0') {
        return "must be a number";
    }
    v = decimal(s, n);
    if (!(v < 9.2e18 && v > -9.2e18)) {
        return "is out of range";
    }
    iv = (int64_t)v; /* whole seconds, rounded down */
    if ((double)iv > v) {
        iv--;
    }
    store_opt(field, offsetof(pe_opt_time_t, seconds), &iv);
    return NULL;
}

const char *pe_get_bool_(decoder_t *d, int tok, const char *s, size_t n,
                         unsigned char *field)
{
    pe_bool_t v = tok == 't' ? PE_TRUE : PE_FALSE;
    (void)d;
    (void)s;
    (void)n;
    if (tok != 't' && tok != 'f') {
        return "must be true or false";
    }
    if (field) {
        memcpy(field, &v, sizeof v);
    }
    return NULL;
}

/* A base64 string into arena memory. */
const char *pe_get_blob_(decoder_t *d, int tok, const char *s, size_t n,
                         unsigned char *field)
{
    pe_bytes_t v;
    size_t max = n / 4u * 3u + 3u;
    unsigned char *buf;
    if (tok != '"' || memchr(s, '\\', n)) {
        return "must be a base64 string";
    }
    buf = (unsigned char *)take(d, max);
    if (buf) {
        if (pe_base64_decode(buf, max, &v.len, s, n) != 0) {
            return "is not valid base64";
        }
        v.data = buf;
        if (field) {
            memcpy(field, &v, sizeof v);
        }
    }
    return NULL;
}

/* ------------------------------------------------------------ the walk */

/* The scalar (or a container where m wants a scalar) of kind tok into
 * field; NULL or why not. */
static const char *scalar(decoder_t *d, const pe_member_t *m, int tok,
                          const char *text, size_t len, unsigned char *field)
{
    const pe_kind_t *k = (const pe_kind_t *)m->ref;
    if (m->type == PE_T_STRING) { /* ref: allowed values, not checked */
        if (tok != '"') {
            return "must be a string";
        }
        store_ptr(field, text);
        return NULL;
    }
    if (!k || !k->get) {
        return "has an unknown type";
    }
    return k->get(d, tok, text, len, field);
}

static const pe_member_t *find_member(const pe_shape_t *shape, const char *s,
                                      size_t len)
{
    for (uint16_t i = 0; i < shape->count; i++) {
        const pe_member_t *m = &shape->members[i];
        if (strncmp(m->name, s, len) == 0 && m->name[len] == '\0') {
            return m;
        }
    }
    return NULL;
}

/* Decodes the object at d->pos into out, iteratively: lv[known - 1] is
 * the innermost open container the shape describes, `depth` containers
 * are open in all (the outer `known` of them described). Struct list
 * items are stored in place, other structs are pointed to. Stops at the
 * first failure. */
static pe_status_t walk(decoder_t *d, const pe_shape_t *shape,
                        unsigned char *out)
{
    level_t lv[PE_MODEL_MAX_DEPTH];
    size_t depth = 1;
    unsigned known = 1;
    bool first = true; /* no item yet in the innermost container */

    if (peek(d) != '{') {
        return PE_ERR_JSON;
    }
    d->pos++;
    object_bit(d, 0, 1);
    lv[0].ref = shape;
    lv[0].base = out;
    for (;;) {
        level_t *l = &lv[known - 1];
        bool obj = object_bit(d, depth - 1, -1);
        const pe_member_t *m = NULL; /* the member whose value is next */
        unsigned char *field = NULL;
        const char *text;
        size_t n;
        char c = peek(d);

        if (c == (obj ? '}' : ']')) {
            d->pos++;
            if (known == depth && !obj && l->k != l->count) {
                return PE_ERR_JSON; /* not for valid text */
            }
            if (--depth == 0) {
                peek(d);
                return d->pos == d->len ? PE_OK : PE_ERR_JSON;
            }
            if (known > depth) {
                known = (unsigned)depth;
            }
            first = false;
            continue;
        }
        if (!first) {
            if (c != ',') {
                return PE_ERR_JSON;
            }
            d->pos++;
            c = peek(d);
        }
        first = false;
        if (obj) {
            if (c != '"' || !lex(d, &text, &n) || peek(d) != ':') {
                return PE_ERR_JSON;
            }
            d->pos++;
            c = peek(d);
            /* unknown members and explicit nulls are skipped */
            if (known == depth && c != 'n') {
                m = find_member((const pe_shape_t *)l->ref, text, n);
            }
            if (m) {
                step(d, known - 1, m->name, -1);
                if (l->base) {
                    field = l->base + m->offset;
                }
            }
        } else if (known == depth) {
            if (l->k == l->count) {
                return PE_ERR_JSON; /* not for valid text */
            }
            m = (const pe_member_t *)l->ref;
            step(d, known - 1, NULL, (int32_t)l->k);
            if (l->base) {
                field = l->base + l->k * pe_item_size(m);
            }
            l->k++;
        }
        if (m) {
            const char *why = NULL;
            if (m->type == PE_T_STRUCT) {
                why = c == '{' ? NULL : "must be an object";
            } else if (m->type == PE_T_LIST) {
                why = c == '[' ? NULL : "must be an array";
            } else if (c == '{' || c == '[') {
                why = scalar(d, m, c, NULL, 0, NULL);
            }
            if (why) {
                return fail(d, known, why);
            }
        }
        if (c != '{' && c != '[') {
            int tok = lex(d, &text, &n);
            const char *why;
            if (!tok) {
                return PE_ERR_JSON;
            }
            if (m && (why = scalar(d, m, tok, text, n, field)) != NULL) {
                return fail(d, known, why);
            }
            continue;
        }
        if (depth == d->levels) {
            return PE_ERR_JSON; /* not for valid text: scan counted them */
        }
        object_bit(d, depth++, c == '{');
        d->pos++;
        first = true;
        if (!m) {
            continue;
        }
        if (known == PE_MODEL_MAX_DEPTH) {
            /* the tables never nest deeper: this bounds lv */
            return fail(d, known, "is nested too deeply");
        }
        l = &lv[known++];
        l->ref = m->ref;
        l->base = field;
        if (c == '{') {
            if (obj) { /* a member, not a list item: pointed to */
                l->base = (unsigned char *)take(
                    d, ((const pe_shape_t *)m->ref)->size);
                store_ptr(l->base ? field : NULL, l->base);
            }
        } else {
            /* an empty list is present: give it a non-NULL items pointer */
            size_t size = pe_item_size((const pe_member_t *)m->ref);
            size_t count = scan(d->js, d->pos - 1, d->len, &n);
            l->base = NULL;
            if (count > SIZE_MAX / size) {
                d->used = SIZE_MAX; /* no arena holds it */
            } else {
                l->base = (unsigned char *)take(d, count ? count * size : 1u);
            }
            if (l->base && field) {
                pe_list_t list = {l->base, count};
                memcpy(field, &list, sizeof list);
            }
            l->count = count;
            l->k = 0;
        }
    }
}

pe_status_t pe_json_decode(const pe_shape_t *shape, char *json, size_t len,
                           void *out, void *arena, size_t arena_cap,
                           size_t *arena_needed, pe_diag_t *diag)
{
    decoder_t d;
    unsigned char shallow[SHALLOW / 8u];
    size_t lead, deepest;
    pe_status_t st = PE_ERR_BUFFER_TOO_SMALL;

    if (diag) {
        memset(diag, 0, sizeof *diag);
    }
    if (!shape || !json || !out || !arena_needed || (!arena && arena_cap)) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    memset(&d, 0, sizeof d);
    /* the arena may start anywhere: begin at an aligned address */
    lead = (ALIGN - (size_t)((uintptr_t)arena % ALIGN)) % ALIGN;
    if (arena_cap > lead) {
        d.arena = (unsigned char *)arena + lead;
        d.cap = arena_cap - lead;
    }
    d.js = json;
    d.len = len;
    d.diag = diag;
    d.bits = shallow;
    d.levels = SHALLOW;
    memset(out, 0, shape->size);
    scan(json, 0, len, &deepest);
    if (deepest > SHALLOW) {
        d.bits = (unsigned char *)take(&d, (deepest + 7u) / 8u);
        d.levels = deepest;
    }
    if (d.bits) {
        st = walk(&d, shape, (unsigned char *)out);
    }
    *arena_needed = d.used > SIZE_MAX - lead ? SIZE_MAX : lead + d.used;
    if (st != PE_OK) {
        return st;
    }
    if (d.used > d.cap) {
        memset(out, 0, shape->size); /* no view into a half-filled arena */
        return PE_ERR_BUFFER_TOO_SMALL;
    }
    for (size_t i = 0; i < len; i++) {
        if (json[i] == '"') {
            i += string_scan(json + i + 1, len - i - 1, json + i + 1) + 1;
        }
    }
    return PE_OK;
}
