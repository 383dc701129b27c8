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

#include <string.h>

/* Parser states. The failed state is the pe_status_t itself, every status
 * code being below S_STATUS. */
enum {
    S_STATUS = 32, /* reading the status line */
    S_HEADER,      /* reading header lines */
    S_DATA,        /* chunk or Content-Length data: chunk_left_ bytes */
    S_CHUNK_SIZE,  /* reading a chunk-size line */
    S_CHUNK_END,   /* reading the empty line after chunk data */
    S_TRAILER,     /* reading trailer lines */
    S_EOF,         /* body delimited by the connection's close */
    S_DONE
};

/* flags_ */
#define F_HTTP10 1u
#define F_CHUNKED 2u
#define F_CLOSE 4u
#define F_KEEP_ALIVE 8u

#define MALFORMED PE_ERR_MALFORMED_RESPONSE

static unsigned lower(unsigned char c)
{
    return (unsigned)(c - 'A') < 26u ? c + 32u : c;
}

/* Case-insensitive equality of s[0..n) and a lower-case literal. */
static bool ieq(const char *s, size_t n, const char *lit)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (!lit[i] || lower((unsigned char)s[i]) != (unsigned char)lit[i]) {
            return false;
        }
    }
    return lit[n] == '\0';
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

/* Trims SP/HTAB at both ends of *s[0..*n). */
static void trim(const char **s, size_t *n)
{
    while (*n && is_ws(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_ws((*s)[*n - 1])) {
        (*n)--;
    }
}

/* Decimal digits only (at least one), at most INT64_MAX. */
static bool parse_dec(const char *s, size_t n, int64_t *out)
{
    uint64_t v = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9u || v > (uint64_t)INT64_MAX / 10u) {
            return false;
        }
        v = v * 10u + d;
        if (v > (uint64_t)INT64_MAX) {
            return false;
        }
    }
    *out = (int64_t)v;
    return n != 0;
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
    r->content_length_ = -1;
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
    r->chunk_left_ = n;
    r->state_ = S_DATA;
    return PE_OK;
}

static pe_status_t status_line(pe_http_response_t *r, const char *s, size_t n)
{
    int64_t code;
    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 ||
        (s[7] != '0' && s[7] != '1') || s[8] != ' ' ||
        (n > 12 && s[12] != ' ') || !parse_dec(s + 9, 3, &code) ||
        code < 100 || code > 599) {
        return MALFORMED;
    }
    r->chunk_left_ = (uint64_t)code;
    r->flags_ = s[7] == '0' ? F_HTTP10 : 0;
    r->state_ = S_HEADER;
    return PE_OK;
}

/* The empty line ending a head: skips an interim response, or sets up the
 * body. */
static pe_status_t head_done(pe_http_response_t *r)
{
    unsigned f = r->flags_;
    uint16_t code = (uint16_t)r->chunk_left_;

    if (code < 200u) {
        size_t len = r->len_ - r->pos_;
        memmove(r->buf_, r->buf_ + r->pos_, len);
        pe_http_response_init(r, r->buf_, r->cap_);
        r->len_ = len;
        return PE_OK;
    }
    r->status = code;
    r->head_len_ = r->body_end_ = r->pos_;
    r->keep_alive = (f & F_HTTP10) ? (f & F_KEEP_ALIVE) != 0 : true;
    if ((f & F_CLOSE) || ((f & F_CHUNKED) && (r->content_length_ >= 0 ||
                                              (f & F_HTTP10)))) {
        r->keep_alive = false;
    }
    if (code == 204u || code == 304u) {
        return finish(r);
    }
    if (f & F_CHUNKED) {
        r->state_ = S_CHUNK_SIZE;
    } else if (r->content_length_ >= 0) {
        return start_data(r, (uint64_t)r->content_length_);
    } else {
        r->keep_alive = false;
        r->state_ = S_EOF;
    }
    return PE_OK;
}

