/* pe_internal.h - helpers shared inside lib/ (not part of the API). */
#ifndef PE_INTERNAL_H
#define PE_INTERNAL_H

#include "pe_http.h"
#include "pe_json.h"
#include "pe_model.h"

/* Appends raw bytes (counted even past the capacity). */
void pe_jw_put(pe_json_writer_t *w, const char *s, size_t len);
/* Appends bytes percent-encoded as one URI component (A-Z a-z 0-9 -_.~
 * kept, everything else %XX upper-case); PE_ERR_INVALID_UTF8 unless they
 * are valid UTF-8. */
void pe_jw_uri(pe_json_writer_t *w, const char *s, size_t len);
/* Appends s[0..len) as a JSON string (quotes, escapes: pe_json.h), nothing
 * placed around it. */
void pe_jw_quoted(pe_json_writer_t *w, const char *s, size_t len);
/* Appends bytes as a quoted base64 string, nothing placed around it. */
void pe_jw_b64(pe_json_writer_t *w, const uint8_t *data, size_t len);
/* Decimal text of v into out (no NUL); returns its length (<= 20). */
size_t pe_fmt_i64(char out[20], int64_t v);

/* The decoder's side of the kinds (lib/json_read.c; pe_kind_t.get). */
const char *pe_get_blob_(struct pe_decoder *d, int tok, const char *text,
                         size_t len, unsigned char *field);
const char *pe_get_bool_(struct pe_decoder *d, int tok, const char *text,
                         size_t len, unsigned char *field);
const char *pe_get_double_(struct pe_decoder *d, int tok, const char *text,
                           size_t len, unsigned char *field);
const char *pe_get_time_(struct pe_decoder *d, int tok, const char *text,
                         size_t len, unsigned char *field);

/* The response parser's step for the client: n bytes arrived at buf_ +
 * len_ (at most cap_ - len_ of them), or the peer closed (n 0). Once it
 * returned PE_OK, the response is complete when r->body is set, and
 * otherwise len_ < cap_. A failure sticks, as in pe_http.h. */
pe_status_t pe_http_response_step(pe_http_response_t *r, size_t n);

/* The body of a service error: {"__type": ..., "code": ..., "message": ...}
 * ("Message" in some answers). Decoded by the client (lib/client.c). */
typedef struct {
    const char *type;
    const char *code;
    const char *message;
    const char *message_upper;
} pe_error_body_t;
extern const pe_shape_t pe_error_body_shape;

#endif /* PE_INTERNAL_H */
