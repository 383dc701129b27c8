/*
 * http_response.c - the incremental HTTP/1.1 response parser (pe_http.h).
 *
 * The buffer holds [head][decoded body][unparsed bytes]: pos_ is where the
 * unparsed bytes start, len_ where they end. Lines (status line, headers,
 * chunk-size lines, the CRLF after chunk data, trailers) are handled as
 * soon as their LF arrives; a partial line is never rescanned, since every
 * byte before the previous len_ is known to hold no LF. Chunk data is moved
 * down to body_end_ as it arrives and, at the end of each call, the partial
 * line left is moved down after it, so a chunked body costs no more room
 * than its decoded bytes plus one line.
 */
#include "pe_http.h"
#include "pe_internal.h"

#include <stddef.h>
#include <string.h>

/* Parser states. The failed state is the pe_status_t itself, every status
 * code being below S_STATUS. */
enum {
    S_STATUS = 32, /* reading the status line */
    S_HEADER,      /* reading header lines */
    S_DATA,        /* body data: left_ bytes (SIZE_MAX: until the close) */
    S_CHUNK_SIZE,  /* reading a chunk-size line */
    S_CHUNK_END,   /* reading the empty line after chunk data */
    S_TRAILER,     /* reading trailer lines */
    S_DONE
};

/* flags_ */
#define F_HTTP10 1u
#define F_CHUNKED 2u
#define F_CLOSE 4u       /* Connection: close */
#define F_KEEP_ALIVE 8u  /* Connection: keep-alive */
#define F_LENGTH 16u     /* Content-Length seen: length_ */

#define UNTIL_CLOSE SIZE_MAX
#define MALFORMED PE_ERR_MALFORMED_RESPONSE

/* The header names kept, then the tokens of values, in lower case: the
 * index of a header name is its case below. */
static const char header_names[] = "x-amzn-requestid\0x-amzn-errortype\0date\0"
                                   "content-length\0retry-after\0"
                                   "transfer-encoding\0connection\0";
static const char tokens[] = "close\0keep-alive\0chunked\0";

/* The index of s[0..n) in a list of lower-case words (letters and '-'),
 * ignoring case; the list's length when absent. s holds no control byte
 * but HTAB (checked before), so c | 0x20 matches a list byte only when c
 * is that letter in either case, or '-'. */
static unsigned word(const char *s, size_t n, const char *list)
{
    unsigned i;
    for (i = 0; *list; i++) {
        size_t k = 0;
        while (k < n && ((unsigned char)s[k] | 0x20u) == (unsigned char)list[k]) {
            k++;
        }
        if (k == n && list[k] == '\0') {
            break;
        }
        list += strlen(list) + 1;
    }
    return i;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

/* Decimal digits only (at least one), at most INT64_MAX. */
static bool decimal(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned d = (unsigned char)s[i] - (unsigned)'0';
        if (d > 9u || v > (uint64_t)INT64_MAX / 10u) {
            return false;
        }
        v = v * 10u + d;
    }
    *out = v;
    return n != 0 && v <= (uint64_t)INT64_MAX;
}

void pe_http_response_init(pe_http_response_t *r, char *buf, size_t cap)
{
    if (!r) {
        return;
    }
    memset(r, 0, sizeof *r);
    r->buf_ = buf;
    r->cap_ = buf ? cap : 0;
    r->retry_after = -1;
    r->state_ = S_STATUS;
}

char *pe_http_response_space(pe_http_response_t *r, size_t *avail)
{
    size_t at;
    if (!r || !avail) {
        if (avail) {
            *avail = 0;
        }
        return NULL;
    }
    /* A complete response's NUL stands at len_: offer what is after it
     * (any byte received there is an error anyway). */
    at = r->len_ + (r->state_ == S_DONE);
    *avail = r->state_ >= S_STATUS && at < r->cap_ ? r->cap_ - at : 0;
    return r->buf_ ? r->buf_ + at : NULL;
}

