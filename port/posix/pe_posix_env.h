/*
 * pe_posix_env.h - what a POSIX program finds around it: credentials from
 * the environment or ~/.aws/credentials, CA certificates from a file.
 * (Host code: these use the C library and the heap, the library does not.)
 */
#ifndef PE_POSIX_ENV_H
#define PE_POSIX_ENV_H

#include "pe_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Debian's bundle of trusted CA certificates. */
#define PE_POSIX_DEFAULT_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

/** Credentials found for a program. Wipe with pe_posix_credentials_wipe. */
typedef struct {
    char access_key_id[129];
    char secret_access_key[129];
    char session_token[4097]; /**< empty when there is none */
} pe_posix_credentials_t;

/**
 * Finds credentials as the AWS tools do: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from the environment; else
 * the profile AWS_PROFILE (default "default") of the shared credentials
 * file (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials).
 * PE_ERR_UNSUPPORTED when none is found, PE_ERR_INVALID_ARGUMENT when one
 * is too long.
 */
pe_status_t pe_posix_load_credentials(pe_posix_credentials_t *out);

/** Wipes the credentials (mbedtls_platform_zeroize). */
void pe_posix_credentials_wipe(pe_posix_credentials_t *creds);

/**
 * Reads a whole file into a new heap buffer with a NUL after the last
 * byte; *len counts that NUL (as mbedTLS wants for PEM). Free with free().
 * NULL when the file cannot be read.
 */
unsigned char *pe_posix_read_file(const char *path, size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* PE_POSIX_ENV_H */
