/*
 * http.c - dates: X-Amz-Date's form (pe_amz_date) and the HTTP-date of a
 * response (pe_http_date_parse); the traced signed head. The signed head
 * itself (pe_http_signed_head) is in sigv4.c, beside the signer's
 * templates.
 */
#include "pe_http.h"
#include "sigv4_internal.h"

#include <string.h>

/* 9999-12-31T23:59:59Z, the last second pe_amz_date can write. */
#define MAX_TIME INT64_C(253402300799)

pe_status_t pe_http_signed_head_traced(pe_sigv4_signer_t *signer,
                                       const pe_request_t *req,
                                       const char *host, const char *region,
                                       int64_t now, char *buf, size_t cap,
                                       size_t *needed, pe_sigv4_trace_fn trace,
                                       void *trace_ctx)
{
    pe_status_t st;
    pe_sigv4_set_trace(signer, trace, trace_ctx);
    st = pe_http_signed_head(signer, req, host, region, now, buf, cap, needed);
    pe_sigv4_set_trace(signer, NULL, NULL);
    return st;
}

/* Gregorian calendar, years 1970..9999 (1969 for March-based ones): the
 * days from 1970-01-01 to y-m-d (month 1..12; a day past the month's end
 * runs into the next). Years start on March 1 here (the leap day last),
 * whose month m (3..14) begins (153 * m - 457) / 5 days in; 719469: the
 * days from 0000-03-01 to 1970-01-02. */
static uint32_t days_of(uint32_t y, uint32_t m, uint32_t d)
{
    if (m < 3u) {
        y--;
        m += 12u;
    }
    return 365u * y + y / 4u - y / 100u + y / 400u + (153u * m - 457u) / 5u +
           d - 719469u;
}

pe_status_t pe_amz_date(int64_t time, char out[17])
{
    uint32_t days, sec, year, month = 1, n, i;
    if (out == NULL) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    if (time < 0 || time > MAX_TIME) {
        out[0] = '\0';
        return PE_ERR_INVALID_ARGUMENT;
    }
    /* 86400 = 128 * 675: a 32-bit division (time >> 7 < 2^31) */
    days = (uint32_t)((uint64_t)time >> 7) / 675u;
    sec = (uint32_t)(time - (int64_t)days * 86400);
    /* 146097 days in 400 years: the year, or one more or less */
    year = 1969u + days * 400u / 146097u;
    while (days_of(year + 1u, 1, 1) <= days) {
        year++;
    }
    while (month < 12u && days_of(year, month + 1u, 1) <= days) {
        month++;
    }
    /* "YYYYMMDDTHHMMSSZ" from its end: the time's digits, then the date's */
    out[16] = '\0';
    out[15] = 'Z';
    /* HHMMSS as a number: s + 60 m + 3600 h, plus 40 m + 6400 h */
    n = sec + sec / 60u * 40u + sec / 3600u * 4000u;
    for (i = 15; i-- > 0;) {
        if (i == 8) {
            out[8] = 'T';
            n = year * 10000u + month * 100u + days - days_of(year, month, 1) + 1u;
        } else {
            out[i] = (char)('0' + n % 10u);
            n /= 10u;
        }
    }
    return PE_OK;
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
    while (month < 12 && memcmp(months + (size_t)3 * month, text + 8, 3) != 0) {
        month++;
    }
    if (month == 12 || f[1] < 1970 || f[0] < 1 || f[0] > 31 || f[2] > 23 ||
        f[3] > 59 || f[4] > 60) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    days = days_of(f[1], month + 1u, f[0]);
    *seconds = (int64_t)days * 86400 +
               (int64_t)(f[2] * 3600u + f[3] * 60u + f[4]);
    return PE_OK;
}
