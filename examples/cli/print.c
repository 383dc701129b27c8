/*
 * print.c - a decoded response as JSON, the way `aws --output json` prints
 * it (Python's json.dump(indent=4, ensure_ascii=False)): the API's member
 * names in the model's order, absent members left out, timestamps in ISO
 * 8601 local time ("2018-11-19T12:00:00+00:00"), doubles as Python's repr
 * (200.0), blobs as base64.
 *
 * It walks the public member tables of pe_model.h only: a member's offset
 * and type say where its value is and how it is represented.
 */
#include "cli.h"
#include "pe_json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    FILE *f;
    unsigned indent; /* current depth */
} out_t;

/* A member's value as it is stored in its struct. */
typedef union {
    const void *ptr; /* strings and structs */
    pe_bytes_t bytes;
    pe_bool_t b;
    pe_opt_int_t i;
    pe_opt_double_t d;
    pe_opt_time_t t;
    pe_list_t list;
} value_t;

/* Reads the member stored at field; a struct is stored through a pointer
 * unless inline_struct (list items are stored in place). */
static bool load(const pe_member_t *m, const unsigned char *field,
                 bool inline_struct, value_t *v)
{
    size_t n = m->type == PE_T_STRUCT ? sizeof v->ptr : pe_item_size(m);
    if (n == 0 || n > sizeof *v) {
        return false;
    }
    if (m->type == PE_T_STRUCT && inline_struct) {
        v->ptr = field;
    } else {
        memcpy(v, field, n);
    }
    return true;
}

/* Whether the member stored at field is present. */
static bool present(const pe_member_t *m, const unsigned char *field)
{
    value_t v;
    if (!load(m, field, false, &v)) {
        return false;
    }
    switch (m->type) {
    case PE_T_STRING:
    case PE_T_STRUCT:
        return v.ptr != NULL;
    case PE_T_BLOB:
        return v.bytes.data != NULL;
    case PE_T_BOOL:
        return v.b != PE_UNSET;
    case PE_T_INT:
        return v.i.set;
    case PE_T_DOUBLE:
        return v.d.set;
    case PE_T_TIME:
        return v.t.set;
    case PE_T_LIST:
        return v.list.items != NULL;
    default:
        return false;
    }
}

static bool any_present(const pe_shape_t *shape, const unsigned char *obj)
{
    for (uint16_t k = 0; k < shape->count; k++) {
        if (present(&shape->members[k], obj + shape->members[k].offset)) {
            return true;
        }
    }
    return false;
}

static void newline(out_t *o)
{
    fputc('\n', o->f);
    for (unsigned k = 0; k < o->indent * 4u; k++) {
        fputc(' ', o->f);
    }
}

/* A JSON string as Python writes it with ensure_ascii=False. */
static void put_string(out_t *o, const char *s, size_t len)
{
    fputc('"', o->f);
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)s[k];
        const char *esc = NULL;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default: break;
        }
        if (esc) {
            fputs(esc, o->f);
        } else if (c < 0x20) {
            fprintf(o->f, "\\u%04x", (unsigned)c);
        } else {
            fputc(c, o->f);
        }
    }
    fputc('"', o->f);
}

/* Python's repr of a double: the shortest digits that read back the same,
 * in fixed notation for exponents -4..15 (with ".0" when whole), else
 * scientific ("1e+16"). */
