/*
 * json_read.c - JSON text (RFC 8259) to typed structs, walking the same
 * shape tables as the builder.
 *
 * jsmn tokenizes the text into the arena. One pass over the tokens checks
 * what jsmn lets by (the separators between tokens, numbers, literals);
 * the walk then stores every member the shape knows: sub-structures, list
 * items and blobs from the arena after the tokens, strings as views into
 * the text. Only when both succeeded and the arena held everything is the
 * text changed: its strings are checked, unescaped in place and
 * NUL-terminated. So a call that finds the arena too small can be repeated
 * on the same text. Scalars other than strings are read by their kind
 * (pe_kind_t): number conversion, booleans and base64 are linked only when
 * some table names them.
 */
#include "pe_crypto.h"
#include "pe_internal.h"
#include "pe_ops.h" /* PE_MODEL_MAX_DEPTH */

#include <limits.h>
#include <stddef.h>
#include <string.h>

/* jsmn's lenient mode (every unquoted run a primitive, checked below), one
 * static copy; each token names its parent, so the check is one pass. */
#define JSMN_STATIC
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#if PE_MODEL_MAX_DEPTH > PE_DIAG_MAX_DEPTH
#error "a member path in pe_diag_t must hold PE_MODEL_MAX_DEPTH steps"
#endif

/* Not static: kept out of their callers, the code is smaller. */
size_t pe_jr_number_len_(const char *s, size_t n);
bool pe_jr_unescape_(char *s, size_t n);

#define ALIGN 8u

typedef struct pe_decoder {
    const char *js;
    unsigned char *arena;
    size_t cap;
    size_t used; /* arena bytes needed so far, the tokens' first (may
                  * exceed cap) */
    pe_diag_t *diag;
} decoder_t;

