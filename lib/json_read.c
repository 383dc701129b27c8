/*
 * json_read.c - JSON text to typed structs, walking the same shape tables
 * as the builder. jsmn tokenizes; strings are unescaped in place.
 *
 * Two passes over the tokens: the first stores every member and takes
 * sub-structures, list items and blobs from the arena without touching the
 * text (so a call that finds the arena too small can be repeated on the
 * same text); the second unescapes the strings in place and NUL-terminates
 * them.
 */
#include "pe_crypto.h"
#include "pe_ops.h" /* PE_MODEL_MAX_DEPTH */

#include <limits.h>
#include <stddef.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#define ALIGN 8u

typedef struct {
    const char *js;
    const jsmntok_t *tok;
    unsigned char *arena;
    size_t cap;
    size_t used; /* arena bytes needed so far (may exceed cap) */
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
        d->diag->depth =
            (uint8_t)(depth < PE_DIAG_MAX_DEPTH ? depth : PE_DIAG_MAX_DEPTH);
        d->diag->reason = reason;
    }
    return PE_ERR_JSON;
}

static void step(decoder_t *d, unsigned depth, const char *name, int32_t index)
{
    if (d->diag && depth < PE_DIAG_MAX_DEPTH) {
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

/* Index of the token after the subtree starting at i. */
static int skip(const jsmntok_t *t, int i)
{
    int pending = 1;
    while (pending-- > 0) {
        pending += t[i].size;
        i++;
    }
    return i;
}

static void store_ptr(unsigned char *field, const void *p)
{
    if (field) {
        memcpy(field, &p, sizeof p);
    }
}

/* The literals: "true", "false" and "null" at 0, 5 and 11. */
static const char lits[] = "true\0false\0null";

static bool is_literal(const char *js, const jsmntok_t *t, const char *lit)
{
    size_t n = strlen(lit);
    return t->type == JSMN_PRIMITIVE && (size_t)(t->end - t->start) == n &&
           memcmp(js + t->start, lit, n) == 0;
}

/* Decodes the number at token t into field (NULL: check only) as the
 * member type says (0: the RFC 8259 grammar only); NULL or why not. At
 * most 19 significant digits are kept, the rest only scale. */
static const char *number(const char *js, const jsmntok_t *t, unsigned type,
                          unsigned char *field)
{
    const char *s = js + t->start;
    size_t n = (size_t)(t->end - t->start);
    bool frac = type != PE_T_INT;
    const char *bad = frac ? "must be a number" : "must be an integer";
    bool neg = n > 0 && s[0] == '-', eneg = false, seen = false;
    uint64_t mant = 0;
    int exp10 = 0, digits = 0, e = 0;
    int part = 0; /* 0: integer, 1: fraction, 2: exponent */
    int64_t iv = 0;
    double dv = 0.0;

    if (t->type != JSMN_PRIMITIVE ||
        (n > neg + 1u && s[neg] == '0' && (unsigned)(s[neg + 1] - '0') <= 9u)) {
        return bad; /* not a primitive, or a leading zero */
    }
    for (size_t i = neg; i < n; i++) {
        unsigned c = (unsigned char)s[i], dgt = c - '0';
        if (dgt <= 9u) {
            seen = true;
            if (part == 2) {
                if (e < 10000) {
                    e = e * 10 + (int)dgt;
                }
            } else if (digits < 19) {
                mant = mant * 10u + dgt;
                digits += mant != 0;
                exp10 -= part;
            } else {
                exp10 += 1 - part;
            }
            continue;
        }
        if (!seen || !frac) {
            return bad;
        }
        if (c == '.' && part == 0) {
            part = 1;
        } else if ((c | 0x20u) == 'e' && part < 2) {
            part = 2;
            if (i + 1 < n && (s[i + 1] == '+' || s[i + 1] == '-')) {
                eneg = s[++i] == '-';
            }
        } else {
            return bad;
        }
        seen = false;
    }
    if (!seen) {
        return bad;
    }
    if (!type) {
        return NULL;
    }
    exp10 += eneg ? -e : e;
    if (!frac) {
        /* more than 19 significant digits is out of range anyway */
        if (exp10 != 0 || mant > (uint64_t)INT64_MAX + neg) {
            return bad;
        }
        iv = neg ? (int64_t)(0 - mant) : (int64_t)mant;
    } else {
        /* Powers of ten up to 1e22 are exact doubles (10.0 multiplied up
         * exactly): with a mantissa below 2^53 one multiplication or
         * division rounds correctly (Clinger's fast path). Beyond it,
         * repeated scaling is close. */
        bool fast;
        double p = 1.0;
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
        if (type == PE_T_TIME && !(dv < 9.2e18)) { /* dv >= 0 here */
            return "is out of range";
        }
        dv = neg ? -dv : dv;
        if (type == PE_T_TIME) { /* whole seconds, rounded down */
            iv = (int64_t)dv;
            if ((double)iv > dv) {
                iv--;
            }
        }
    }
    if (field) {
        const bool set = true; /* the first member of all three types */
        memcpy(field, &set, sizeof set);
        if (type == PE_T_DOUBLE) {
            memcpy(field + offsetof(pe_opt_double_t, value), &dv, sizeof dv);
        } else if (type == PE_T_TIME) {
            memcpy(field + offsetof(pe_opt_time_t, seconds), &iv, sizeof iv);
        } else {
            memcpy(field + offsetof(pe_opt_int_t, value), &iv, sizeof iv);
        }
    }
    return NULL;
}

/* Decodes the base64 string text[0..len) into arena memory and field. */
static const char *blob(decoder_t *d, const char *text, size_t len,
                        unsigned char *field)
{
    pe_bytes_t v;
    size_t max = len / 4u * 3u + 3u;
    unsigned char *buf;
    if (memchr(text, '\\', len)) {
        return "must be a base64 string";
    }
    buf = (unsigned char *)take(d, max);
    if (buf) {
        if (pe_base64_decode(buf, max, &v.len, text, len) != 0) {
            return "is not valid base64";
        }
        v.data = buf;
        if (field) {
            memcpy(field, &v, sizeof v);
        }
    }
    return NULL;
}

/* Decodes the scalar (string, blob, bool, number) at token t into field
 * (NULL: only count the arena); NULL or why not. */
static const char *scalar(decoder_t *d, const pe_member_t *m,
                          const jsmntok_t *t, unsigned char *field)
{
    const char *text = d->js + t->start;
    size_t len = (size_t)(t->end - t->start);

    switch (m->type) {
    case PE_T_STRING:
        if (t->type != JSMN_STRING) {
            return "must be a string";
        }
        store_ptr(field, text);
        return NULL;
    case PE_T_BLOB:
        if (t->type != JSMN_STRING) {
            return "must be a base64 string";
        }
        return blob(d, text, len, field);
    case PE_T_BOOL: {
        pe_bool_t v = is_literal(d->js, t, lits)       ? PE_TRUE
                      : is_literal(d->js, t, lits + 5) ? PE_FALSE
                                                       : PE_UNSET;
        if (v == PE_UNSET) {
            return "must be true or false";
        }
        if (field) {
            memcpy(field, &v, sizeof v);
        }
        return NULL;
    }
    case PE_T_INT:
    case PE_T_TIME:
    case PE_T_DOUBLE:
        return number(d->js, t, m->type, field);
    default:
        return "has an unknown type";
    }
}

static const pe_member_t *find_member(const pe_shape_t *shape, const char *s,
                                      size_t len)
{
    for (uint16_t k = 0; k < shape->count; k++) {
        const pe_member_t *m = &shape->members[k];
        if (strlen(m->name) == len && memcmp(m->name, s, len) == 0) {
            return m;
        }
    }
    return NULL;
}

/* Decodes the object at token 0 into out, iteratively: lv[top] is the
 * innermost open object or array (level top; its members are at level
 * top + 1). Struct list items are stored in place, other structs are
 * pointed to. The tables never nest deeper than PE_MODEL_MAX_DEPTH, nor
 * may the text. Stops at the first failure. */
static pe_status_t walk(decoder_t *d, const pe_shape_t *shape,
                        unsigned char *out)
{
    level_t lv[PE_MODEL_MAX_DEPTH];
    unsigned top = 0;
    int i = 1;

    lv[0].ref = shape;
    lv[0].base = out;
    lv[0].tok = d->tok;
    lv[0].k = 0;
    for (;;) {
        level_t *l = &lv[top];
        const jsmntok_t *t;
        const pe_member_t *m;
        unsigned char *field = NULL;
        const void *ref = NULL; /* the struct or list entered, if any */
        const char *why = NULL;
        if (l->k == l->tok->size) {
            if (top == 0) {
                return PE_OK;
            }
            top--;
            continue;
        }
        if (l->tok->type == JSMN_OBJECT) {
            const jsmntok_t *key = &d->tok[i++];
            l->k++;
            if (key->type != JSMN_STRING || key->size != 1) {
                /* jsmn does not check that a key has one value: without
                 * this, {"A":{"B"}} would read a value token past the
                 * last one */
                return fail(d, top, "has a key without exactly one value");
            }
            m = find_member((const pe_shape_t *)l->ref, d->js + key->start,
                            (size_t)(key->end - key->start));
            if (!m || is_literal(d->js, &d->tok[i], lits + 11)) {
                i = skip(d->tok, i); /* unknown member or explicit null */
                continue;
            }
            step(d, top, m->name, -1);
            if (l->base) {
                field = l->base + m->offset;
            }
        } else {
            m = (const pe_member_t *)l->ref;
            step(d, top, NULL, (int32_t)l->k);
            if (l->base) {
                field = l->base + (size_t)l->k * pe_item_size(m);
            }
            l->k++;
        }
        t = &d->tok[i++];
        if (t->type != JSMN_OBJECT && t->type != JSMN_ARRAY && t->size != 0) {
            /* jsmn hangs a value on a string after ':' anywhere */
            why = "is malformed";
        } else if (m->type < PE_T_STRUCT) {
            why = scalar(d, m, t, field);
            if (!why) {
                continue;
            }
        } else if (top + 1 >= PE_MODEL_MAX_DEPTH) {
            why = "is nested too deeply";
        } else if (m->type == PE_T_STRUCT) {
            const pe_shape_t *sub = (const pe_shape_t *)m->ref;
            if (t->type != JSMN_OBJECT) {
                return fail(d, top + 1, "must be an object");
            }
            if (l->tok->type == JSMN_OBJECT) { /* not a list item */
                unsigned char *obj = (unsigned char *)take(d, sub->size);
                store_ptr(obj ? field : NULL, obj);
                field = obj;
            }
            ref = sub;
        } else if (m->type == PE_T_LIST) {
            const pe_member_t *elem = (const pe_member_t *)m->ref;
            size_t count = (size_t)t->size;
            unsigned char *items;
            if (t->type != JSMN_ARRAY) {
                return fail(d, top + 1, "must be an array");
            }
            /* an empty list is present: give it a non-NULL items pointer */
            if (count > SIZE_MAX / pe_item_size(elem)) {
                d->used = SIZE_MAX; /* no arena holds it */
                items = NULL;
            } else {
                items = (unsigned char *)take(
                    d, count ? count * pe_item_size(elem) : 1u);
            }
            if (items && field) {
                pe_list_t list = {items, count};
                memcpy(field, &list, sizeof list);
            }
            ref = elem;
            field = items;
        } else {
            why = "has an unknown type";
        }
        if (!ref) {
            return fail(d, top + 1, why);
        }
        /* into the object or list: its members or items are next */
        l = &lv[++top];
        l->ref = ref;
        l->base = field;
        l->tok = t;
        l->k = 0;
    }
}

/* The four hex digits at s[0..4) into *v; false if one is not. */
static bool hex4(const char *s, uint32_t *v)
{
    *v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned c = (unsigned char)s[k];
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

/* Unescapes s[0..len) in place and NUL-terminates it (the closing quote
 * leaves room). False for \u0000, a lone surrogate, a bad escape or a raw
 * control character. */
static bool unescape(char *s, size_t len)
{
    static const char esc[] = "b\bf\fn\nr\rt\t\"\"\\\\//"; /* pairs */
    size_t r = 0, w = 0;
    while (r < len) {
        char c = s[r++];
        uint32_t cp, lo;
        size_t n;
        if (c != '\\') {
            if ((unsigned char)c < 0x20u) {
                return false;
            }
            s[w++] = c;
            continue;
        }
        if (r >= len) {
            return false;
        }
        c = s[r++];
        if (c != 'u') {
            const char *e = esc;
            while (*e && *e != c) {
                e += 2;
            }
            if (!*e) {
                return false;
            }
            s[w++] = e[1];
            continue;
        }
        if (r + 4 > len || !hex4(s + r, &cp)) {
            return false;
        }
        r += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (r + 6 > len || s[r] != '\\' || s[r + 1] != 'u' ||
                !hex4(s + r + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                return false;
            }
            r += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if ((cp >= 0xDC00 && cp <= 0xDFFF) || cp == 0) {
            return false;
        }
        /* UTF-8, never longer than the escape it replaces: n bytes, the
         * lead one marked with n high bits */
        if (cp < 0x80) {
            s[w++] = (char)cp;
            continue;
        }
        n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        for (size_t k = n - 1; k > 0; k--) {
            s[w + k] = (char)(0x80 | (cp & 0x3F));
            cp >>= 6;
        }
        s[w] = (char)(((0xFF00u >> n) & 0xFFu) | cp);
        w += n;
    }
    s[w] = '\0';
    return true;
}

/* True when text[from..to) is whitespace around exactly one sep (sep 0:
 * whitespace only). Any byte 0x01-0x20 passes for whitespace: outside
 * strings jsmn refuses the other control characters, up to a NUL where it
 * stops (and which fails here). */
static bool gap(const char *text, size_t from, size_t to, char sep)
{
    bool seen = sep == 0;
    for (; from < to; from++) {
        char c = text[from];
        if (c == sep && !seen) {
            seen = true;
        } else if ((unsigned char)c - 1u >= 0x20u) {
            return false;
        }
    }
    return seen && from == to;
}

/* Where the text of token t starts and ends (a string's quotes in). */
static size_t text_start(const jsmntok_t *t)
{
    return (size_t)t->start - (t->type == JSMN_STRING);
}

static size_t text_end(const jsmntok_t *t)
{
    return (size_t)t->end + (t->type == JSMN_STRING);
}

/* What jsmn lets by and RFC 8259 does not: primitives other than numbers
 * and literals, and punctuation between tokens other than "," between
 * items, ":" after a key (a string with one value) and nothing else. Each
 * object or array walks its items with skip: tokens x depth steps, as in
 * jsmn. Raw control characters in strings are for unescape. */
static bool strict(const char *js, const jsmntok_t *tok, int ntok)
{
    for (int k = 0; k < ntok; k++) {
        const jsmntok_t *c = &tok[k];
        size_t at = (size_t)c->start + 1u; /* past the opener */
        int j = k + 1;
        if (c->type == JSMN_PRIMITIVE) {
            const char *l = lits;
            while (l < lits + sizeof lits && !is_literal(js, c, l)) {
                l += strlen(l) + 1;
            }
            if (l == lits + sizeof lits && number(js, c, 0, NULL)) {
                return false;
            }
            continue;
        }
        if (c->type == JSMN_STRING) {
            continue;
        }
        for (int n = 0; n < c->size; n++) {
            const jsmntok_t *v = &tok[j];
            if (!gap(js, at, text_start(v), n ? ',' : 0)) {
                return false;
            }
            if (c->type == JSMN_OBJECT) {
                if (v->size != 1) { /* jsmn hangs only strings on objects */
                    return false;
                }
                at = text_end(v);
                v = &tok[++j];
                if (!gap(js, at, text_start(v), ':')) {
                    return false;
                }
            }
            if (v->size != 0 && v->type != JSMN_OBJECT &&
                v->type != JSMN_ARRAY) {
                return false; /* a value hung on a value */
            }
            at = text_end(v);
            j = skip(tok, j);
        }
        if (!gap(js, at, (size_t)c->end - 1u, 0)) {
            return false;
        }
    }
    return true;
}

pe_status_t pe_json_decode(const pe_shape_t *shape, char *json, size_t len,
                           void *out, void *arena, size_t arena_cap,
                           size_t *arena_needed, pe_diag_t *diag)
{
    jsmn_parser parser;
    decoder_t d;
    int ntok;
    size_t tok_bytes, lead;
    pe_status_t st = PE_OK;

    if (diag) {
        memset(diag, 0, sizeof *diag);
    }
    if (!shape || !json || !out || !arena_needed || len > (size_t)INT_MAX ||
        (!arena && arena_cap)) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    /* the arena may start anywhere: begin at an aligned address */
    lead = (ALIGN - (size_t)((uintptr_t)arena % ALIGN)) % ALIGN;
    if (arena_cap <= lead) {
        arena_cap = 0;
    } else {
        arena = (unsigned char *)arena + lead;
        arena_cap -= lead;
    }
    jsmn_init(&parser);
    ntok = jsmn_parse(&parser, json, len, NULL, 0);
    if (ntok < 1) {
        return PE_ERR_JSON;
    }
    tok_bytes = (size_t)ntok * sizeof(jsmntok_t);
    *arena_needed = lead + tok_bytes;
    if (arena_cap < tok_bytes) {
        return PE_ERR_BUFFER_TOO_SMALL; /* a lower bound, see pe_model.h */
    }
    jsmn_init(&parser);
    if (jsmn_parse(&parser, json, len, (jsmntok_t *)arena,
                   (unsigned)ntok) != ntok) {
        return PE_ERR_JSON;
    }

    d.js = json;
    d.tok = (const jsmntok_t *)arena;
    d.arena = (unsigned char *)arena;
    d.cap = arena_cap;
    d.used = tok_bytes;
    d.diag = diag;
    if (d.tok[0].type != JSMN_OBJECT || skip(d.tok, 0) != ntok ||
        !gap(json, 0, (size_t)d.tok[0].start, 0) ||
        !gap(json, (size_t)d.tok[0].end, len, 0)) {
        return PE_ERR_JSON; /* jsmn lets "," or ":" around the object by */
    }
    memset(out, 0, shape->size);
    st = walk(&d, shape, (unsigned char *)out);
    *arena_needed = lead + d.used;
    if (st != PE_OK) {
        return st;
    }
    if (!strict(json, d.tok, ntok)) {
        return PE_ERR_JSON; /* after walk: a type mismatch keeps its path */
    }
    if (d.used > d.cap) {
        memset(out, 0, shape->size); /* no view into a half-filled arena */
        return PE_ERR_BUFFER_TOO_SMALL;
    }
    for (int k = 0; k < ntok; k++) {
        const jsmntok_t *t = &d.tok[k];
        if (t->type == JSMN_STRING &&
            !unescape(json + t->start, (size_t)(t->end - t->start))) {
            return PE_ERR_JSON;
        }
    }
    return PE_OK;
}
