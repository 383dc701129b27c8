/* http.c - the request head, signed. */
#include "pe_http.h"
#include "pe_internal.h"
#include "sigv4_internal.h"

#include <string.h>

/* "name: value\r\n" (name_colon ends in ": "), counted past the end as
 * pe_jw_put does. */
static void put_header(pe_json_writer_t *w, const char *name_colon,
                       const char *value, size_t len)
{
    pe_jw_put(w, name_colon, strlen(name_colon));
    pe_jw_put(w, value, len);
    pe_jw_put(w, "\r\n", 2);
}

static bool has_line_break(const char *s)
{
    return strpbrk(s, "\r\n") != NULL;
}

pe_status_t pe_http_signed_head_traced(pe_sigv4_signer_t *signer,
                                       const pe_request_t *req,
                                       const char *host, const char *region,
                                       int64_t now, char *buf, size_t cap,
                                       size_t *needed, pe_sigv4_trace_fn trace,
                                       void *trace_ctx)
{
    pe_status_t st;
    if (!signer) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    pe_sigv4_set_trace(signer, trace, trace_ctx);
    st = pe_http_signed_head(signer, req, host, region, now, buf, cap, needed);
    pe_sigv4_set_trace(signer, NULL, NULL);
    return st;
}

pe_status_t pe_http_signed_head(pe_sigv4_signer_t *signer,
                                const pe_request_t *req, const char *host,
                                const char *region, int64_t now, char *buf,
                                size_t cap, size_t *needed)
{
    pe_json_writer_t o; /* used as a counting buffer */
    pe_header_t headers[2];
    pe_sigv4_request_t sr;
    const char *query;
    size_t auth_len, auth_off;
    pe_status_t st;

    if (!signer || !req || !req->method || !req->target || !host || !region ||
        !needed || host[0] == '\0' || has_line_break(host) ||
        has_line_break(req->target) || (req->body && !req->content_type)) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    query = memchr(req->target, '?', req->target_len);

    memset(&sr, 0, sizeof sr);
    sr.method = req->method;
    sr.path = req->target;
    sr.path_len = query ? (size_t)(query - req->target) : req->target_len;
    if (query) {
        sr.query = query + 1;
        sr.query_len = req->target_len - sr.path_len - 1;
    }
    headers[0] = (pe_header_t){"Host", 4, host, strlen(host)};
    if (req->body) {
        headers[1] = (pe_header_t){"Content-Type", 12, req->content_type,
                                   strlen(req->content_type)};
    }
    sr.headers = headers;
    sr.header_count = req->body ? 2u : 1u;
    sr.payload = req->body;
    sr.payload_len = req->body_len;
    sr.region = region;
    sr.service = PE_SIGNING_SERVICE;
    sr.time = now;

    /* the Authorization value's length, without hashing anything (and
     * signer->amz_date, X-Amz-Date's value) */
    st = pe_sigv4_sign(signer, &sr, NULL, 0, &auth_len, NULL);
    if (st != PE_ERR_BUFFER_TOO_SMALL) {
        return st == PE_OK ? PE_ERR_INVALID_ARGUMENT : st;
    }

    pe_jw_init(&o, buf, buf ? cap : 0);
    pe_jw_put(&o, req->method, strlen(req->method));
    pe_jw_put(&o, " ", 1);
    pe_jw_put(&o, req->target, req->target_len);
    pe_jw_put(&o, " HTTP/1.1\r\n", 11);
    put_header(&o, "Host: ", headers[0].value, headers[0].value_len);
    put_header(&o, "X-Amz-Date: ", signer->amz_date, 16);
    if (signer->token) {
        put_header(&o, "X-Amz-Security-Token: ", signer->token,
                   signer->token_len);
    }
    if (req->body) {
        put_header(&o, "Content-Type: ", headers[1].value,
                   headers[1].value_len);
        char num[20];
        pe_jw_put(&o, "Content-Length: ", 16);
        pe_jw_put(&o, num, pe_fmt_i64(num, (int64_t)req->body_len));
        pe_jw_put(&o, "\r\n", 2);
    }
    pe_jw_put(&o, "Authorization: ", 15);
    auth_off = o.len;
    o.len += auth_len; /* the signer writes it in place below */
    pe_jw_put(&o, "\r\n\r\n", 5); /* with the NUL */
    *needed = o.len - 1u;
    if (!buf || o.len > cap) {
        return PE_ERR_BUFFER_TOO_SMALL;
    }
    /* the signer NUL-terminates over the '\r' that follows; restore it */
    st = pe_sigv4_sign(signer, &sr, buf + auth_off, auth_len + 1, &auth_len,
                       NULL);
    buf[auth_off + auth_len] = '\r';
    return st;
}

/* The value of n decimal digits (already checked). */
static uint32_t digits(const char *s, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v = v * 10u + (uint32_t)(s[i] - '0');
    }
    return v;
}

pe_status_t pe_http_date_parse(const char *text, int64_t *seconds)
{
    /* '0': a digit, '?': any byte but NUL, else that byte (the NUL too) */
    static const char form[] = "???, 00 ??? 0000 00:00:00 GMT";
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    uint32_t day, year, hour, min, sec, month = 0, y, doy, days;
    const char *s = text;
    if (!text || !seconds) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    /* "Sun, 06 Nov 1994 08:49:37 GMT"; stops at the first difference, so
     * never reads past the text's NUL */
    for (unsigned i = 0; i < sizeof form; i++) {
        char f = form[i], c = s[i];
        if (f == '0' ? (unsigned)(c - '0') > 9u : f == '?' ? c == '\0' : c != f) {
            return PE_ERR_INVALID_ARGUMENT;
        }
    }
    day = digits(s + 5, 2);
    year = digits(s + 12, 4);
    hour = digits(s + 17, 2);
    min = digits(s + 20, 2);
    sec = digits(s + 23, 2);
    while (month < 12 && memcmp(months + (size_t)3 * month, s + 8, 3) != 0) {
        month++;
    }
    if (month == 12 || year < 1970 || day < 1 || day > 31 || hour > 23 ||
        min > 59 || sec > 60) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    month++;
    /* days since 1970-01-01 from the civil date (Howard Hinnant's
     * days-from-civil method, counting years from March) */
    y = year - (month <= 2);
    doy = (153u * (month > 2 ? month - 3 : month + 9) + 2u) / 5u + day - 1u;
    days = y * 365u + y / 4u - y / 100u + y / 400u + doy - 719468u;
    *seconds = (int64_t)days * 86400 + (int64_t)(hour * 3600u + min * 60u + sec);
    return PE_OK;
}
