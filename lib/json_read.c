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

/* Not static: kept out of their callers, the code is smaller. */
size_t pe_jr_number_len_(const char *s, size_t n);
bool pe_jr_unescape_(char *s, size_t n);

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
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            return c;
        }
    }
    return 0;
}

/* The index of the quote that ends the string whose content starts at
 * js[i] (escaped bytes skipped, nothing checked), len when there is none. */
static size_t string_end(const char *js, size_t i, size_t len)
{
    while (i < len && js[i] != '"') {
        i += js[i] == '\\' ? 2u : 1u;
    }
    return i < len ? i : len;
}

/* The end of the digits from s[i] on, 0 when there are none. */
static size_t digits(const char *s, size_t i, size_t n)
{
    size_t j = i;
    while (j < n && (unsigned)(s[j] - '0') <= 9u) {
        j++;
    }
    return j > i ? j : 0;
}

/* Length of the number (RFC 8259 grammar) at the start of s[0..n), 0 if
 * there is none. */
size_t pe_jr_number_len_(const char *s, size_t n)
{
    size_t i = s[0] == '-';
    if (i < n && s[i] == '0') {
        i++;
    } else if ((i = digits(s, i, n)) == 0) {
        return 0;
    }
    if (i < n && s[i] == '.' && (i = digits(s, i + 1, n)) == 0) {
        return 0;
    }
    if (i < n && (s[i] | 0x20) == 'e') {
        i++;
        i += i < n && (s[i] == '+' || s[i] == '-');
        i = digits(s, i, n);
    }
    return i;
}

/* The literals: "true", "false" and "null" at 0, 5 and 11. */
static const char lits[] = "true\0false\0null";

/* Reads the scalar at d->pos: its kind ('"', '0', 't', 'f', 'n'), text
 * (a string's raw content, checked at the end) and length; 0 when there
 * is none. */
