/*
 * pe_mbedtls_firmware_tls12_config.h - the firmware configuration without
 * TLS 1.3: everything else as pe_mbedtls_firmware_config.h (same options,
 * same arena settings), so the two measure the cost of each protocol
 * version on the target. make bench builds both (mk/bench.mk).
 */
#ifndef PE_MBEDTLS_FIRMWARE_TLS12_CONFIG_H
#define PE_MBEDTLS_FIRMWARE_TLS12_CONFIG_H

#define PE_MBEDTLS_NO_TLS1_3
#include "pe_mbedtls_firmware_config.h"

#endif /* PE_MBEDTLS_FIRMWARE_TLS12_CONFIG_H */
