/*
 * fuzz_common.h - helpers shared by the libFuzzer targets in tests/fuzz/.
 *
 * A broken invariant prints what and where, then abort()s: libFuzzer then
 * reports a crash and saves the input that caused it.
 */
#ifndef PE_FUZZ_COMMON_H
#define PE_FUZZ_COMMON_H

#include "pe_model.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, ...)                                                \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "FUZZ INVARIANT BROKEN at %s:%d: %s\n  ",        \
                    __FILE__, __LINE__, #cond);                              \
            fprintf(stderr, __VA_ARGS__);                                    \
            fprintf(stderr, "\n");                                           \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* FUZZ_VERBOSE=1 in the environment: each target says what it did with
 * an input (to check that seeds reach the paths they are meant for). */
static inline int fuzz_verbose(void)
{
    static int v = -1;
    if (v < 0) {
        v = getenv("FUZZ_VERBOSE") != NULL;
    }
    return v;
}
#define FUZZ_LOG(...)                                                        \
    do {                                                                     \
        if (fuzz_verbose()) {                                                \
            fprintf(stderr, __VA_ARGS__);                                    \
        }                                                                    \
    } while (0)

/* Number of operations in pe_operations[]. */
static inline size_t fuzz_op_count(void)
{
    size_t n = 0;
    while (pe_operations[n]) {
        n++;
    }
    return n;
}

/* A heap copy of exactly len bytes (at least 1 allocated, so the pointer is
 * never NULL): ASan then sees any read or write past the end. */
static inline char *fuzz_dup(const uint8_t *data, size_t len)
{
    char *p = (char *)malloc(len ? len : 1);
    if (!p) {
        abort();
    }
    if (len) {
        memcpy(p, data, len);
    }
    return p;
}

/* ------------------------------------------------------------------ */
/* Views of a decoded struct: every pointer pe_json_decode stores must  */
/* point into the JSON text (strings, NUL-terminated there) or into the */
/* arena (structs, list items, blobs), whole.                           */

typedef struct {
    const char *json;
    size_t json_len;
    const unsigned char *arena;
    size_t arena_cap;
} fuzz_views_t;

static inline const void *fuzz_load_ptr(const unsigned char *field)
{
    const void *p;
    memcpy(&p, field, sizeof p);
    return p;
}

static inline int fuzz_in_arena(const fuzz_views_t *v, const void *p,
                                size_t size)
{
    const unsigned char *q = (const unsigned char *)p;
    return v->arena && q >= v->arena && q <= v->arena + v->arena_cap &&
           size <= (size_t)(v->arena + v->arena_cap - q);
}

static inline void fuzz_check_object(const fuzz_views_t *v, const pe_shape_t *shape,
                              const unsigned char *obj, unsigned depth);

static inline void fuzz_check_value(const fuzz_views_t *v, const pe_member_t *m,
                             const unsigned char *field, int inline_struct,
                             unsigned depth)
{
    FUZZ_CHECK(depth < 64, "nesting deeper than any shape");
    switch (m->type) {
    case PE_T_STRING: {
        const char *s = (const char *)fuzz_load_ptr(field);
        if (s) {
            FUZZ_CHECK(s >= v->json && s < v->json + v->json_len,
                       "string %s outside the JSON text", m->name ? m->name : "[]");
            FUZZ_CHECK(memchr(s, '\0', (size_t)(v->json + v->json_len - s)),
                       "string %s not NUL-terminated inside the text",
                       m->name ? m->name : "[]");
        }
        break;
    }
    case PE_T_BLOB: {
        pe_bytes_t b;
        memcpy(&b, field, sizeof b);
        if (b.data) {
            FUZZ_CHECK(fuzz_in_arena(v, b.data, b.len),
                       "blob %s (%zu bytes) outside the arena",
                       m->name ? m->name : "[]", b.len);
        } else {
            FUZZ_CHECK(b.len == 0, "absent blob with a length");
        }
        break;
    }
    case PE_T_BOOL: {
        pe_bool_t b;
        memcpy(&b, field, sizeof b);
        FUZZ_CHECK(b == PE_UNSET || b == PE_FALSE || b == PE_TRUE,
                   "bool %s = %d", m->name ? m->name : "[]", (int)b);
        break;
    }
    case PE_T_INT:
    case PE_T_TIME:
    case PE_T_DOUBLE: {
        unsigned char set;
        memcpy(&set, field, 1);
        FUZZ_CHECK(set <= 1, "number %s: set flag %u", m->name ? m->name : "[]",
                   set);
        break;
    }
    case PE_T_STRUCT: {
        const pe_shape_t *sub = (const pe_shape_t *)m->ref;
        const unsigned char *obj =
            inline_struct ? field : (const unsigned char *)fuzz_load_ptr(field);
        if (obj) {
            if (!inline_struct) {
                FUZZ_CHECK(fuzz_in_arena(v, obj, sub->size),
                           "struct %s outside the arena", m->name ? m->name : "[]");
            }
            fuzz_check_object(v, sub, obj, depth + 1);
        }
        break;
    }
    case PE_T_LIST: {
        const pe_member_t *elem = (const pe_member_t *)m->ref;
        size_t size = elem->type == PE_T_STRUCT
                          ? ((const pe_shape_t *)elem->ref)->size
                          : sizeof(const char *);
        pe_list_t list;
        memcpy(&list, field, sizeof list);
        if (!list.items) {
            FUZZ_CHECK(list.count == 0, "absent list %s with a count",
                       m->name ? m->name : "[]");
            break;
        }
        FUZZ_CHECK(list.count <= v->arena_cap / size + 1 &&
                       fuzz_in_arena(v, list.items, list.count * size),
                   "list %s (%zu items) outside the arena",
                   m->name ? m->name : "[]", list.count);
        for (size_t k = 0; k < list.count; k++) {
            fuzz_check_value(v, elem,
                             (const unsigned char *)list.items + k * size, 1,
                             depth + 1);
        }
        break;
    }
    default:
        FUZZ_CHECK(0, "member %s has unknown type %u", m->name ? m->name : "[]",
                   m->type);
    }
}

static inline void fuzz_check_object(const fuzz_views_t *v, const pe_shape_t *shape,
                              const unsigned char *obj, unsigned depth)
{
    for (uint16_t k = 0; k < shape->count; k++) {
        const pe_member_t *m = &shape->members[k];
        fuzz_check_value(v, m, obj + m->offset, 0, depth);
    }
}

/* Whether all n bytes at p are zero. */
static inline int fuzz_all_zero(const void *p, size_t n)
{
    const unsigned char *q = (const unsigned char *)p;
    for (size_t i = 0; i < n; i++) {
        if (q[i]) {
            return 0;
        }
    }
    return 1;
}

#endif /* PE_FUZZ_COMMON_H */
