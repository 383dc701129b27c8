/* common.c - status texts, diagnostics and finding operations. */
#include "pe_internal.h"
#include "pe_model.h"

#include <string.h>

/* The texts of the statuses in their order, one after the other, each
 * with its NUL. */
static const char status_text[] =
    "ok\0"
    "invalid argument\0"
    "buffer too small\0"
    "invalid UTF-8\0"
    "malformed JSON or wrong JSON type\0"
    "crypto backend failure\0"
    "unsupported\0"
    "host name did not resolve\0"
    "connection refused or host unreachable\0"
    "TLS handshake failed\0"
    "server certificate did not verify\0"
    "timed out\0"
    "connection closed before the response was complete\0"
    "malformed HTTP response\0"
    "port I/O failure\0"
    "the service returned an error\0"
    "the device clock is not set\0"
    "mbedTLS ran out of memory (heap or arena too small)\0"
    "the request was sent but its answer was lost; it may have been carried out\0"
    "unknown status"; /* every status has its text before this one */

const char *pe_strerror(pe_status_t status)
{
    const char *p = status_text;
    for (unsigned i = 0; i < (unsigned)status && i < (unsigned)PE_STATUS_COUNT_; i++) {
        p += strlen(p) + 1;
    }
    return p;
}

pe_status_t pe_diag_path(const pe_diag_t *diag, char *buf, size_t cap,
                         size_t *needed)
{
    pe_json_writer_t w; /* used as a counting buffer only */
    if (!diag || !needed) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    pe_jw_init(&w, buf, cap);
    for (uint8_t i = 0; i < diag->depth && i < PE_DIAG_MAX_DEPTH; i++) {
        const char *name = diag->member[i];
        if (name) {
            if (w.len) {
                pe_jw_put(&w, ".", 1);
            }
            pe_jw_put(&w, name, strlen(name));
        }
        if (diag->index[i] >= 0) {
            char num[20];
            pe_jw_put(&w, "[", 1);
            pe_jw_put(&w, num, pe_fmt_i64(num, diag->index[i]));
            pe_jw_put(&w, "]", 1);
        }
    }
    *needed = w.len;
    pe_jw_put(&w, "", 1);
    if (w.status != PE_OK) {
        return w.status;
    }
    return w.len > w.cap ? PE_ERR_BUFFER_TOO_SMALL : PE_OK;
}

/* Compares an API name ("SendEmail") with a kebab-case one ("send-email"). */
static bool kebab_equal(const char *api, const char *kebab)
{
    for (size_t i = 0; api[i]; i++) {
        char c = api[i];
        if (c >= 'A' && c <= 'Z') {
            if (i > 0 && *kebab++ != '-') {
                return false;
            }
            c = (char)(c - 'A' + 'a');
        }
        if (*kebab++ != c) {
            return false;
        }
    }
    return *kebab == '\0';
}

const pe_operation_t *pe_operation_find(const char *name)
{
    if (!name) {
        return NULL;
    }
    for (const pe_operation_t *const *op = pe_operations; *op; op++) {
        if (strcmp((*op)->name, name) == 0 || kebab_equal((*op)->name, name)) {
            return *op;
        }
    }
    return NULL;
}

size_t pe_item_size(const pe_member_t *elem)
{
    switch (elem->type) {
    case PE_T_STRUCT:
        return ((const pe_shape_t *)elem->ref)->size;
    case PE_T_BLOB:
        return sizeof(pe_bytes_t);
    case PE_T_BOOL:
        return sizeof(pe_bool_t);
    case PE_T_INT:
        return sizeof(pe_opt_int_t);
    case PE_T_DOUBLE:
        return sizeof(pe_opt_double_t);
    case PE_T_TIME:
        return sizeof(pe_opt_time_t);
    case PE_T_LIST:
        return sizeof(pe_list_t);
    default:
        return sizeof(const char *);
    }
}
