/*
 * build.c - the one request builder: walks an operation's input shape
 * (lib/ops_table.c) and writes the request target and JSON body. Scalars
 * other than strings are written by their kind (pe_kind_t), so only the
 * kinds an image's tables name are linked.
 */
#include "pe_internal.h"
#include "pe_ops.h" /* PE_MODEL_MAX_DEPTH */

#include <stddef.h>
#include <string.h>

#if PE_MODEL_MAX_DEPTH > PE_DIAG_MAX_DEPTH
#error "a member path in pe_diag_t must hold PE_MODEL_MAX_DEPTH steps"
#endif

typedef struct pe_builder {
    pe_json_writer_t w; /* the counting buffer; its JSON state is unused */
    pe_diag_t *diag;
} builder_t;

/* Not static, so that the compiler keeps it out of its caller's frame:
 * pe_build's frame then holds only what the deepest path needs. */
pe_status_t pe_build_body_(builder_t *b, const pe_shape_t *shape,
                           const unsigned char *obj);

static void put(builder_t *b, const char *s, size_t len)
{
    pe_jw_put(&b->w, s, len);
}

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

/* Whether an optional member is present in its struct. */
static bool present(const pe_member_t *m, const unsigned char *field)
{
    if (m->type == PE_T_BOOL) {
        pe_bool_t v;
        memcpy(&v, field, sizeof v);
        return v != PE_UNSET;
    }
    if (m->type >= PE_T_INT && m->type <= PE_T_TIME) {
        /* every optional number starts with its `set` flag */
        bool set;
        memcpy(&set, field, sizeof set);
        return set;
    }
    /* strings and structs are pointers; blobs and lists start with their
     * data pointer */
    return load_ptr(field) != NULL;
}

/* ------------------------------------------------------------ kinds */

/* pe_opt_int_t and pe_opt_time_t share their layout. */
const char *pe_put_int_(builder_t *b, const unsigned char *field,
                        const void *arg)
{
    const pe_range_t *r = (const pe_range_t *)arg;
    char num[20];
    int64_t v;
    memcpy(&v, field + offsetof(pe_opt_int_t, value), sizeof v);
    if (r && (v < r->min || v > r->max)) {
        return "is out of range";
    }
    put(b, num, pe_fmt_i64(num, v));
    return NULL;
}

/* A string (written by the builder) among the allowed values arg. */
const char *pe_put_enum_(builder_t *b, const unsigned char *field,
                         const void *arg)
{
    const char *s = (const char *)load_ptr(field);
    const char *allowed = (const char *)arg; /* "A\0B\0\0" */
    (void)b;
    for (; *allowed; allowed += strlen(allowed) + 1) {
        if (strcmp(allowed, s) == 0) {
            return NULL;
        }
    }
    return "is not one of the allowed values";
}

static const char *put_bool(builder_t *b, const unsigned char *field,
                            const void *arg)
{
    pe_bool_t v;
    (void)arg;
    memcpy(&v, field, sizeof v);
    if (v != PE_TRUE && v != PE_FALSE) {
        return "is not PE_TRUE, PE_FALSE or PE_UNSET";
    }
    put(b, v == PE_TRUE ? "true" : "false", v == PE_TRUE ? 4 : 5);
    return NULL;
}

static const char *put_blob(builder_t *b, const unsigned char *field,
                            const void *arg)
{
    (void)arg;
    pe_jw_b64(&b->w, (const uint8_t *)load_ptr(field),
              load_size(field + offsetof(pe_bytes_t, len)));
    return NULL;
}

const pe_kind_t pe_kind_blob = {put_blob, pe_get_blob_, NULL};
const pe_kind_t pe_kind_bool = {put_bool, pe_get_bool_, NULL};
const pe_kind_t pe_kind_int = PE_KIND_INT(NULL);
const pe_kind_t pe_kind_double = {NULL, pe_get_double_, NULL};
const pe_kind_t pe_kind_time = {pe_put_int_, pe_get_time_, NULL};

/* ------------------------------------------------------------ values */

/* Checks and writes the scalar member m at field: a string with `put_str`
 * (as a JSON string, or percent-encoded for the target), then its kind's
 * check; other types by their kind. */
