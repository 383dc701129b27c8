/*
 * pe_mbedtls_firmware_config.h - mbedTLS 3.6 configuration for Cortex-M
 * firmware (bare metal, newlib-nano), used by mk/firmware.mk:
 *
 *     -I port/mbedtls -DMBEDTLS_CONFIG_FILE=\"pe_mbedtls_firmware_config.h\"
 *
 * The libraries and everything that includes an mbedTLS header must be
 * built with it (mk/firmware.mk puts it in FW_CFLAGS).
 *
 * What it is: a TLS 1.2 and 1.3 client only (ECDHE with RSA or ECDSA
 * certificates, AES-GCM, SHA-256/384, X.509 chain verification, SNI,
 * session tickets), all of it from pe_mbedtls_client_common.h, shared
 * with the host build. This file answers the platform questions for a
 * microcontroller: where random numbers, the clock and memory come from.
 *
 * What the firmware must provide (link errors name the first two):
 *   - mbedtls_psa_external_get_random(): the RNG (see "RNG" below);
 *   - mbedtls_ms_time(): a monotonic millisecond clock (TLS 1.3 ticket
 *     age; e.g. from SysTick);
 *   - mbedtls_platform_set_time(fn) before the first handshake: the wall
 *     clock certificate validity is checked against (see "clock");
 *   - mbedtls_memory_buffer_alloc_init(arena, size) before any mbedTLS
 *     call: the one static arena all of mbedTLS's memory comes from.
 * On the QEMU test board, port/cortexm/pe_cortexm_board.c provides the
 * clocks through semihosting, and pe_cortexm_test_rng.c a deterministic
 * RNG that is for tests ONLY.
 *
 * Nothing of the C library is bound by mbedTLS's platform layer
 * (MBEDTLS_PLATFORM_NO_STD_FUNCTIONS): no calloc, no time(), no exit().
 * The only libc functions mbedTLS still calls are the freestanding ones
 * (memcpy, memset, memcmp, strlen, ...) and snprintf, which only X.509's
 * text functions (mbedtls_x509_dn_gets, _crt_info, _crt_verify_info) use,
 * so --gc-sections drops it unless the firmware calls those.
 */
#ifndef PE_MBEDTLS_FIRMWARE_CONFIG_H
#define PE_MBEDTLS_FIRMWARE_CONFIG_H

/* The TLS client, its crypto, the arena (MBEDTLS_MEMORY_BUFFER_ALLOC_C),
 * our pure-arithmetic gmtime_r (MBEDTLS_PLATFORM_GMTIME_R_ALT, from
 * pe_mbedtls_platform.c: newlib's gmtime_r can drag in printf and malloc
 * through __assert_func), the record sizes (IN 16384, OUT 4096),
 * RSASSA-PSS for TLS 1.3 with RSA certificates, exclusive PSA buffers.
 * Define PE_MBEDTLS_NO_TLS1_3 before including this file for a TLS 1.2
 * only image (about 15 KB less code, see MBEDTLS-NOTES.md). */
#include "pe_mbedtls_client_common.h"

/* ------------------------------------------------------------ libc
 *
 * The platform layer binds no standard function: without this, the
 * default mbedtls_calloc/mbedtls_free pointers would be calloc/free and
 * newlib's malloc would be linked in (used or not). With it they start as
 * stubs that return NULL, and mbedtls_memory_buffer_alloc_init() points
 * them at the arena: an image whose map shows no malloc proves mbedTLS
 * cannot reach the heap.
 */
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
/* NO_STD_FUNCTIONS leaves mbedtls_snprintf without a default; X.509's
 * text functions need one. newlib's, only linked when they are. */
#define MBEDTLS_PLATFORM_SNPRINTF_MACRO snprintf
/* The header platform.h includes under NO_STD_FUNCTIONS: the one that
 * declares snprintf (nothing of it is bound unless called). */
#define MBEDTLS_PLATFORM_STD_MEM_HDR <stdio.h>

