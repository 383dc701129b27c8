/*
 * pe_mbedtls_platform.c - platform functions the configurations of this
 * folder ask mbedTLS to take from us instead of the C library. Built into
 * libmbedcrypto.a by mk/mbedtls36.mk, with the same configuration.
 *
 * mbedtls_platform_gmtime_r (MBEDTLS_PLATFORM_GMTIME_R_ALT): X.509 turns
 * the current time into a date to check certificate validity. glibc's
 * gmtime_r runs tzset() on its first call, which frees and allocates on
 * the heap; newlib's can drag in printf and malloc through __assert_func.
 * UTC needs neither: the date follows from the seconds by arithmetic.
 */
#include <mbedtls/build_info.h>

#if defined(MBEDTLS_HAVE_TIME_DATE) && defined(MBEDTLS_PLATFORM_GMTIME_R_ALT)

#include <mbedtls/platform_util.h>

#include <limits.h>
#include <stdint.h>
#include <time.h>

/* Floor division and the matching non-negative remainder. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt,
                                     struct tm *tm_buf)
{
    static const int16_t days_before_month[2][12] = {
        {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334},
        {0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335}};
    int64_t t = (int64_t)*tt;
    int64_t days = floor_div(t, 86400);
    int64_t secs = t - days * 86400; /* 0 .. 86399 */
    /* Days since 0000-03-01 in 400-year eras of 146097 days (the
     * Gregorian cycle); the year starts in March so that the leap day is
     * the last day of a year. */
    int64_t z = days + 719468; /* 1970-01-01 -> 0000-03-01 */
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                 /* 0 .. 146096 */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0 .. 399 */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);          /* 0 .. 365, from March */
    int64_t mp = (5 * doy + 2) / 153;                                /* 0 .. 11, March = 0 */
    int64_t mday = doy - (153 * mp + 2) / 5 + 1;
    int64_t mon = mp < 10 ? mp + 2 : mp - 10; /* 0 = January */
    int64_t year = yoe + era * 400 + (mon <= 1 ? 1 : 0);
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    if (year - 1900 < INT_MIN || year - 1900 > INT_MAX) {
        return NULL;
    }
    tm_buf->tm_year = (int)(year - 1900);
    tm_buf->tm_mon = (int)mon;
    tm_buf->tm_mday = (int)mday;
    tm_buf->tm_hour = (int)(secs / 3600);
    tm_buf->tm_min = (int)(secs / 60 % 60);
    tm_buf->tm_sec = (int)(secs % 60);
    tm_buf->tm_wday = (int)(floor_div(days + 4, 7) * -7 + days + 4); /* 1970-01-01: Thursday */
    tm_buf->tm_yday = days_before_month[leap][mon] + (int)mday - 1;
    tm_buf->tm_isdst = 0;
    return tm_buf;
}

#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int pe_mbedtls_platform_unused;
#endif
