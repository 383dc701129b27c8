/*
 * build.c - the one request builder: walks an operation's input shape
 * (lib/ops_table.c) and writes the request target and JSON body.
 */
#include "pe_internal.h"
#include "pe_ops.h" /* PE_MODEL_MAX_DEPTH */

#include <stddef.h>
#include <string.h>

#if PE_MODEL_MAX_DEPTH > 16
#error "pe_build_body_ keeps one bit per nesting level in an unsigned"
#endif
#if PE_MODEL_MAX_DEPTH > PE_DIAG_MAX_DEPTH
#error "a member path in pe_diag_t must hold PE_MODEL_MAX_DEPTH steps"
#endif

typedef struct {
    pe_json_writer_t w;
    pe_diag_t *diag;
} builder_t;

/* Not static, so that the compiler keeps them out of their callers'
 * frames: pe_build's frame then holds only what the deepest path needs. */
pe_status_t pe_build_scalar_(builder_t *b, const pe_member_t *m,
                             const unsigned char *field, unsigned depth);
pe_status_t pe_build_body_(builder_t *b, const pe_shape_t *shape,
                           const unsigned char *obj);
pe_status_t pe_build_target_(builder_t *b, const pe_operation_t *op,
                             const unsigned char *in);

/* Records the member at nesting level `depth` (for diagnostics); levels
 * stay below PE_MODEL_MAX_DEPTH, failures at or below it. */
static void diag_step(builder_t *b, unsigned depth, const char *name,
                      int32_t index)
{
    if (b->diag) {
        b->diag->member[depth] = name;
        b->diag->index[depth] = index;
    }
}

static pe_status_t diag_fail(builder_t *b, unsigned depth, pe_status_t st,
                             const char *reason)
{
    if (b->diag) {
        b->diag->depth = (uint8_t)depth;
        b->diag->reason = reason;
    }
    return st;
}

static const void *load_ptr(const unsigned char *field)
{
    const void *p;
    memcpy(&p, field, sizeof p);
    return p;
}

/* The size_t at p: a pe_list_t's count or a pe_bytes_t's len (their data
 * pointers come first: load_ptr(field)). */
static size_t load_size(const unsigned char *p)
{
    size_t n;
    memcpy(&n, p, sizeof n);
    return n;
}

static size_t list_count(const unsigned char *field)
{
    return load_size(field + offsetof(pe_list_t, count));
}

/* Whether an optional member is present in its struct. */
static bool present(const pe_member_t *m, const unsigned char *field)
{
    switch (m->type) {
    case PE_T_BOOL: {
        pe_bool_t v;
        memcpy(&v, field, sizeof v);
        return v != PE_UNSET;
    }
    case PE_T_INT:
    case PE_T_DOUBLE:
    case PE_T_TIME: {
        /* every optional number starts with its `set` flag */
        bool set;
        memcpy(&set, field, sizeof set);
        return set;
    }
    default:
        /* strings and structs are pointers; blobs and lists start with
         * their data pointer */
        return load_ptr(field) != NULL;
    }
}

/* The value of a pe_opt_int_t or pe_opt_time_t (they share their layout). */
static int64_t load_int(const unsigned char *field)
{
    int64_t v;
    memcpy(&v, field + offsetof(pe_opt_int_t, value), sizeof v);
    return v;
}

/* Checks a string, blob, bool or integer value: a string is not NULL,
 * valid UTF-8 and, for an enum, one of the allowed values; a bool is
 * PE_TRUE or PE_FALSE; an integer is in its range. */
static pe_status_t check_scalar(builder_t *b, const pe_member_t *m,
                                const unsigned char *field, unsigned depth)
{
    const char *why;
    switch (m->type) {
    case PE_T_STRING: {
        const char *s = (const char *)load_ptr(field);
        const char *allowed = (const char *)m->ref; /* "A\0B\0\0" */
        if (!s) {
            why = "is NULL";
            break;
        }
        if (!pe_utf8_valid(s, strlen(s))) {
            return diag_fail(b, depth, PE_ERR_INVALID_UTF8,
                             "is not valid UTF-8");
        }
        if (!allowed) {
            return PE_OK;
        }
        for (; *allowed; allowed += strlen(allowed) + 1) {
            if (strcmp(allowed, s) == 0) {
                return PE_OK;
            }
        }
        why = "is not one of the allowed values";
        break;
    }
    case PE_T_BLOB:
    case PE_T_TIME:
        return PE_OK;
    case PE_T_BOOL: {
        pe_bool_t v;
        memcpy(&v, field, sizeof v);
        if (v == PE_TRUE || v == PE_FALSE) {
            return PE_OK;
        }
        why = "is not PE_TRUE, PE_FALSE or PE_UNSET";
        break;
    }
    case PE_T_INT: {
        const pe_range_t *r = (const pe_range_t *)m->ref;
        int64_t v = load_int(field);
        if (!r || (v >= r->min && v <= r->max)) {
            return PE_OK;
        }
        why = "is out of range";
        break;
    }
    default:
        return diag_fail(b, depth, PE_ERR_UNSUPPORTED,
                         "has a type no request carries");
    }
    return diag_fail(b, depth, PE_ERR_INVALID_ARGUMENT, why);
}