/* The response is complete: NUL-terminates the body. */
static pe_status_t finish(pe_http_response_t *r)
{
    if (r->body_end_ >= r->cap_) {
        return PE_ERR_BUFFER_TOO_SMALL;
    }
    r->buf_[r->body_end_] = '\0';
    r->body = r->buf_ + r->head_len_;
    r->body_len = r->body_end_ - r->head_len_;
    r->state_ = S_DONE;
    return PE_OK;
}

/* Body data follows: n bytes, which must fit with the body's NUL. */
static pe_status_t start_data(pe_http_response_t *r, uint64_t n)
{
    if (n >= r->cap_ - r->body_end_) {
        return PE_ERR_BUFFER_TOO_SMALL;
    }
    r->left_ = (size_t)n;
    r->state_ = S_DATA;
    return PE_OK;
}

/* "HTTP/1.x ddd[ reason]" */
static pe_status_t status_line(pe_http_response_t *r, const char *s, size_t n)
{
    size_t code = 0, i;
    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] | 1) != '1' ||
        s[8] != ' ' || (n > 12 && s[12] != ' ')) {
        return MALFORMED;
    }
    for (i = 9; i < 12; i++) {
        unsigned d = (unsigned char)s[i] - (unsigned)'0';
        if (d > 9u) {
            return MALFORMED;
        }
        code = code * 10u + d;
    }
    if (code - 100u > 499u) {
        return MALFORMED;
    }
    r->left_ = code;
    r->flags_ = s[7] == '0' ? F_HTTP10 : 0;
    r->state_ = S_HEADER;
    return PE_OK;
}

/* Whether the connection stays usable after a response with flags f:
 * HTTP/1.1 keeps it unless told, HTTP/1.0 only when told; chunked with a
 * Content-Length, or over HTTP/1.0, is not trusted. */
#define KEEPS(f)                                                              \
    (!((f) & F_CLOSE) && (!((f) & F_HTTP10) || ((f) & F_KEEP_ALIVE)) &&       \
     (!((f) & F_CHUNKED) || !((f) & (F_LENGTH | F_HTTP10))))
#define KEEPS4(f)                                                             \
    ((uint32_t)KEEPS(f) << (f) | (uint32_t)KEEPS((f) + 1) << ((f) + 1) |      \
     (uint32_t)KEEPS((f) + 2) << ((f) + 2) | (uint32_t)KEEPS((f) + 3) << ((f) + 3))
/* bit f: KEEPS(f), for the 32 combinations of the five flags */
#define KEEP_MASK                                                             \
    (KEEPS4(0) | KEEPS4(4) | KEEPS4(8) | KEEPS4(12) | KEEPS4(16) |           \
     KEEPS4(20) | KEEPS4(24) | KEEPS4(28))

/* The empty line ending a head: skips an interim response, or sets up the
 * body. */
static pe_status_t head_done(pe_http_response_t *r)
{
    unsigned f = r->flags_;
    size_t code = r->left_;

    if (code < 200u) {
        size_t len = r->len_ - r->pos_;
        memmove(r->buf_, r->buf_ + r->pos_, len);
        pe_http_response_init(r, r->buf_, r->cap_);
        r->len_ = len;
        return PE_OK;
    }
    r->status = (uint16_t)code;
    r->head_len_ = r->body_end_ = r->pos_;
    r->keep_alive = (KEEP_MASK >> f) & 1u;
    if (code == 204u || code == 304u) {
        return finish(r);
    }
    if (f & F_CHUNKED) {
        r->state_ = S_CHUNK_SIZE;
        return PE_OK;
    }
    if (f & F_LENGTH) {
        return start_data(r, r->length_);
    }
    r->keep_alive = false;
    r->left_ = UNTIL_CLOSE;
    r->state_ = S_DATA;
    return PE_OK;
}