static pe_status_t put_scalar(builder_t *b, const pe_member_t *m,
                              const unsigned char *field, unsigned depth,
                              void (*put_str)(pe_json_writer_t *w,
                                              const char *s, size_t len))
{
    const pe_kind_t *k = (const pe_kind_t *)m->ref;
    pe_status_t st = PE_ERR_INVALID_ARGUMENT;
    const char *why = NULL;
    if (m->type == PE_T_STRING) {
        const char *s = (const char *)load_ptr(field);
        why = "is NULL";
        if (s) {
            put_str(&b->w, s, strlen(s));
            why = NULL;
            if (b->w.status == PE_ERR_INVALID_UTF8) {
                st = PE_ERR_INVALID_UTF8;
                why = "is not valid UTF-8";
            } else if (!k) {
                return PE_OK;
            }
        }
    }
    if (!why && (!k || !k->put)) {
        st = PE_ERR_UNSUPPORTED;
        why = "has a type no request carries";
    } else if (!why) {
        why = k->put(b, field, k->arg);
    }
    return why ? diag_fail(b, depth, st, why) : PE_OK;
}

/* One open JSON container of the body: a structure's members or a list's
 * items. */
typedef struct {
    const pe_member_t *m;      /* the structure's members, or the element */
    const unsigned char *data; /* the structure, or the list's items */
    size_t count;              /* members or items */
    size_t next;               /* index of the next one */
    size_t stride;             /* a list's item size; 0: a structure */
    size_t start;              /* the text's length after its bracket */
} level_t;

/* Writes the body members of the input structure `obj` as a JSON object.
 * Iterates with one level_t per open container instead of recursing. */
pe_status_t pe_build_body_(builder_t *b, const pe_shape_t *shape,
                           const unsigned char *obj)
{
    level_t stack[PE_MODEL_MAX_DEPTH];
    level_t *top = stack; /* the innermost open container */
    const pe_member_t *m = NULL;
    const unsigned char *field = obj;

    for (;;) {
        /* here: open the structure or list m (NULL: shape) at field */
        unsigned depth;
        char c = '{';
        if (m && m->type == PE_T_LIST) {
            c = '[';
            top->m = (const pe_member_t *)m->ref;
            top->data = (const unsigned char *)load_ptr(field); /* items */
            top->count = load_size(field + offsetof(pe_list_t, count));
            top->stride = pe_item_size(top->m);
        } else {
            if (m) {
                shape = (const pe_shape_t *)m->ref;
            }
            top->m = shape->members;
            top->data = field;
            top->count = shape->count;
            top->stride = 0;
        }
        top->next = 0;
        put(b, &c, 1);
        top->start = b->w.len;
        for (;;) {
            size_t i = top->next++;
            depth = (unsigned)(top - stack);
            if (i == top->count) {
                put(b, top->stride ? "]" : "}", 1);
                if (top == stack) {
                    return PE_OK;
                }
                top--;
                continue;
            }
            if (top->stride) {
                m = top->m;
                field = top->data + i * top->stride; /* structs inline */
                diag_step(b, depth, NULL, (int32_t)i);
            } else {
                m = &top->m[i];
                field = top->data + m->offset;
                if (m->flags & (PE_M_URI | PE_M_QUERY)) {
                    continue;
                }
                diag_step(b, depth, m->name, -1);
                if (!present(m, field)) {
                    /* NULL items must not silently drop elements */
                    const char *why =
                        m->type == PE_T_LIST &&
                                load_size(field + offsetof(pe_list_t, count))
                            ? "has a count but no items"
                        : m->flags & PE_M_REQUIRED ? "is required"
                                                   : NULL;
                    if (why) {
                        return diag_fail(b, depth + 1,
                                         PE_ERR_INVALID_ARGUMENT, why);
                    }
                    continue;
                }
            }
            if (b->w.len != top->start) {
                put(b, ",", 1);
            }
            if (!top->stride) {
                pe_jw_quoted(&b->w, m->name, strlen(m->name));
                put(b, ":", 1);
                if (m->type == PE_T_STRUCT) {
                    field = (const unsigned char *)load_ptr(field);
                }
            }
            if (m->type >= PE_T_STRUCT) {
                break;
            }
            pe_status_t st = put_scalar(b, m, field, depth + 1, pe_jw_quoted);
            if (st != PE_OK) {
                return st;
            }
        }
        if (depth + 1 >= PE_MODEL_MAX_DEPTH) {
            /* the tables never nest deeper: this bounds `stack` */
            return diag_fail(b, depth + 1, PE_ERR_UNSUPPORTED,
                             "is nested too deeply");
        }
        top++;
    }
}

