/* http.c - the request head, signed. */
#include "pe_http.h"
#include "sigv4_internal.h"

#include <string.h>

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
    if (!signer || !req || !req->method || !req->target || !host ||
        !needed || host[0] == '\0' || (req->body && !req->content_type)) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    return pe_sigv4_head_(signer, req, host, region, now, buf, cap, needed);
}

pe_status_t pe_http_date_parse(const char *text, int64_t *seconds)
{
    /* '0': a digit, '?': any byte but NUL, else that byte (the NUL too) */
    static const char form[] = "???, 00 ??? 0000 00:00:00 GMT";
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    uint32_t f[5] = {0, 0, 0, 0, 0}; /* day, year, hour, minute, second */
    uint32_t k = 0, month = 0, days, i;
    if (!text || !seconds) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    /* "Sun, 06 Nov 1994 08:49:37 GMT"; stops at the first difference, so
     * never reads past the text's NUL */
    for (i = 0; i < sizeof form; i++) {
        char c = form[i], t = text[i];
        if (c == '0') {
            if ((unsigned)(t - '0') > 9u) {
                return PE_ERR_INVALID_ARGUMENT;
            }
            f[k] = f[k] * 10u + (uint32_t)(t - '0');
            k += form[i + 1] != '0';
        } else if (c == '?' ? t == '\0' : t != c) {
            return PE_ERR_INVALID_ARGUMENT;
        }
    }
    while (month < 12 && memcmp(months + 3 * month, text + 8, 3) != 0) {
        month++;
    }
    if (month == 12 || f[1] < 1970 || f[0] < 1 || f[0] > 31 || f[2] > 23 ||
        f[3] > 59 || f[4] > 60) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    days = pe_days_before_(f[1]) + f[0] - 1u;
    for (i = 1; i <= month; i++) {
        days += pe_month_days_(f[1], i);
    }
    *seconds = (int64_t)days * 86400 +
               (int64_t)(f[2] * 3600u + f[3] * 60u + f[4]);
    return PE_OK;
}
