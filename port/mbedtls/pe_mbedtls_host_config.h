/*
 * pe_mbedtls_host_config.h - mbedTLS 3.6 configuration for host builds
 * (Linux and other POSIX systems), used by examples/no_heap:
 *
 *     -I port/mbedtls -DMBEDTLS_CONFIG_FILE=\"pe_mbedtls_host_config.h\"
 *
 * (mk/mbedtls36.mk passes exactly that, in MBEDTLS36_INC, and builds the
 * mbedTLS libraries with it: the libraries and everything that includes
 * their headers must see the same configuration.)
 *
 * The TLS client itself is in pe_mbedtls_client_common.h, shared with
 * firmware configurations; this file adds the host's RNG, clock,
 * assembly and arena statistics. A firmware config includes the common
 * file the same way and chooses its own answers to the questions below.
 */
#ifndef PE_MBEDTLS_HOST_CONFIG_H
#define PE_MBEDTLS_HOST_CONFIG_H

#include "pe_mbedtls_client_common.h"

/* ------------------------------------------------------------ RNG for PSA
 *
 * Two RNGs are in play. TLS gets the port's (lib/tls_mbedtls.c calls
 * mbedtls_ssl_conf_rng with port->random: getrandom() in the POSIX port).
 * PSA, which does the TLS 1.3 and (with MBEDTLS_USE_PSA_CRYPTO) the
 * TLS 1.2 ECDHE key shares, has its own, and it must be configured here.
 *
 * Host choice: PSA's built-in CTR_DRBG seeded from the platform entropy
 * source. It needs nothing from the program, so every host program can
 * link these libraries as they are. On Linux the entropy source is the
 * getrandom system call (no file, no heap); only a kernel without it
 * (ENOSYS, before 3.17) makes mbedTLS fall back to fopen("/dev/urandom").
 *
 * Firmware will rather define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG and provide
 * mbedtls_psa_external_get_random() from the hardware TRNG: no DRBG code,
 * no entropy module. PE_MBEDTLS_PSA_EXTERNAL_RNG selects that here too
 * (the program must then define the function).
 */
#if defined(PE_MBEDTLS_PSA_EXTERNAL_RNG)
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG
#else
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C
#endif

/* ------------------------------------------------------------ clock */

/* time() for TLS session ticket lifetimes and for X.509: certificate
 * validity is checked against gmtime_r() of the current time. */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE

/* ------------------------------------------------------------ speed */

/* Inline assembly for bignum multiplication, and AES-NI when the CPU has
 * it (detected at run time). Both only where the compiler supports them. */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_AESNI_C

/* ------------------------------------------------------------ arena statistics */

/* The arena counts its current and peak use
 * (mbedtls_memory_buffer_alloc_cur_get / _max_get): examples/no_heap
 * prints the peak. Costs a few bytes per allocation. */
#define MBEDTLS_MEMORY_DEBUG

#endif /* PE_MBEDTLS_HOST_CONFIG_H */