/* Writes a string, blob, bool or integer member as a JSON value. */
pe_status_t pe_build_scalar_(builder_t *b, const pe_member_t *m,
                             const unsigned char *field, unsigned depth)
{
    pe_status_t st = check_scalar(b, m, field, depth);
    if (st != PE_OK) {
        return st;
    }
    switch (m->type) {
    case PE_T_STRING: {
        const char *s = (const char *)load_ptr(field);
        pe_jw_string(&b->w, s, strlen(s));
        break;
    }
    case PE_T_BLOB:
        pe_jw_base64(&b->w, (const uint8_t *)load_ptr(field),
                     load_size(field + offsetof(pe_bytes_t, len)));
        break;
    case PE_T_BOOL: {
        pe_bool_t v;
        memcpy(&v, field, sizeof v);
        pe_jw_bool(&b->w, v == PE_TRUE);
        break;
    }
    default: /* PE_T_INT, PE_T_TIME */
        pe_jw_int(&b->w, load_int(field));
        break;
    }
    return PE_OK;
}

/* One open JSON container of the body: a structure's members or a list's
 * items. */
typedef struct {
    const pe_member_t *m;      /* the structure's members, or the element */
    const unsigned char *data; /* the structure, or the list's items */
    size_t count;              /* members or items */
    size_t next;               /* index of the next one */
} level_t;

/* Writes the body members of the input structure `obj` as a JSON object.
 * Iterates with one level_t per open container instead of recursing, so
 * that each nesting level costs 16 bytes of stack. */
pe_status_t pe_build_body_(builder_t *b, const pe_shape_t *shape,
                           const unsigned char *obj)
{
    level_t stack[PE_MODEL_MAX_DEPTH];
    level_t *top = stack; /* the innermost open container */
    unsigned lists = 0;   /* bit d: stack[d] is a list */

    top->m = shape->members;
    top->data = obj;
    top->count = shape->count;
    top->next = 0;
    pe_jw_object_begin(&b->w);
    for (;;) {
        /* stack[depth] holds the values of nesting level depth + 1 */
        unsigned depth = (unsigned)(top - stack);
        bool in_list = (lists >> depth) & 1u;
        const pe_member_t *m;
        const unsigned char *field;
        size_t i = top->next;

        if (i == top->count) {
            if (in_list) {
                pe_jw_array_end(&b->w);
            } else {
                pe_jw_object_end(&b->w);
            }
            if (top == stack) {
                return PE_OK;
            }
            top--;
            continue;
        }
        top->next = i + 1;
        if (in_list) {
            m = top->m;
            field = top->data + i * pe_item_size(m); /* structs inline */
            diag_step(b, depth, NULL, (int32_t)i);
        } else {
            m = &top->m[i];
            field = top->data + m->offset;
            if (m->flags & (PE_M_URI | PE_M_QUERY)) {
                continue;
            }
            diag_step(b, depth, m->name, -1);
            if (!present(m, field)) {
                if (m->type == PE_T_LIST && list_count(field) > 0) {
                    /* NULL items must not silently drop `count` elements */
                    return diag_fail(b, depth + 1, PE_ERR_INVALID_ARGUMENT,
                                     "has a count but no items");
                }
                if (m->flags & PE_M_REQUIRED) {
                    return diag_fail(b, depth + 1, PE_ERR_INVALID_ARGUMENT,
                                     "is required");
                }
                continue;
            }
            pe_jw_key(&b->w, m->name, strlen(m->name));
            if (m->type == PE_T_STRUCT) {
                field = (const unsigned char *)load_ptr(field);
            }
        }
        depth++; /* the value's level */
        if (m->type >= PE_T_STRUCT && depth >= PE_MODEL_MAX_DEPTH) {
            /* the tables never nest deeper: this bounds `stack` */
            return diag_fail(b, depth, PE_ERR_UNSUPPORTED,
                             "is nested too deeply");
        }
        if (m->type == PE_T_STRUCT) {
            const pe_shape_t *s = (const pe_shape_t *)m->ref;
            top++;
            top->m = s->members;
            top->data = field;
            top->count = s->count;
            lists &= ~(1u << depth);
            pe_jw_object_begin(&b->w);
        } else if (m->type == PE_T_LIST) {
            top++;
            top->m = (const pe_member_t *)m->ref;
            top->data = (const unsigned char *)load_ptr(field); /* items */
            top->count = list_count(field);
            lists |= 1u << depth;
            pe_jw_array_begin(&b->w);
        } else {
            pe_status_t st = pe_build_scalar_(b, m, field, depth);
            if (st != PE_OK) {
                return st;
            }
            continue;
        }
        top->next = 0;
    }
}

