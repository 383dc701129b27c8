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
    if (!signer) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    pe_sigv4_set_trace(signer, trace, trace_ctx);
    st = pe_http_signed_head(signer, req, host, region, now, buf, cap, needed);
    pe_sigv4_set_trace(signer, NULL, NULL);
    return st;
}

/* n as `width` decimal digits (the leading ones zero). */
static void put_dec(char *out, uint32_t v, unsigned width)
{
    while (width-- > 0) {
        out[width] = (char)('0' + v % 10u);
        v /= 10u;
    }
}

/* Gregorian calendar, years 1970..9999: the days from 1970-01-01 to the
 * first day of year (up to 10000), and the days in month 1..12 of year. */
static uint32_t days_before(uint32_t year)
{
    uint32_t y = year - 1u; /* leap years 1..y less those of 1..1969 */
    return 365u * (year - 1970u) + y / 4u - y / 100u + y / 400u - 477u;
}

static uint32_t month_days(uint32_t year, uint32_t month)
{
    if (month == 2) {
        return days_before(year + 1u) - days_before(year) - 337u;
    }
    /* 31 and 30 alternate, restarting at August */
    return 30u + ((month + (month >> 3)) & 1u);
}

pe_status_t pe_amz_date(int64_t time, char out[17])
{
    uint32_t days, sec, n, year, month = 1;
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
    while (days_before(year + 1u) <= days) {
        year++;
    }
    days -= days_before(year);
    while (days >= (n = month_days(year, month))) {
        days -= n;
        month++;
    }
    put_dec(out, year * 10000u + month * 100u + days + 1u, 8);
    out[8] = 'T';
    put_dec(out + 9, sec / 3600u * 10000u + sec / 60u % 60u * 100u + sec % 60u, 6);
    out[15] = 'Z';
    out[16] = '\0';
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
    days = days_before(f[1]) + f[0] - 1u;
    for (i = 1; i <= month; i++) {
        days += month_days(f[1], i);
    }
    *seconds = (int64_t)days * 86400 +
               (int64_t)(f[2] * 3600u + f[3] * 60u + f[4]);
    return PE_OK;
}
