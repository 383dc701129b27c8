/*
 * pe_json.h - a zero-malloc JSON writer into a caller buffer.
 *
 * Works like snprintf: it never writes past the capacity but keeps
 * counting, so pe_jw_finish() reports the exact size the text needs; a NULL
 * buffer with capacity 0 is a size query. Errors are sticky: the first one
 * is kept and later calls do nothing. Commas are placed by the writer.
 *
 * Strings: RFC 8259 escaping (quote, backslash, and control characters as
 * \u00XX); bytes must be valid UTF-8 (no overlong forms, no surrogates, at
 * most U+10FFFF), else PE_ERR_INVALID_UTF8.
 */
#ifndef PE_JSON_H
#define PE_JSON_H

#include "pe_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PE_JSON_MAX_DEPTH 32

typedef struct {
    char *buf;
    size_t cap;
    size_t len;       /* bytes the text needs so far (may exceed cap) */
    uint32_t filled;  /* bit d: the container at depth d has an element */
    uint32_t objects; /* bit d: the container at depth d is an object */
    uint8_t depth;
    bool after_key;
    bool top_done;    /* the top-level value has begun */
    pe_status_t status;
} pe_json_writer_t;

void pe_jw_init(pe_json_writer_t *w, char *buf, size_t cap);
void pe_jw_object_begin(pe_json_writer_t *w);
void pe_jw_object_end(pe_json_writer_t *w);
void pe_jw_array_begin(pe_json_writer_t *w);
void pe_jw_array_end(pe_json_writer_t *w);
/** A member name inside an object (escaped and validated like a string). */
void pe_jw_key(pe_json_writer_t *w, const char *key, size_t len);
void pe_jw_string(pe_json_writer_t *w, const char *s, size_t len);
void pe_jw_int(pe_json_writer_t *w, int64_t v);
void pe_jw_bool(pe_json_writer_t *w, bool v);
/** Bytes as a base64 string, encoded straight into the buffer. */
void pe_jw_base64(pe_json_writer_t *w, const uint8_t *data, size_t len);

/**
 * Ends writing. *needed (may be NULL) receives the text's length. Returns
 * the first error (PE_ERR_INVALID_UTF8; PE_ERR_INVALID_ARGUMENT for a
 * misplaced call, unbalanced or too deep nesting), else
 * PE_ERR_BUFFER_TOO_SMALL when the text did not fit, else PE_OK. No NUL is
 * written.
 */
pe_status_t pe_jw_finish(pe_json_writer_t *w, size_t *needed);

#ifdef __cplusplus
}
#endif
#endif /* PE_JSON_H */
