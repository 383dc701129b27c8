/*
 * test_http_date.c - pe_http_date_parse (lib/http.c): every day of
 * 1970..9999 at a varying time, written as an IMF-fixdate from a naive
 * calendar, reads back as its second; pe_amz_date of that second names the
 * same day and time; the forms and values it refuses; the out-of-range
 * values it takes as they come (a day past the month's end, second 60).
 */
#include "pe_http.h"
#include "pe_test.h"

#include <stdint.h>

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_len(int y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : len[m - 1];
}

static const char *const wday[7] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void test_every_day(void)
{
    char text[64], amz[17], want[64];
    int64_t t = 0, got;
    unsigned bad = 0, days = 0;
    for (int y = 1970; y <= 9999; y++) {
        for (int m = 1; m <= 12; m++) {
            for (int d = 1; d <= month_len(y, m); d++, t += 86400, days++) {
                int64_t sec = (t / 86400 * 7919) % 86400;
                snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                         wday[(t / 86400) % 7], d, mon[m - 1], y, (int)(sec / 3600),
                         (int)(sec / 60 % 60), (int)(sec % 60));
                snprintf(want, sizeof want, "%04d%02d%02dT%02d%02d%02dZ", y, m, d,
                         (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
                got = -1;
                if (pe_http_date_parse(text, &got) != PE_OK || got != t + sec ||
                    pe_amz_date(got, amz) != PE_OK || strcmp(amz, want) != 0) {
                    if (bad++ < 5) {
                        printf("%s: %lld (%s), expected %lld\n", text,
                               (long long)got, amz, (long long)(t + sec));
                    }
                }
            }
        }
    }
    CHECK(bad == 0, "pe_http_date_parse wrong on %u of %u days", bad, days);
}

static void test_forms(void)
{
    static const struct {
        const char *text;
        int64_t want; /* -1: refused */
    } cases[] = {
        {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777},
        {"Thu, 01 Jan 1970 00:00:00 GMT", 0},
        {"Fri, 31 Dec 9999 23:59:59 GMT", INT64_C(253402300799)},
        {"xyz, 29 Feb 2000 12:00:00 GMT", 951825600}, /* any weekday */
        {"Sat, 31 Feb 2015 00:00:00 GMT", 1425340800}, /* 2015-03-03 */
        {"Wed, 31 Dec 2014 23:59:60 GMT", 1420070400}, /* 2015-01-01 */
        {"Wed, 31 Dec 1969 23:59:59 GMT", -1},
        {"Sun, 00 Nov 1994 08:49:37 GMT", -1},
        {"Sun, 32 Nov 1994 08:49:37 GMT", -1},
        {"Sun, 06 Nov 1994 24:49:37 GMT", -1},
        {"Sun, 06 Nov 1994 08:60:37 GMT", -1},
        {"Sun, 06 Nov 1994 08:49:61 GMT", -1},
        {"Sun, 06 Nox 1994 08:49:37 GMT", -1},
        {"Sun, 06 nov 1994 08:49:37 GMT", -1},
        {"Sun, 06 Nov 1994 08:49:37 gmt", -1},
        {"Sun, 06 Nov 1994 08:49:37 GMT ", -1},
        {"Sun, 06 Nov 1994 08:49:37 GM", -1},
        {"Sun 06 Nov 1994 08:49:37 GMT", -1},
        {"Sun, 6 Nov 1994 08:49:37 GMT", -1},
        {"Sun, 06 Nov 94 08:49:37 GMT", -1},
        {"Sun, 0x Nov 1994 08:49:37 GMT", -1},
        {"Sun, 06-Nov-1994 08:49:37 GMT", -1},
        {"Sunday, 06-Nov-94 08:49:37 GMT", -1},
        {"Sun Nov  6 08:49:37 1994", -1},
        {"", -1},
        {"Su", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t got = 12345;
        pe_status_t st = pe_http_date_parse(cases[i].text, &got);
        if (cases[i].want < 0) {
            CHECK(st == PE_ERR_INVALID_ARGUMENT && got == 12345,
                  "[%s]: %d, %lld", cases[i].text, (int)st, (long long)got);
        } else {
            CHECK(st == PE_OK && got == cases[i].want, "[%s]: %d, %lld, expected %lld",
                  cases[i].text, (int)st, (long long)got, (long long)cases[i].want);
        }
    }
    {
        /* a NUL inside: stops there */
        static const char with_nul[] = "Sun, 06 Nov\0 1994 08:49:37 GMT";
        int64_t got;
        CHECK(pe_http_date_parse(with_nul, &got) == PE_ERR_INVALID_ARGUMENT, "NUL");
        CHECK(pe_http_date_parse(NULL, &got) == PE_ERR_INVALID_ARGUMENT, "NULL text");
        CHECK(pe_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", NULL) ==
                  PE_ERR_INVALID_ARGUMENT, "NULL seconds");
    }
}

int main(void)
{
    test_forms();
    test_every_day();
    return pe_test_summary();
}
