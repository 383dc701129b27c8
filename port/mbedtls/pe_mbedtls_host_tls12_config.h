/*
 * pe_mbedtls_host_tls12_config.h - the host configuration without TLS 1.3:
 * everything else as pe_mbedtls_host_config.h (same options, same arena
 * settings), so the two measure the cost of each protocol version.
 * tests/test_no_heap.sh builds both.
 */
#ifndef PE_MBEDTLS_HOST_TLS12_CONFIG_H
#define PE_MBEDTLS_HOST_TLS12_CONFIG_H

#define PE_MBEDTLS_NO_TLS1_3
#include "pe_mbedtls_host_config.h"

#endif /* PE_MBEDTLS_HOST_TLS12_CONFIG_H */
