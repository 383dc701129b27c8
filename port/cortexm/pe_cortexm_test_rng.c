/*
 * pe_cortexm_test_rng.c - FOR TESTS UNDER QEMU ONLY. NOT A RANDOM NUMBER
 * GENERATOR. Every key, nonce and ECDHE share it produces is predictable
 * by anyone who knows the seed, which is in this file or on QEMU's
 * command line.
 *
 * QEMU's MPS2 board has no TRNG, and pe_mbedtls_firmware_config.h takes
 * PSA's randomness from mbedtls_psa_external_get_random() (the firmware's
 * TRNG on a real board). This stand-in lets TLS code run under QEMU:
 * SHA-256 in counter mode over a seed, so a run can be replayed byte for
 * byte (handshake traces, heap and instruction counts).
 *
 *   output block i = SHA-256(seed || i), i a 64-bit big-endian counter
 *
 * The seed is PE_CORTEXM_TEST_RNG_SEED (a string) unless the program calls
 * pe_cortexm_test_rng_seed() first, e.g. with the semihosting time when
 * runs should differ.
 *
 * It compiles only with -DPE_CORTEXM_INSECURE_TEST_RNG, which no product
 * build should carry.
 */
#if !defined(PE_CORTEXM_INSECURE_TEST_RNG)
#error "pe_cortexm_test_rng.c is a deterministic test RNG: build it only for tests under QEMU (-DPE_CORTEXM_INSECURE_TEST_RNG); firmware must take mbedtls_psa_external_get_random() from a hardware TRNG"
#endif

#include <mbedtls/build_info.h>
#include <mbedtls/sha256.h>
#include <psa/crypto.h>

#include <stdint.h>
#include <string.h>

#ifndef PE_CORTEXM_TEST_RNG_SEED
#define PE_CORTEXM_TEST_RNG_SEED "pinpoint-email QEMU tests, not random"
#endif

void pe_cortexm_test_rng_seed(const void *seed, size_t len);

static unsigned char rng_seed[32];
static int rng_seeded;
static uint64_t rng_counter;

void pe_cortexm_test_rng_seed(const void *seed, size_t len)
{
    (void)mbedtls_sha256((const unsigned char *)seed, len, rng_seed, 0);
    rng_counter = 0;
    rng_seeded = 1;
}

psa_status_t mbedtls_psa_external_get_random(
    mbedtls_psa_external_random_context_t *context, uint8_t *output,
    size_t output_size, size_t *output_length)
{
    (void)context;
    if (!rng_seeded) {
        pe_cortexm_test_rng_seed(PE_CORTEXM_TEST_RNG_SEED,
                                 sizeof PE_CORTEXM_TEST_RNG_SEED - 1);
    }
    *output_length = 0;
    while (*output_length < output_size) {
        unsigned char in[sizeof rng_seed + 8], block[32];
        size_t n = output_size - *output_length;
        int i;
        memcpy(in, rng_seed, sizeof rng_seed);
        for (i = 0; i < 8; i++) {
            in[sizeof rng_seed + (size_t)i] = (unsigned char)(rng_counter >> (56 - 8 * i));
        }
        rng_counter++;
        if (mbedtls_sha256(in, sizeof in, block, 0) != 0) {
            return PSA_ERROR_HARDWARE_FAILURE;
        }
        if (n > sizeof block) {
            n = sizeof block;
        }
        memcpy(output + *output_length, block, n);
        *output_length += n;
    }
    return PSA_SUCCESS;
}
