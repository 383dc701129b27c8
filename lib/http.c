/* http.c - the request head, signed. */
#include "pe_http.h"
#include "pe_internal.h"
#include "sigv4_internal.h"

#include <string.h>

static void put_str(pe_json_writer_t *w, const char *s)
{
    pe_jw_put(w, s, strlen(s));
}

static void put_header(pe_json_writer_t *w, const char *name,
                       const char *value, size_t len)
{
    put_str(w, name);
    pe_jw_put(w, ": ", 2);
    pe_jw_put(w, value, len);
    pe_jw_put(w, "\r\n", 2);
}

static bool has_line_break(const char *s)
{
    return strpbrk(s, "\r\n") != NULL;
}

pe_status_t pe_http_signed_head(pe_sigv4_signer_t *signer,
                                const pe_request_t *req, const char *host,
                                const char *region, int64_t now, char *buf,
                                size_t cap, size_t *needed)
{
    return pe_http_signed_head_traced(signer, req, host, region, now, buf, cap,
                                      needed, NULL, NULL);
}

pe_status_t pe_http_signed_head_traced(pe_sigv4_signer_t *signer,
                                       const pe_request_t *req,
                                       const char *host, const char *region,
                                       int64_t now, char *buf, size_t cap,
                                       size_t *needed, pe_sigv4_trace_fn trace,
                                       void *trace_ctx)
{
    pe_json_writer_t w; /* used as a counting buffer */
    char amz_date[17];
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

    /* the Authorization value's length, without hashing anything */
    st = pe_sigv4_sign_traced(signer, &sr, NULL, 0, &auth_len, NULL, NULL,
                              NULL);
    if (st != PE_ERR_BUFFER_TOO_SMALL) {
        return st == PE_OK ? PE_ERR_INVALID_ARGUMENT : st;
    }
    st = pe_amz_date(now, amz_date);
    if (st != PE_OK) {
        return st;
    }

    pe_jw_init(&w, buf, cap);
    put_str(&w, req->method);
    pe_jw_put(&w, " ", 1);
    pe_jw_put(&w, req->target, req->target_len);
    put_str(&w, " HTTP/1.1\r\n");
    put_header(&w, "Host", host, strlen(host));
    put_header(&w, "X-Amz-Date", amz_date, 16);
    if (signer->token) {
        put_header(&w, "X-Amz-Security-Token", signer->token,
                   signer->token_len);
    }
    if (req->body) {
        put_header(&w, "Content-Type", req->content_type,
                   strlen(req->content_type));
        char num[20];
        put_header(&w, "Content-Length", num,
                   pe_fmt_i64(num, (int64_t)req->body_len));
    }
    put_str(&w, "Authorization: ");
    auth_off = w.len;
    w.len += auth_len; /* the signer writes it in place below */
    pe_jw_put(&w, "\r\n\r\n", 4);
    *needed = w.len;
    pe_jw_put(&w, "", 1);
    if (w.status != PE_OK) {
        return w.status;
    }
    if (w.len > w.cap) {
        return PE_ERR_BUFFER_TOO_SMALL;
    }
    /* the signer NUL-terminates over the '\r' that follows; restore it */
    st = pe_sigv4_sign_traced(signer, &sr, buf + auth_off, auth_len + 1,
                              &auth_len, NULL, trace, trace_ctx);
    buf[auth_off + auth_len] = '\r';
    return st;
}

/* Reads exactly n decimal digits. */
static bool digits(const char *s, unsigned n, uint32_t *v)
{
    *v = 0;
    for (unsigned i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        *v = *v * 10u + (uint32_t)(s[i] - '0');
    }
    return true;
}

pe_status_t pe_http_date_parse(const char *text, int64_t *seconds)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    uint32_t day, year, hour, min, sec, month = 0, y, doy, days;
    const char *s = text;
    /* "Sun, 06 Nov 1994 08:49:37 GMT" */
    if (!text || !seconds || strlen(text) != 29 || s[3] != ',' ||
        s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
        s[19] != ':' || s[22] != ':' || strcmp(s + 25, " GMT") != 0 ||
        !digits(s + 5, 2, &day) || !digits(s + 12, 4, &year) ||
        !digits(s + 17, 2, &hour) || !digits(s + 20, 2, &min) ||
        !digits(s + 23, 2, &sec)) {
        return PE_ERR_INVALID_ARGUMENT;
    }
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
