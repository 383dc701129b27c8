/*
 * pe_mbedtls_client_common.h - the part of an mbedTLS 3.6 configuration
 * that every build of pinpoint-email shares, host or firmware: a TLS 1.2
 * and 1.3 client that verifies an AWS endpoint, plus the crypto lib/ uses.
 *
 * Not a configuration by itself: a config file (MBEDTLS_CONFIG_FILE)
 * includes it and adds what depends on the platform (RNG, clock,
 * assembly, memory reporting). See pe_mbedtls_host_config.h.
 *
 * Option names and their requirements are documented in mbedTLS's
 * include/mbedtls/mbedtls_config.h; check_config.h rejects inconsistent
 * sets at compile time. Anything not defined here is off: no server
 * side, no DTLS, no CBC, no RSA key exchange, no file system, no PSA
 * persistent storage, no self tests, no debug output.
 */
#ifndef PE_MBEDTLS_CLIENT_COMMON_H
#define PE_MBEDTLS_CLIENT_COMMON_H

/* ------------------------------------------------------------ memory */

/* mbedtls_calloc/mbedtls_free become function pointers the program sets:
 * mbedtls_memory_buffer_alloc_init() points them at one static arena, so
 * mbedTLS never touches the system heap. MBEDTLS_PLATFORM_C is where
 * those pointers live. Not thread-safe without MBEDTLS_THREADING_C: one
 * thread uses mbedTLS (the library's model: one client per thread, and
 * here one arena per program). */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
/* X.509 turns the time into a date with our mbedtls_platform_gmtime_r
 * (pe_mbedtls_platform.c, built into libmbedcrypto.a by mk/mbedtls36.mk):
 * glibc's gmtime_r frees and allocates on its first call (tzset), and
 * newlib's can pull in printf and malloc. */
#define MBEDTLS_PLATFORM_GMTIME_R_ALT

/* ------------------------------------------------------------ lib/crypto_mbedtls.c */

/* SigV4: SHA-256 (and HMAC on it, computed by lib/ itself). */
#define MBEDTLS_SHA256_C
/* Raw email content travels as base64 in JSON; PEM needs it too. */
#define MBEDTLS_BASE64_C
/* mbedtls_platform_zeroize (wiping secrets) lives in platform_util.c,
 * which is always built: nothing to enable. */

/* ------------------------------------------------------------ hashes and ciphers */

/* The hash layer TLS, X.509 and PK go through. */
#define MBEDTLS_MD_C
/* TLS_AES_256_GCM_SHA384 (TLS 1.3) and the *_SHA384 TLS 1.2 suites;
 * certificates signed with SHA-384 (AWS's ECC chains). sha512.c builds
 * SHA-384 alone when MBEDTLS_SHA512_C is off. */
#define MBEDTLS_SHA384_C
/* AES-GCM: the cipher of every suite offered (AES-128 and AES-256). The
 * tables stay in read-only memory instead of being built in RAM. */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_GCM_C
/* The cipher layer TLS 1.2 records use (required by MBEDTLS_SSL_TLS_C). */
#define MBEDTLS_CIPHER_C

/* ------------------------------------------------------------ public keys */

/* Big numbers, ASN.1 and OIDs for certificates and keys. */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C /* ECDSA signatures are re-encoded for PSA */
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
/* RSA certificates (every AWS endpoint serves one): PKCS#1 v1.5
 * signatures in certificates and TLS 1.2, RSASSA-PSS (PKCS#1 v2.1) for
 * TLS 1.3's CertificateVerify. */
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
/* Elliptic curves: ECDHE key exchange and ECDSA certificates. */
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
/* The groups lib/tls_mbedtls.c offers, in its order: P-256 first (the
 * cheapest NIST curve: Debian 2.28's default secp521r1 cost 2.6x the
 * instructions), X25519, P-384 (also for ECC certificate chains). */
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
/* Faster modular reduction for the NIST curves (a little more code). */
#define MBEDTLS_ECP_NIST_OPTIM

/* ------------------------------------------------------------ PSA crypto */

/* TLS 1.3 in 3.6 does all its crypto through PSA; psa_crypto_init() is
 * called by lib/tls_mbedtls.c. The PSA RNG is the platform's business
 * (see the config that includes this file). No persistent keys:
 * MBEDTLS_PSA_CRYPTO_STORAGE_C stays off (it would open files), and
 * without MBEDTLS_PSA_KEY_STORE_DYNAMIC the key slots are a static table,
 * not heap. */
#define MBEDTLS_PSA_CRYPTO_C
/* TLS 1.2 through PSA as well, so both versions share one crypto path
 * (the configuration the memory figures in the notes were measured with). */
#define MBEDTLS_USE_PSA_CRYPTO
/* mbedTLS passes PSA buffers nobody else touches meanwhile; without this
 * PSA copies every 16 KiB record through the heap and the peak doubles
 * (31,976 -> 64,808 B measured for TLS 1.2). */
#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS
/* The TLS 1.3 key schedule (HKDF-Extract/Expand); check_config.h wants
 * it through PSA (PSA_WANT_ALG_HKDF_*), which MBEDTLS_HKDF_C provides in
 * a configuration without MBEDTLS_PSA_CRYPTO_CONFIG. */
#define MBEDTLS_HKDF_C

/* ------------------------------------------------------------ X.509 */

/* Parse and verify the server's chain against the caller's CA (PEM or
 * DER). Time checks need MBEDTLS_HAVE_TIME_DATE from the platform part. */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_PEM_PARSE_C
/* TLS 1.3 with an RSA server certificate: without it the client offers no
 * rsa_pss_rsae_* signature algorithm and the handshake fails (-0x7780 or
 * -0x6E00). check_config.h does not catch this. */
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT

/* ------------------------------------------------------------ TLS */

#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
/* PE_MBEDTLS_NO_TLS1_3 (defined by the including config) leaves TLS 1.3
 * out: for measurements, or firmware that must be smaller. */
#if !defined(PE_MBEDTLS_NO_TLS1_3)
#define MBEDTLS_SSL_PROTO_TLS1_3
#endif
/* TLS 1.2: forward secrecy only (no static RSA key exchange). */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
/* TLS 1.2: RFC 7627, binds the master secret to the handshake. */
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
/* TLS 1.3: full handshakes (ECDHE) and resumption with a ticket (PSK
 * plus ECDHE, the only resumption mode 3.6 clients use by default). */
#if !defined(PE_MBEDTLS_NO_TLS1_3)
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
/* TLS 1.3 looks like a TLS 1.2 resumption on the wire: gets through
 * middleboxes that drop unknown handshakes (costs a few bytes). */
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#endif
/* Session tickets: lib/tls_mbedtls.c resumes the previous session on
 * reconnect (TLS 1.2: no ECDHE, no chain verification). */
#define MBEDTLS_SSL_SESSION_TICKETS
/* SNI: AWS endpoints need the host name to pick their certificate. */
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
/* Required by TLS 1.3 in 3.6 (check_config.h enforces it); costs about
 * 9.5 KB of live arena, on TLS 1.2 connections too. */
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
/* Proper alerts to the server when a handshake fails. */
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES

/* Record buffers, allocated for each connection. AWS endpoints do not
 * negotiate max_fragment_length, so an incoming record can be 16 KiB;
 * outgoing records are ours: 4 KiB is enough (a request is cut into
 * records of that size). */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

#endif /* PE_MBEDTLS_CLIENT_COMMON_H */