/* One open object or array of the walk. */
typedef struct {
    const void *ref;      /* object: its shape; array: the element member */
    unsigned char *base;  /* the struct or the items; NULL: count only */
    const jsmntok_t *tok; /* the object or array */
    int k;                /* members or items read */
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

/* Zeroed arena memory at an 8-byte aligned address, or NULL once the
 * arena is exhausted (the size is still counted, so the caller learns
 * what would do). */
static void *take(decoder_t *d, size_t size)
{
    size_t off = d->used + ((0u - (uintptr_t)d->arena - d->used) & (ALIGN - 1u));
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

/* ------------------------------------------------------------ checks */

/* The end of the digits from s[i] on, 0 when there are none. */
static size_t digits(const char *s, size_t i, size_t n)
{
    size_t j = i;
    while (j < n && (unsigned)(s[j] - '0') <= 9u) {
        j++;
    }
    return j > i ? j : 0;
}

/* Length of the number (RFC 8259 grammar) at the start of s[0..n), n > 0;
 * 0 if there is none. */
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

/* Whether the primitive s[0..n) is a literal or a number. */
static bool primitive(const char *s, size_t n)
{
    static const char lits[] = "true\0false\0null"; /* at 0, 5, 11 */
    const char *l = lits + (s[0] == 'f' ? 5 : s[0] == 'n' ? 11 : 0);
    return (n == (s[0] == 'f' ? 5u : 4u) && memcmp(s, l, n) == 0) ||
           pe_jr_number_len_(s, n) == n;
}

/* Whether js[at..to) is whitespace, closing brackets (when `closers`) and
 * after them the separator sep once (0: none). */
static bool gap(const char *js, size_t at, size_t to, int sep, bool closers)
{
    for (; at < to; at++) {
        char c = js[at];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t' ||
            (closers && (c == ']' || c == '}'))) {
            continue;
        }
        if (!sep || c != sep) {
            return false;
        }
        sep = 0;
        closers = false;
    }
    return !sep;
}

/* What jsmn lets by and RFC 8259 does not. The first token is an object
 * and the only one without a parent; an object holds strings with one
 * value each (its keys), other strings and primitives hold nothing, a
 * primitive is a literal or a number. Between two tokens: the closing
 * brackets of what ends there, then ',' before a later item, ':' before a
 * key's value, nothing else but whitespace. jsmn names each token's parent
 * from the separators before it: where they are right, so is the parent. */
static bool strict(const char *js, size_t len, const jsmntok_t *t, int n)
{
    size_t at = 0; /* after the previous token (a container: its opener) */
    if (t->type != JSMN_OBJECT) {
        return false;
    }
    for (int k = 0;; k++) {
        const jsmntok_t *c = &t[k];
        size_t to = len; /* where the next token's text starts */
        int sep = 0;
        if (k < n) {
            if (k > 0) {
                jsmntype_t up;
                if (c->parent < 0) {
                    return false; /* a second value at the top */
                }
                up = t[c->parent].type;
                if (up == JSMN_OBJECT
                        ? c->type != JSMN_STRING || c->size != 1
                        : c->type >= JSMN_STRING && c->size != 0) {
                    return false;
                }
                sep = up == JSMN_STRING ? ':' : c->parent == k - 1 ? 0 : ',';
            }
            if (c->type == JSMN_PRIMITIVE &&
                !primitive(js + c->start, (size_t)(c->end - c->start))) {
                return false;
            }
            to = (size_t)(c->start - (c->type == JSMN_STRING));
        }
        if (!gap(js, at, to, sep, k == n || sep == ',')) {
            return false;
        }
        if (k == n) {
            return true;
        }
        at = (size_t)(c->type < JSMN_STRING ? c->start + 1
                                            : c->end + (c->type == JSMN_STRING));
    }
}

/* Checks the string content s[0..n) (escapes checked by jsmn), unescapes
 * it in place and NUL-terminates it. False for a raw control character,
 * \u0000 or a lone surrogate. */
bool pe_jr_unescape_(char *s, size_t n)
{
    static const char esc[] = "b\bf\fn\nr\rt\t"; /* pairs; '"' '\\' '/' stay */
    size_t r = 0, w = 0;
    uint32_t hi = 0; /* a high surrogate, waiting for its low half */
    while (r < n) {
        uint32_t c = (unsigned char)s[r++];
        bool u = false; /* c is a \u escape's code point */
        if (c < 0x20u) {
            return false;
        }
        if (c == '\\') {
            c = (unsigned char)s[r++];
            if (c == 'u') {
                c = 0;
                u = true;
                for (int k = 0; k < 4; k++) {
                    unsigned h = (unsigned char)s[r++];
                    c = c << 4 | ((h & 0xFu) + (h >> 6) * 9u); /* 'A'-'F' too */
                }
            } else {
                const char *e = strchr(esc, (int)c);
                if (e) {
                    c = (unsigned char)e[1];
                }
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

/* The kind of token t for pe_kind_t.get: '"', '{', '[', or a primitive's
 * first byte, '0' for a number. */
static int kind_of(const char *js, const jsmntok_t *t)
{
    int c = (unsigned char)js[t->start - (t->type == JSMN_STRING)];
    return (unsigned)(c - '-') <= 12u ? '0' : c;
}

/* The token after the value at t and everything in it. */
static const jsmntok_t *skip(const jsmntok_t *t)
{
    int pending = 1;
    while (pending-- > 0) {
        pending += t++->size;
    }
    return t;
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

/* Decodes the object at token t (checked text) into out, iteratively:
 * lv[top] is the innermost open object or array the shape describes.
 * Struct list items are stored in place, other structs are pointed to.
 * Unknown members and explicit nulls are skipped. Stops at the first
 * failure. */
static pe_status_t walk(decoder_t *d, const jsmntok_t *t,
                        const pe_shape_t *shape, unsigned char *out)
{
    level_t lv[PE_MODEL_MAX_DEPTH];
    unsigned top = 0;

    lv[0].ref = shape;
    lv[0].base = out;
    lv[0].tok = t++;
    lv[0].k = 0;
    for (;;) {
        level_t *l = &lv[top];
        const pe_member_t *m = (const pe_member_t *)l->ref;
        unsigned char *field = NULL;
        const char *why = NULL;
        bool obj = l->tok->type == JSMN_OBJECT;
        size_t off;
        if (l->k == l->tok->size) {
            if (top == 0) {
                return PE_OK;
            }
            top--;
            continue;
        }
        if (obj) {
            m = find_member((const pe_shape_t *)l->ref, d->js + t->start,
                            (size_t)(t->end - t->start));
            t++; /* the value */
            if (!m || (t->type == JSMN_PRIMITIVE && d->js[t->start] == 'n')) {
                l->k++;
                t = skip(t);
                continue;
            }
            off = m->offset;
        } else {
            off = (size_t)l->k * pe_item_size(m);
        }
        step(d, top, obj ? m->name : NULL, obj ? -1 : l->k);
        l->k++;
        if (l->base) {
            field = l->base + off;
        }
        if (m->type == PE_T_STRUCT) {
            if (t->type != JSMN_OBJECT) {
                why = "must be an object";
            }
        } else if (m->type == PE_T_LIST) {
            if (t->type != JSMN_ARRAY) {
                why = "must be an array";
            }
        } else if (m->type == PE_T_STRING) { /* ref: allowed values */
            if (t->type != JSMN_STRING) {
                why = "must be a string";
            } else {
                store_ptr(field, d->js + t->start);
            }
        } else {
            const pe_kind_t *k = (const pe_kind_t *)m->ref;
            why = "has an unknown type";
            if (k && k->get) {
                why = k->get(d, kind_of(d->js, t), d->js + t->start,
                             (size_t)(t->end - t->start), field);
            }
        }
        if (!why && m->type < PE_T_STRUCT) {
            t++;
            continue;
        }
        if (!why && top + 1 == PE_MODEL_MAX_DEPTH) {
            /* the tables never nest deeper: this bounds lv */
            why = "is nested too deeply";
        }
        if (why) {
            return fail(d, top + 1, why);
        }
        if (m->type == PE_T_LIST) {
            /* an empty list is present: non-NULL items */
            size_t size = pe_item_size((const pe_member_t *)m->ref);
            size_t count = (size_t)t->size;
            unsigned char *items = NULL;
            if (count > SIZE_MAX / size) {
                d->used = SIZE_MAX; /* no arena holds it */
            } else {
                items = (unsigned char *)take(d, count * size + (count == 0));
            }
            if (items && field) {
                pe_list_t list = {items, count};
                memcpy(field, &list, sizeof list);
            }
            field = items;
        } else if (obj) { /* a struct member, not a list item */
            unsigned char *sub = (unsigned char *)take(
                d, ((const pe_shape_t *)m->ref)->size);
            store_ptr(sub ? field : NULL, sub);
            field = sub;
        }
        l = &lv[++top];
        l->ref = m->ref;
        l->base = field;
        l->tok = t++;
        l->k = 0;
    }
}

pe_status_t pe_json_decode(const pe_shape_t *shape, char *json, size_t len,
                           void *out, void *arena, size_t arena_cap,
                           size_t *arena_needed, pe_diag_t *diag)
{
    jsmn_parser p;
    decoder_t d;
    jsmntok_t *tok;
    size_t room;
    int n;
    pe_status_t st = PE_OK;

    if (diag) {
        memset(diag, 0, sizeof *diag);
    }
    if (!shape || !json || !out || !arena_needed || (!arena && arena_cap) ||
        len > (size_t)INT_MAX) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    memset(out, 0, shape->size);
    d.js = json;
    d.arena = (unsigned char *)arena;
    d.cap = arena_cap;
    d.diag = diag;
    /* the tokens first, from an aligned address on; only counted when they
     * do not fit (there are no more tokens than bytes) */
    d.used = (0u - (uintptr_t)arena) & (ALIGN - 1u);
    room = arena_cap > d.used ? (arena_cap - d.used) / sizeof *tok : 0;
    tok = room ? (jsmntok_t *)(void *)(d.arena + d.used) : NULL;
    do {
        jsmn_init(&p);
        n = jsmn_parse(&p, json, len, tok, (unsigned)(room < len ? room : len));
        if (n == JSMN_ERROR_NOMEM) { /* then only count them */
            tok = NULL;
            room = 0;
        }
    } while (n == JSMN_ERROR_NOMEM);
    if (n < 1) {
        return PE_ERR_JSON;
    }
    d.used = (size_t)n > (SIZE_MAX - d.used) / sizeof *tok
                 ? SIZE_MAX
                 : d.used + (size_t)n * sizeof *tok;
    if (tok) {
        st = strict(json, len, tok, n) ? walk(&d, tok, shape, out)
                                       : PE_ERR_JSON;
    }
    *arena_needed = d.used;
    if (st != PE_OK) {
        return st;
    }
    if (d.used > d.cap) {
        memset(out, 0, shape->size); /* no view into a half-filled arena */
        return PE_ERR_BUFFER_TOO_SMALL;
    }
    for (int k = 0; k < n; k++) {
        const jsmntok_t *t = &tok[k];
        if (t->type == JSMN_STRING &&
            !pe_jr_unescape_(json + t->start, (size_t)(t->end - t->start))) {
            return PE_ERR_JSON;
        }
    }
    return PE_OK;
}