/* One header line s[0..n); the value is NUL-terminated in place. */
static pe_status_t header_line(pe_http_response_t *r, char *s, size_t n)
{
    static const char *const names[] = {
        "content-length", "transfer-encoding", "connection", "retry-after",
        "x-amzn-requestid", "x-amzn-errortype", "date"};
    const char *v, *colon = memchr(s, ':', n);
    size_t vn, i, k;
    int64_t num;

    if (n == 0) {
        return head_done(r);
    }
    if (!colon || colon == s) {
        return MALFORMED; /* a folded line fails here or just below */
    }
    for (v = s; v < colon; v++) {
        if ((unsigned char)*v <= ' ' || (unsigned char)*v > '~') {
            return MALFORMED;
        }
    }
    v = colon + 1;
    vn = n - (size_t)(v - s);
    trim(&v, &vn);
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (ieq(s, (size_t)(colon - s), names[i])) {
            break;
        }
    }
    switch (i) {
    case 0:
        if (!parse_dec(v, vn, &num) ||
            (r->content_length_ >= 0 && r->content_length_ != num)) {
            return MALFORMED;
        }
        r->content_length_ = num;
        break;
    case 1:
        if (!ieq(v, vn, "chunked") || (r->flags_ & F_CHUNKED)) {
            return MALFORMED;
        }
        r->flags_ |= F_CHUNKED;
        break;
    case 2:
        while (vn) {
            const char *t = v;
            for (k = 0; k < vn && v[k] != ','; k++) {
            }
            v += k + (k < vn);
            vn -= k + (k < vn);
            trim(&t, &k);
            if (ieq(t, k, "close")) {
                r->flags_ |= F_CLOSE;
            } else if (ieq(t, k, "keep-alive")) {
                r->flags_ |= F_KEEP_ALIVE;
            }
        }
        break;
    case 3:
        if (parse_dec(v, vn, &num)) {
            r->retry_after = num;
        }
        break;
    case 4:
    case 5:
    case 6:
        s[(size_t)(v - s) + vn] = '\0';
        *(i == 4 ? &r->request_id : i == 5 ? &r->error_type : &r->date) = v;
        break;
    default:
        break;
    }
    return PE_OK;
}

/* A chunk-size line: hex size, then optional extensions. */
static pe_status_t chunk_size_line(pe_http_response_t *r, const char *s,
                                   size_t n)
{
    uint64_t v = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned d = lower((unsigned char)s[i]);
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
    pe_status_t st;

    for (;;) {
        size_t avail = r->len_ - r->pos_;
        if (r->state_ == S_DATA) {
            size_t k = r->chunk_left_ < avail ? (size_t)r->chunk_left_ : avail;
            if (r->body_end_ != r->pos_) {
                memmove(b + r->body_end_, b + r->pos_, k);
            }
            r->body_end_ += k;
            r->pos_ += k;
            r->chunk_left_ -= k;
            if (r->chunk_left_) {
                break;
            }
            if (r->flags_ & F_CHUNKED) {
                r->state_ = S_CHUNK_END;
            } else if ((st = finish(r)) != PE_OK) {
                return st;
            }
        } else if (r->state_ == S_EOF) {
            r->body_end_ = r->pos_ = r->len_;
            break;
        } else if (r->state_ == S_DONE) {
            if (avail) {
                return MALFORMED;
            }
            break;
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
            if ((st = line(r, b + start, end - start)) != PE_OK) {
                return st;
            }
            if (r->state_ == S_STATUS) {
                from = 0; /* an interim head was dropped: all is new */
            }
        }
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

pe_status_t pe_http_response_received(pe_http_response_t *r, size_t n,
                                      bool *complete)
{
    size_t avail, from;
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
    if (r->state_ == S_DONE) {
        st = n ? MALFORMED : PE_OK;
    } else if (n) {
        from = r->len_;
        r->len_ += n;
        st = parse(r, from);
    } else {
        st = PE_OK;
    }
    if (st != PE_OK) {
        r->state_ = (uint8_t)st;
        return st;
    }
    *complete = r->state_ == S_DONE;
    return PE_OK;
}

size_t pe_http_response_needed(const pe_http_response_t *r)
{
    if (r->status == 0 || r->content_length_ < 0 || (r->flags_ & F_CHUNKED) ||
        (uint64_t)r->content_length_ >= (uint64_t)(SIZE_MAX - r->head_len_)) {
        return 0;
    }
    return r->head_len_ + (size_t)r->content_length_ + 1u;
}

pe_status_t pe_http_response_closed(pe_http_response_t *r)
{
    pe_status_t st;
    if (!r) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    if (r->state_ < S_STATUS) {
        return (pe_status_t)r->state_;
    }
    if (r->state_ == S_DONE) {
        return PE_OK;
    }
    st = r->state_ == S_EOF ? finish(r) : PE_ERR_CLOSED;
    if (st != PE_OK) {
        r->state_ = (uint8_t)st;
    }
    return st;
}