/* One header line s[0..n); a kept value is NUL-terminated in place. */
static pe_status_t header_line(pe_http_response_t *r, char *s, size_t n)
{
    const char *colon = memchr(s, ':', n), *v;
    size_t vn, k, t;
    unsigned i;
    uint64_t num;

    if (n == 0) {
        return head_done(r);
    }
    if (!colon || colon == s) {
        return MALFORMED; /* a folded line fails here or just below */
    }
    for (v = s; v < colon; v++) {
        if ((unsigned char)(*v - 0x21) > 0x7eu - 0x21u) {
            return MALFORMED; /* a name is visible ASCII */
        }
    }
    v = colon + 1;
    vn = n - (size_t)(v - s);
    while (vn && is_ws(*v)) {
        v++;
        vn--;
    }
    while (vn && is_ws(v[vn - 1])) {
        vn--;
    }
    i = word(s, (size_t)(colon - s), header_names);
    if (i < 3) { /* kept: the value as a C string */
        static const uint8_t at[] = {offsetof(pe_http_response_t, request_id),
                                     offsetof(pe_http_response_t, error_type),
                                     offsetof(pe_http_response_t, date)};
        s[(size_t)(v - s) + vn] = '\0';
        memcpy((char *)r + at[i], &v, sizeof v);
    } else if (i < 5) { /* Content-Length, Retry-After: delta-seconds */
        bool ok = decimal(v, vn, &num);
        if (i == 4) {
            if (ok) {
                r->retry_after = (int64_t)num; /* else ignored */
            }
        } else if (!ok || ((r->flags_ & F_LENGTH) && r->length_ != num)) {
            return MALFORMED; /* digits; a repeat must agree */
        } else {
            r->length_ = num;
            r->flags_ |= F_LENGTH;
        }
    } else if (i == 5) { /* Transfer-Encoding: exactly chunked, once */
        if (word(v, vn, tokens) != 2 || (r->flags_ & F_CHUNKED)) {
            return MALFORMED;
        }
        r->flags_ |= F_CHUNKED;
    } else if (i == 6) { /* Connection: tokens between commas and blanks */
        for (k = t = 0; k <= vn; k++) {
            if (k == vn || v[k] == ',' || is_ws(v[k])) {
                i = word(v + t, k - t, tokens);
                if (i < 2) {
                    r->flags_ |= (uint8_t)(F_CLOSE << i);
                }
                t = k + 1;
            }
        }
    }
    return PE_OK;
}

/* A chunk-size line: hex size (at most 64 bits), then optional
 * extensions. */
static pe_status_t chunk_size_line(pe_http_response_t *r, const char *s,
                                   size_t n)
{
    uint64_t v = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        /* lower case; control bytes never get here (HTAB maps to ')') */
        unsigned d = (unsigned char)s[i] | 0x20u;
        d = d - '0' < 10u ? d - '0' : d - 'a' < 6u ? d - 'a' + 10u : 16u;
        if (d > 15u) {
            break;
        }
        if (v >> 60) {
            return MALFORMED;
        }
        v = v << 4 | d;
    }
    if (i == 0) {
        return MALFORMED;
    }
    while (i < n && is_ws(s[i])) {
        i++;
    }
    if (i < n && s[i] != ';') {
        return MALFORMED;
    }
    if (v == 0) {
        r->state_ = S_TRAILER;
        return PE_OK;
    }
    return start_data(r, v);
}

/* The next complete line from pos_: its handler. */
static pe_status_t line(pe_http_response_t *r, char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < ' ' && c != '\t') || c == 0x7f) {
            return MALFORMED;
        }
    }
    switch (r->state_) {
    case S_STATUS:
        return status_line(r, s, n);
    case S_HEADER:
        return header_line(r, s, n);
    case S_CHUNK_SIZE:
        return chunk_size_line(r, s, n);
    case S_CHUNK_END:
        r->state_ = S_CHUNK_SIZE;
        return n ? MALFORMED : PE_OK;
    default: /* S_TRAILER: trailer fields are dropped */
        return n ? PE_OK : finish(r);
    }
}