/* Path with its labels filled in and percent-encoded, then the query. */
pe_status_t pe_build_target_(builder_t *b, const pe_operation_t *op,
                             const unsigned char *in)
{
    const char *p = op->path;
    const char *label;
    size_t i = 0; /* the next member that may fill a label */
    char sep = '?';
    pe_status_t st;

    if (*p != '/') {
        pe_jw_put(&b->w, PE_PATH_PREFIX, sizeof PE_PATH_PREFIX - 1);
    }
    while ((label = strchr(p, PE_PATH_LABEL)) != NULL) {
        while (i < op->input->count &&
               !(op->input->members[i].flags & PE_M_URI)) {
            i++;
        }
        if (i == op->input->count) {
            return PE_ERR_UNSUPPORTED; /* the table's template is broken */
        }
        const pe_member_t *m = &op->input->members[i++];
        pe_jw_put(&b->w, p, (size_t)(label - p));
        const char *v = (const char *)load_ptr(in + m->offset);
        diag_step(b, 0, m->name, -1);
        if (!v) {
            return diag_fail(b, 1, PE_ERR_INVALID_ARGUMENT, "is required");
        }
        size_t len = strlen(v);
        if (len <= 2 && strspn(v, ".") == len) { /* "", "." or ".." */
            return diag_fail(b, 1, PE_ERR_INVALID_ARGUMENT,
                             "cannot name a resource in a URI path");
        }
        st = check_scalar(b, m, in + m->offset, 1);
        if (st != PE_OK) {
            return st;
        }
        pe_jw_uri(&b->w, v, len);
        p = label + 1;
    }
    pe_jw_put(&b->w, p, strlen(p));

    for (i = 0; i < op->input->count; i++) {
        const pe_member_t *m = &op->input->members[i];
        const unsigned char *field = in + m->offset;
        if (!(m->flags & PE_M_QUERY) || !present(m, field)) {
            continue;
        }
        diag_step(b, 0, m->name, -1);
        st = check_scalar(b, m, field, 1);
        if (st != PE_OK) {
            return st;
        }
        pe_jw_put(&b->w, &sep, 1);
        sep = '&';
        pe_jw_uri(&b->w, m->name, strlen(m->name));
        pe_jw_put(&b->w, "=", 1);
        if (m->type == PE_T_INT) {
            char num[20];
            pe_jw_put(&b->w, num, pe_fmt_i64(num, load_int(field)));
        } else {
            const char *v = (const char *)load_ptr(field);
            pe_jw_uri(&b->w, v, strlen(v));
        }
    }
    return PE_OK;
}

static bool has_body(const pe_shape_t *shape)
{
    const pe_member_t *m = shape->members; /* NULL when there are none */
    for (uint16_t n = shape->count; n > 0; n--, m++) {
        if (!(m->flags & (PE_M_URI | PE_M_QUERY))) {
            return true;
        }
    }
    return false;
}

pe_status_t pe_build(const pe_operation_t *op, const void *input, char *buf,
                     size_t cap, size_t *needed, pe_request_t *req,
                     pe_diag_t *diag)
{
    builder_t b;
    size_t target_len, body_off = 0, body_len = 0;
    pe_status_t st;

    if (diag) {
        memset(diag, 0, sizeof *diag);
    }
    if (!op || !input || !needed) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    pe_jw_init(&b.w, buf, cap);
    b.diag = diag;

    st = pe_build_target_(&b, op, (const unsigned char *)input);
    if (st != PE_OK) {
        return st;
    }
    target_len = b.w.len;
    pe_jw_put(&b.w, "", 1); /* NUL after the target */
    if (has_body(op->input)) {
        body_off = b.w.len;
        st = pe_build_body_(&b, op->input, (const unsigned char *)input);
        if (st != PE_OK) {
            return st;
        }
        body_len = b.w.len - body_off;
        pe_jw_put(&b.w, "", 1);
    }
    st = pe_jw_finish(&b.w, needed);
    if (st == PE_ERR_INVALID_UTF8 || st == PE_ERR_INVALID_ARGUMENT) {
        /* only strings can fail inside the writer; they are checked
         * before writing, so this is a writer limit (nesting) */
        return diag_fail(&b, 0, st, "cannot be written as JSON");
    }
    if (st != PE_OK) {
        return st;
    }
    if (req) {
        req->method = op->method;
        req->target = buf;
        req->target_len = target_len;
        req->body = body_off ? buf + body_off : NULL;
        req->body_len = body_len;
        req->content_type = body_off ? "application/json" : NULL;
    }
    return PE_OK;
}
