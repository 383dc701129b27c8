/*
 * pe_cortexm_mbedtls.c - the clocks pe_mbedtls_firmware_config.h asks the
 * firmware for, on the QEMU board:
 *
 *   mbedtls_ms_time()        MBEDTLS_PLATFORM_MS_TIME_ALT: milliseconds
 *                            since reset, from SysTick
 *   pe_cortexm_mbedtls_time  for mbedtls_platform_set_time()
 *                            (MBEDTLS_PLATFORM_TIME_ALT): seconds since
 *                            1970 from the host (semihosting SYS_TIME),
 *                            the board's stand-in for an RTC set by SNTP
 *
 * A real board keeps mbedtls_ms_time() (its own tick) and hands
 * mbedtls_platform_set_time() its RTC's reading instead. Until it does,
 * mbedTLS's time is 0 (1970) and certificates fail as "not yet valid".
 */
#include "pe_cortexm_board.h"

#include <mbedtls/build_info.h>
#include <mbedtls/platform_time.h>

mbedtls_time_t pe_cortexm_mbedtls_time(mbedtls_time_t *t);

mbedtls_ms_time_t mbedtls_ms_time(void)
{
    return (mbedtls_ms_time_t)pe_cortexm_uptime_ms();
}

mbedtls_time_t pe_cortexm_mbedtls_time(mbedtls_time_t *t)
{
    mbedtls_time_t now = (mbedtls_time_t)pe_cortexm_wall_clock();
    if (t != NULL) {
        *t = now;
    }
    return now;
}