/* Parses what can be parsed; `from`: the bytes before it hold no LF after
 * pos_. */
static pe_status_t parse(pe_http_response_t *r, size_t from)
{
    char *b = r->buf_;
    pe_status_t st = PE_OK;

    while (st == PE_OK && r->state_ != S_DONE) {
        if (r->state_ == S_DATA) {
            size_t avail = r->len_ - r->pos_;
            size_t k = r->left_ < avail ? r->left_ : avail;
            if (r->body_end_ != r->pos_) {
                memmove(b + r->body_end_, b + r->pos_, k);
            }
            r->body_end_ += k;
            r->pos_ += k;
            if (r->left_ == UNTIL_CLOSE) {
                break;
            }
            r->left_ -= k;
            if (r->left_) {
                break;
            }
            if (r->flags_ & F_CHUNKED) {
                r->state_ = S_CHUNK_END;
            } else {
                st = finish(r);
            }
        } else {
            size_t start = r->pos_, at = from > start ? from : start, end;
            const char *lf = memchr(b + at, '\n', r->len_ - at);
            if (!lf) {
                break;
            }
            end = (size_t)(lf - b);
            r->pos_ = end + 1;
            if (end > start && b[end - 1] == '\r') {
                end--;
            }
            st = line(r, b + start, end - start);
            if (r->state_ == S_STATUS) {
                from = 0; /* an interim head was dropped: all is new */
            }
        }
    }
    if (st != PE_OK) {
        return st;
    }
    if (r->state_ == S_DONE && r->pos_ != r->len_) {
        return MALFORMED; /* bytes after the response */
    }
    if (r->status && r->body_end_ != r->pos_) {
        /* chunked: the partial line left goes right after the body */
        size_t k = r->len_ - r->pos_;
        memmove(b + r->body_end_, b + r->pos_, k);
        r->pos_ = r->body_end_;
        r->len_ = r->body_end_ + k;
    }
    return r->state_ != S_DONE && r->len_ >= r->cap_ ? PE_ERR_BUFFER_TOO_SMALL
                                                     : PE_OK;
}

pe_status_t pe_http_response_step(pe_http_response_t *r, size_t n)
{
    pe_status_t st;
    if (r->state_ < S_STATUS) {
        return (pe_status_t)r->state_;
    }
    if (r->state_ == S_DONE) {
        st = n ? MALFORMED : PE_OK;
    } else if (n) {
        size_t from = r->len_;
        r->len_ += n;
        st = parse(r, from);
    } else { /* the peer closed */
        st = r->state_ == S_DATA && r->left_ == UNTIL_CLOSE ? finish(r)
                                                            : PE_ERR_CLOSED;
    }
    if (st != PE_OK) {
        r->state_ = (uint8_t)st;
    }
    return st;
}

pe_status_t pe_http_response_received(pe_http_response_t *r, size_t n,
                                      bool *complete)
{
    size_t avail;
    pe_status_t st;

    if (complete) {
        *complete = false;
    }
    if (!r || !complete) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    if (r->state_ < S_STATUS) {
        return (pe_status_t)r->state_;
    }
    pe_http_response_space(r, &avail);
    if (n > avail) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    st = n ? pe_http_response_step(r, n) : PE_OK;
    *complete = r->state_ == S_DONE;
    return st;
}

size_t pe_http_response_needed(const pe_http_response_t *r)
{
    if (r->status == 0 || (r->flags_ & (F_LENGTH | F_CHUNKED)) != F_LENGTH ||
        r->length_ >= (uint64_t)(SIZE_MAX - r->head_len_)) {
        return 0;
    }
    return r->head_len_ + (size_t)r->length_ + 1u;
}

pe_status_t pe_http_response_closed(pe_http_response_t *r)
{
    return r ? pe_http_response_step(r, 0) : PE_ERR_INVALID_ARGUMENT;
}