static void put_double(out_t *o, double v)
{
    char buf[40];
    int prec = 1, exp10;
    const char *e;
    if (v != v) {
        fputs("NaN", o->f);
        return;
    }
    if (v > 1.7976931348623157e308 || v < -1.7976931348623157e308) {
        fputs(v > 0 ? "Infinity" : "-Infinity", o->f);
        return;
    }
    for (; prec < 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
        if (strtod(buf, NULL) == v) {
            break;
        }
    }
    snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
    e = strchr(buf, 'e');
    exp10 = e ? atoi(e + 1) : 0;
    if (exp10 >= -4 && exp10 < 16) {
        int decimals = prec - 1 - exp10;
        snprintf(buf, sizeof buf, "%.*f", decimals > 0 ? decimals : 0, v);
        if (!strchr(buf, '.')) {
            strcat(buf, ".0");
        }
    }
    fputs(buf, o->f);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* A timestamp as botocore's datetime in the local zone, isoformat():
 * "2018-11-19T21:00:00+09:00". */
static void put_time(out_t *o, int64_t seconds)
{
    time_t t = (time_t)seconds;
    const struct tm *tm = localtime(&t);
    int64_t offset = 0;
    if (!tm) {
        tm = gmtime(&t);
    }
    if (!tm) {
        fprintf(o->f, "%" PRId64, seconds); /* beyond what time_t holds */
        return;
    }
    offset = days_from_civil((int64_t)tm->tm_year + 1900, tm->tm_mon + 1,
                             tm->tm_mday) * 86400 +
             tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec - seconds;
    int64_t mag = offset < 0 ? -offset : offset;
    fprintf(o->f, "\"%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
            tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday, tm->tm_hour,
            tm->tm_min, tm->tm_sec, offset < 0 ? '-' : '+',
            (int)(mag / 3600), (int)(mag / 60 % 60));
    if (mag % 60) {
        fprintf(o->f, ":%02d", (int)(mag % 60));
    }
    fputc('"', o->f);
}

/* Bytes as a base64 JSON string, encoded by the library's JSON writer. */
static void put_blob(out_t *o, const pe_bytes_t *b)
{
    pe_json_writer_t w;
    size_t n = 0;
    pe_jw_init(&w, NULL, 0);
    pe_jw_base64(&w, b->data, b->len);
    pe_jw_finish(&w, &n);
    char *text = cli_xmalloc(n);
    pe_jw_init(&w, text, n);
    pe_jw_base64(&w, b->data, b->len);
    if (pe_jw_finish(&w, &n) == PE_OK) {
        fwrite(text, 1, n, o->f);
    }
    free(text);
}

static void put_object(out_t *o, const pe_shape_t *shape,
                       const unsigned char *obj);
static void put_list(out_t *o, const pe_member_t *elem, const pe_list_t *list);

/* The value of member m stored at field; inline_struct: a struct is stored
 * in place (list items) rather than through a pointer. */
static void put_value(out_t *o, const pe_member_t *m,
                      const unsigned char *field, bool inline_struct)
{
    value_t v;
    if (!load(m, field, inline_struct, &v)) {
        fputs("null", o->f);
        return;
    }
    switch (m->type) {
    case PE_T_STRING:
        if (v.ptr) {
            put_string(o, v.ptr, strlen(v.ptr));
        } else {
            fputs("null", o->f);
        }
        break;
    case PE_T_BLOB:
        put_blob(o, &v.bytes);
        break;
    case PE_T_BOOL:
        fputs(v.b == PE_TRUE ? "true" : v.b == PE_FALSE ? "false" : "null", o->f);
        break;
    case PE_T_INT:
        fprintf(o->f, "%" PRId64, v.i.value);
        break;
    case PE_T_DOUBLE:
        put_double(o, v.d.value);
        break;
    case PE_T_TIME:
        put_time(o, v.t.seconds);
        break;
    case PE_T_STRUCT:
        put_object(o, (const pe_shape_t *)m->ref, v.ptr);
        break;
    case PE_T_LIST:
        put_list(o, (const pe_member_t *)m->ref, &v.list);
        break;
    default:
        fputs("null", o->f);
        break;
    }
}

/* A list: its items are stored one after the other in their C form. */
static void put_list(out_t *o, const pe_member_t *elem, const pe_list_t *list)
{
    size_t stride = pe_item_size(elem);
    if (list->count == 0) {
        fputs("[]", o->f);
        return;
    }
    fputc('[', o->f);
    o->indent++;
    for (size_t k = 0; k < list->count; k++) {
        if (k > 0) {
            fputc(',', o->f);
        }
        newline(o);
        put_value(o, elem, (const unsigned char *)list->items + k * stride, true);
    }
    o->indent--;
    newline(o);
    fputc(']', o->f);
}

static void put_object(out_t *o, const pe_shape_t *shape,
                       const unsigned char *obj)
{
    bool first = true;
    if (!any_present(shape, obj)) {
        fputs("{}", o->f);
        return;
    }
    fputc('{', o->f);
    o->indent++;
    for (uint16_t k = 0; k < shape->count; k++) {
        const pe_member_t *m = &shape->members[k];
        if (!present(m, obj + m->offset)) {
            continue;
        }
        if (!first) {
            fputc(',', o->f);
        }
        first = false;
        newline(o);
        put_string(o, m->name, strlen(m->name));
        fputs(": ", o->f);
        put_value(o, m, obj + m->offset, false);
    }
    o->indent--;
    newline(o);
    fputc('}', o->f);
}

int cli_print_json(FILE *f, const pe_shape_t *shape, const void *value)
{
    out_t o = {f, 0};
    if (!any_present(shape, value)) {
        return 0; /* the AWS CLI prints nothing for an empty answer */
    }
    put_object(&o, shape, value);
    fputc('\n', f);
    return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