/* The path's labels filled in and percent-encoded, then the query. */
pe_status_t pe_build_target(builder_t *b, const pe_operation_t *op,
                            const unsigned char *in)
{
    const pe_member_t *members = op->input->members;
    size_t count = op->input->count;
    const char *p = op->path;
    const char *label;
    size_t i = 0; /* the next member that may fill a label */
    char sep = '?';
    pe_status_t st;

    while ((label = strchr(p, PE_PATH_LABEL)) != NULL) {
        while (i < count && !(members[i].flags & PE_M_URI)) {
            i++;
        }
        if (i == count) {
            return PE_ERR_UNSUPPORTED; /* the table's template is broken */
        }
        const pe_member_t *m = &members[i++];
        const char *v = (const char *)load_ptr(in + m->offset);
        put(b, p, (size_t)(label - p));
        diag_step(b, 0, m->name, -1);
        if (!v) {
            return diag_fail(b, 1, PE_ERR_INVALID_ARGUMENT, "is required");
        }
        if (strlen(v) <= 2 && strspn(v, ".") == strlen(v)) {
            /* "", "." or ".." */
            return diag_fail(b, 1, PE_ERR_INVALID_ARGUMENT,
                             "cannot name a resource in a URI path");
        }
        st = put_scalar(b, m, in + m->offset, 1, pe_jw_uri);
        if (st != PE_OK) {
            return st;
        }
        p = label + 1;
    }
    put(b, p, strlen(p));

    for (i = 0; i < count; i++) {
        const pe_member_t *m = &members[i];
        const unsigned char *field = in + m->offset;
        if (!(m->flags & PE_M_QUERY) || !present(m, field)) {
            continue;
        }
        diag_step(b, 0, m->name, -1);
        put(b, &sep, 1);
        sep = '&';
        pe_jw_uri(&b->w, m->name, strlen(m->name));
        put(b, "=", 1);
        st = put_scalar(b, m, field, 1, pe_jw_uri);
        if (st != PE_OK) {
            return st;
        }
    }
    return PE_OK;
}

pe_status_t pe_build(const pe_operation_t *op, const void *input, char *buf,
                     size_t cap, size_t *needed, pe_request_t *req,
                     pe_diag_t *diag)
{
    const unsigned char *in = (const unsigned char *)input;
    builder_t b;
    size_t target_len, body_off = 0, body_len = 0;
    unsigned where = 0; /* PE_M_URI, PE_M_QUERY, and 1: in the body */
    pe_status_t st = PE_OK;

    if (diag) {
        memset(diag, 0, sizeof *diag);
    }
    if (!op || !input || !needed) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    for (uint16_t i = 0; i < op->input->count; i++) {
        unsigned f = op->input->members[i].flags & (PE_M_URI | PE_M_QUERY);
        where |= f ? f : 1u;
    }
    pe_jw_init(&b.w, buf, cap);
    b.diag = diag;

    if (*op->path != '/') {
        put(&b, PE_PATH_PREFIX, sizeof PE_PATH_PREFIX - 1);
    }
    if (op->target) {
        st = op->target(&b, op, in);
    } else if (where & (PE_M_URI | PE_M_QUERY)) {
        st = PE_ERR_UNSUPPORTED; /* labels or a query without a writer */
    } else {
        put(&b, op->path, strlen(op->path));
    }
    if (st != PE_OK) {
        return st;
    }
    target_len = b.w.len;
    put(&b, "", 1); /* NUL after the target */
    if (where & 1u) {
        body_off = b.w.len;
        st = pe_build_body_(&b, op->input, in);
        if (st != PE_OK) {
            return st;
        }
        body_len = b.w.len - body_off;
        put(&b, "", 1);
    }
    *needed = b.w.len;
    if (b.w.status != PE_OK) {
        return b.w.status; /* base64's backend; strings failed as written */
    }
    if (b.w.len > b.w.cap) {
        return PE_ERR_BUFFER_TOO_SMALL;
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