/* ------------------------------------------------------------ RNG
 *
 * PSA takes its random numbers from mbedtls_psa_external_get_random(),
 * which the firmware defines: a hardware TRNG (STM32 RNG, nRF CRACEN,
 * i.MX TRNG ...) or a DRBG the firmware seeds from one. No CTR_DRBG, no
 * entropy module, no entropy source to configure here. TLS itself takes
 * the port's random callback (lib/tls_mbedtls.c: mbedtls_ssl_conf_rng with
 * port->random); a firmware port can answer it with psa_generate_random()
 * (the notes: mbedtls_psa_get_random serves as the TLS RNG, no second
 * DRBG needed).
 *
 * QEMU's MPS2 board has no TRNG: port/cortexm/pe_cortexm_test_rng.c is a
 * deterministic, seeded generator for the tests under QEMU. It refuses to
 * compile unless PE_CORTEXM_INSECURE_TEST_RNG is defined. Never in a
 * product: every key it produces is predictable.
 */
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG

/* ------------------------------------------------------------ clock
 *
 * Decision: keep the time. Without MBEDTLS_HAVE_TIME_DATE mbedTLS skips
 * the validity period of every certificate, so an expired or not yet
 * valid certificate (one whose key may have leaked, since revoked) would
 * be accepted. With it, the time comes from the firmware, never libc:
 *
 *   MBEDTLS_PLATFORM_TIME_ALT: mbedtls_time is a pointer the firmware
 *     sets with mbedtls_platform_set_time() (RTC, SNTP, GNSS, a time
 *     from the cellular network ...). Until it does, the time is 0, i.e.
 *     1970, and every certificate is "not yet valid": a board that does
 *     not know the date fails closed (MBEDTLS_X509_BADCERT_FUTURE) rather
 *     than skipping the check. Set the clock before connecting.
 *   MBEDTLS_PLATFORM_MS_TIME_ALT: the firmware defines mbedtls_ms_time(),
 *     a monotonic millisecond counter (TLS 1.3 ticket age and lifetime).
 *     mbedTLS has no default for a bare-metal target (it #errors).
 *   Dates are computed by mbedtls_platform_gmtime_r in
 *   pe_mbedtls_platform.c (MBEDTLS_PLATFORM_GMTIME_R_ALT, common file).
 */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_TIME_ALT
#define MBEDTLS_PLATFORM_MS_TIME_ALT

/* ------------------------------------------------------------ size and speed */

/* Bignum multiply-accumulate in Thumb-2 assembly (UMAAL on the M4's DSP
 * extension): RSA verification and ECDHE are most of a handshake's 28 M
 * instructions. Needs a compiler that understands GNU inline assembly. */
#define MBEDTLS_HAVE_ASM
/* Largest bignum: 4096-bit RSA (512 bytes) covers the biggest key in an
 * AWS chain (Amazon Root CA 2 is RSA-4096); the default 1024 bytes only
 * bounds buffers for keys we never see. */
#define MBEDTLS_MPI_MAX_SIZE 512
/* ECP keeps its defaults (window 4 bits, fixed-point comb tables for the
 * generator): the lean setting (window 2, no table) saves about 6 KB of
 * code but costs 47% more handshake instructions (MBEDTLS-NOTES.md). */

/* ------------------------------------------------------------ arena statistics
 *
 * Off: counting costs a few bytes per allocation. Define
 * PE_MBEDTLS_ARENA_STATS for the whole build (libraries too) to get
 * mbedtls_memory_buffer_alloc_max_get(), e.g. to size the arena
 * (MBEDTLS-NOTES.md: 35,808 B was the smallest that worked on Cortex-M4,
 * TLS 1.3, full and resumed handshakes).
 */
#if defined(PE_MBEDTLS_ARENA_STATS)
#define MBEDTLS_MEMORY_DEBUG
#endif

/* Left out on purpose (all off unless defined): MBEDTLS_FS_IO (no file
 * system: the CA is parsed from memory, with mbedtls_x509_crt_parse_der_nocopy
 * it can stay in flash), MBEDTLS_ENTROPY_C and MBEDTLS_CTR_DRBG_C (external
 * RNG), MBEDTLS_NET_C (lwIP or the port does the sockets), MBEDTLS_DEBUG_C,
 * MBEDTLS_SELF_TEST, MBEDTLS_ERROR_C (strings), MBEDTLS_THREADING_C (one
 * thread uses mbedTLS), MBEDTLS_SSL_SRV_C and everything server-side. */

#endif /* PE_MBEDTLS_FIRMWARE_CONFIG_H */