static int lex(decoder_t *d, const char **text, size_t *n)
{
    const char *s = d->js + d->pos;
    size_t avail = d->len - d->pos, len = 0;
    int tok = avail ? (unsigned char)s[0] : 0;
    *text = s;
    if (tok == '"') {
        *text = s + 1;
        len = string_end(d->js, d->pos + 1, d->len) - d->pos - 1;
        d->pos += 2; /* the quotes */
        if (d->pos + len > d->len) {
            return 0;
        }
    } else if (tok == '-' || (unsigned)(tok - '0') <= 9u) {
        len = pe_jr_number_len_(s, avail);
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
    return len || tok == '"' ? tok : 0;
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
            i = string_end(js, i + 1, len);
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

/* Unescapes the string content s[0..n) (n: where string_end found its
 * quote) in place and NUL-terminates it. False for a raw control
 * character, a bad escape, \u0000 or a lone surrogate. */
bool pe_jr_unescape_(char *s, size_t n)
{
    static const char esc[] = "b\bf\fn\nr\rt\t\"\"\\\\//"; /* pairs */
    size_t r = 0, w = 0;
    uint32_t hi = 0; /* a high surrogate, waiting for its low half */
    while (r < n) {
        uint32_t c = (unsigned char)s[r++];
        bool u = false; /* c is a \u escape's code point */
        if (c < 0x20u) {
            return false;
        }
        if (c == '\\') {
            /* string_end skipped the escaped byte: r < n */
            const char *e = esc;
            c = (unsigned char)s[r++];
            if (c == 'u') {
                if (n - r < 4) {
                    return false;
                }
                c = 0;
                u = true;
                for (int k = 0; k < 4; k++) {
                    unsigned h = (unsigned char)s[r++], v = h - '0';
                    if (v > 9u) {
                        v = (h | 0x20u) - 'a' + 10u; /* 'A'-'F' too */
                        if (v - 10u > 5u) {
                            return false;
                        }
                    }
                    c = (c << 4) | v;
                }
            } else {
                while (*e && (unsigned char)*e != c) {
                    e += 2;
                }
                if (!*e) {
                    return false;
                }
                c = (unsigned char)e[1];
            }
        }
        if (hi) { /* only a \u low surrogate may follow */
            if (!u || c - 0xDC00u >= 0x400u) {
                return false;
            }
            c = 0x10000u + ((hi - 0xD800u) << 10) + (c - 0xDC00u);
            hi = 0;
        } else if (u && c - 0xD800u < 0x400u) {
            hi = c;
            continue;
        } else if (u && (c == 0 || c - 0xDC00u < 0x400u)) {
            return false;
        }
        if (!u || c < 0x80u) {
            s[w++] = (char)c; /* raw bytes as they are */
            continue;
        }
        /* UTF-8, never longer than the escape it replaces: k bytes, the
         * lead one marked with k high bits */
        size_t k = c < 0x800u ? 2 : c < 0x10000u ? 3 : 4;
        for (size_t j = k - 1; j > 0; j--) {
            s[w + j] = (char)(0x80u | (c & 0x3Fu));
            c >>= 6;
        }
        s[w] = (char)(((0xFF00u >> k) & 0xFFu) | c);
        w += k;
    }
    s[w] = '\0';
    return hi == 0;
}

/* ------------------------------------------------------------ kinds */

/* Converts the number s[0..n) (its grammar checked) to a member of type
 * `type` at field (NULL: check only): PE_T_INT exact, PE_T_DOUBLE to the
 * nearest double, PE_T_TIME whole seconds rounded down. At most 19
 * significant digits are kept, the rest only scale. Powers of ten up to
 * 1e22 are exact doubles (10.0 multiplied up exactly): with a mantissa
 * below 2^53 one multiplication or division rounds correctly (Clinger's
 * fast path). Beyond it, repeated scaling is close. */
static const char *number(int tok, const char *s, size_t n, unsigned type,
                          unsigned char *field)
{
    bool neg = tok == '0' && s[0] == '-', eneg = false;
    uint64_t mant = 0;
    int exp10 = 0, digits10 = 0, e = 0;
    int part = 0; /* 0: integer, 1: fraction, 2: exponent */
    int64_t iv;
    double dv;
    const bool set = true;

    if (tok != '0') {
        return type == PE_T_INT ? "must be an integer" : "must be a number";
    }
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
    if (type == PE_T_INT) {
        /* more than 19 significant digits is out of range anyway */
        if (part != 0 || exp10 != 0 || mant > (uint64_t)INT64_MAX + neg) {
            return "must be an integer";
        }
        iv = neg ? (int64_t)(0 - mant) : (int64_t)mant;
    } else {
        double p = 1.0;
        e = exp10 < 0 ? -exp10 : exp10;
        dv = (double)mant;
        if (mant < ((uint64_t)1 << 53) && e <= 22) {
            for (; e > 0; e--) {
                p *= 10.0; /* exact */
            }
            e = 1; /* then one multiplication or division by p */
        } else {
            p = 10.0; /* e steps of 10 */
        }
        for (; e > 0; e--) {
            dv = exp10 > 0 ? dv * p : dv / p;
        }
        if (type == PE_T_TIME && !(dv < 9.2e18)) { /* dv >= 0 here */
            return "is out of range";
        }
        dv = neg ? -dv : dv;
        memcpy(&iv, &dv, sizeof dv); /* a double: the same 8 bytes */
        if (type == PE_T_TIME) {
            iv = (int64_t)dv; /* whole seconds, rounded down */
            if ((double)iv > dv) {
                iv--;
            }
        }
    }
    if (field) {
        /* the set flag, then the 8-byte value: pe_opt_int_t,
         * pe_opt_double_t and pe_opt_time_t alike */
        memcpy(field, &set, sizeof set);
        memcpy(field + offsetof(pe_opt_int_t, value), &iv, sizeof iv);
    }
    return NULL;
}

const char *pe_get_int_(decoder_t *d, int tok, const char *s, size_t n,
                        unsigned char *field)
{
    (void)d;
    return number(tok, s, n, PE_T_INT, field);
}

const char *pe_get_double_(decoder_t *d, int tok, const char *s, size_t n,
                           unsigned char *field)
{
    (void)d;
    return number(tok, s, n, PE_T_DOUBLE, field);
}

const char *pe_get_time_(decoder_t *d, int tok, const char *s, size_t n,
                         unsigned char *field)
{
    (void)d;
    return number(tok, s, n, PE_T_TIME, field);
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
    size_t max = n / 4u * 3u + 3u;
    pe_bytes_t v = {NULL, 0};
    if (tok == '"' && !memchr(s, '\\', n)) {
        unsigned char *buf = (unsigned char *)take(d, max);
        v.data = buf;
        if (!buf || pe_base64_decode(buf, max, &v.len, s, n) == 0) {
            if (buf && field) {
                memcpy(field, &v, sizeof v);
            }
            return NULL;
        }
    }
    return "must be a base64 string";
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
        if (strlen(m->name) == len && memcmp(m->name, s, len) == 0) {
            return m;
        }
    }
    return NULL;
}

/* Decodes the object at d->pos into out, iteratively: lv[known - 1] is
 * the innermost open container the shape describes; `depth` containers
 * are open in all (the outer `known` of them described). The top object
 * is read like a list item of m = top: in place. Other structs are
 * pointed to. Stops at the first failure. */
static pe_status_t walk(decoder_t *d, const pe_shape_t *shape,
                        unsigned char *out)
{
    level_t lv[PE_MODEL_MAX_DEPTH];
    const pe_member_t top = {NULL, 0, PE_T_STRUCT, 0, shape};
    const pe_member_t *m = &top; /* the member whose value is next */
    unsigned char *field = out;  /* where it goes (NULL: count only) */
    size_t depth = 0;
    unsigned known = 0;
    bool obj = false; /* the innermost container is an object */
    bool first;       /* no item yet in it */

    for (;;) {
        const char *text, *why = NULL;
        size_t n;
        char c = peek(d);
        level_t *l;

        if (m) {
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
        if (c == '{' || c == '[') {
            if (depth == d->levels) {
                return PE_ERR_JSON; /* not for valid text: scan counted */
            }
            object_bit(d, depth++, c == '{');
            d->pos++;
            first = true;
            if (m) {
                if (known == PE_MODEL_MAX_DEPTH) {
                    /* the tables never nest deeper: this bounds lv */
                    return fail(d, known, "is nested too deeply");
                }
                l = &lv[known++];
                l->ref = m->ref;
                l->base = field;
                if (c == '[') {
                    /* an empty list is present: non-NULL items */
                    size_t size = pe_item_size((const pe_member_t *)m->ref);
                    size_t count = scan(d->js, d->pos - 1, d->len, &n);
                    l->base = NULL;
                    if (count > SIZE_MAX / size) {
                        d->used = SIZE_MAX; /* no arena holds it */
                    } else {
                        l->base = (unsigned char *)take(
                            d, count ? count * size : 1u);
                    }
                    if (l->base && field) {
                        pe_list_t list = {l->base, count};
                        memcpy(field, &list, sizeof list);
                    }
                    l->count = count;
                    l->k = 0;
                } else if (obj) { /* a member, not a list item */
                    l->base = (unsigned char *)take(
                        d, ((const pe_shape_t *)m->ref)->size);
                    store_ptr(l->base ? field : NULL, l->base);
                }
            }
        } else {
            int tok = lex(d, &text, &n);
            if (!tok) {
                return PE_ERR_JSON;
            }
            if (m && (why = scalar(d, m, tok, text, n, field)) != NULL) {
                return fail(d, known, why);
            }
            first = false;
        }
        /* close what ends here, then find the next item */
        for (;;) {
            obj = object_bit(d, depth - 1, -1);
            c = peek(d);
            if (c != (obj ? '}' : ']')) {
                break;
            }
            d->pos++;
            if (--depth == 0) {
                peek(d);
                return d->pos == d->len ? PE_OK : PE_ERR_JSON;
            }
            if (known > depth) {
                known = (unsigned)depth;
            }
            first = false;
        }
        if (!first) {
            if (c != ',') {
                return PE_ERR_JSON;
            }
            d->pos++;
            c = peek(d);
        }
        m = NULL;
        field = NULL;
        if (obj) {
            if (c != '"' || !lex(d, &text, &n) || peek(d) != ':') {
                return PE_ERR_JSON;
            }
            d->pos++;
            c = peek(d);
        }
        if (known == depth) {
            /* unknown members and explicit nulls are skipped */
            size_t off = 0;
            int32_t index = -1;
            l = &lv[known - 1];
            if (!obj) {
                if (l->k == l->count) {
                    return PE_ERR_JSON; /* not for valid text */
                }
                m = (const pe_member_t *)l->ref;
                index = (int32_t)l->k;
                off = l->k++ * pe_item_size(m);
            } else if (c != 'n' &&
                       (m = find_member((const pe_shape_t *)l->ref, text, n))) {
                off = m->offset;
            }
            if (m) {
                step(d, known - 1, obj ? m->name : NULL, index);
                if (l->base) {
                    field = l->base + off;
                }
            }
        }
    }
}

pe_status_t pe_json_decode(const pe_shape_t *shape, char *json, size_t len,
                           void *out, void *arena, size_t arena_cap,
                           size_t *arena_needed, pe_diag_t *diag)
{
    decoder_t d;
    unsigned char shallow[SHALLOW / 8u] = {0};
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
            size_t end = string_end(json, i + 1, len);
            if (!pe_jr_unescape_(json + i + 1, end - i - 1)) {
                return PE_ERR_JSON;
            }
            i = end;
        }
    }
    return PE_OK;
}
