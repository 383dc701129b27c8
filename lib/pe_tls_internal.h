/* pe_tls_internal.h - TLS over a port, for client.c (internal). */
#ifndef PE_TLS_INTERNAL_H
#define PE_TLS_INTERNAL_H

#include "pe_client.h"

/* Prepares the storage and parses the trusted CA certificates of cfg (ca:
 * PEM, with its NUL terminator counted in ca_len, or DER; several PEM
 * certificates may follow each other); keeps cfg's port, timeouts (0: the
 * defaults) and tls12_only (offer TLS 1.2 only, also where mbedTLS has
 * TLS 1.3). PE_ERR_CERT_VERIFY when no certificate parses. clock_offset
 * (seconds the device clock is behind the service, 0 if unknown; read at
 * each connect) corrects the certificate validity check where mbedTLS
 * allows it (MBEDTLS_PLATFORM_TIME_ALT). */
pe_status_t pe_tls_init(pe_tls_t *tls, const pe_config_t *cfg,
                        const int64_t *clock_offset);
/* Connects to host:port and completes a verified handshake (SNI and host
 * name check with host) within the timeouts; the connection must be
 * closed. Resumes the previous session when it can. */
pe_status_t pe_tls_connect(pe_tls_t *tls, const char *host, uint16_t port);
/* Whether the connection is open and the peer has not closed it (else it
 * is closed now). */
bool pe_tls_alive(pe_tls_t *tls);
/* Sends all of buf; PE_ERR_TIMEOUT when the I/O timeout passes without
 * progress. A failure closes the connection. */
pe_status_t pe_tls_send(pe_tls_t *tls, const void *buf, size_t len);
/* Receives up to len bytes into buf: *got > 0, or 0 when the peer closed
 * the connection. PE_ERR_TIMEOUT after the I/O timeout without data. The
 * end of the stream and a failure close the connection. */
pe_status_t pe_tls_recv(pe_tls_t *tls, void *buf, size_t len, size_t *got);
/* Closes the connection (close_notify when possible); the session is kept
 * for resumption. */
void pe_tls_close(pe_tls_t *tls);
/* The open connection's protocol ("TLSv1.2", "TLSv1.3"), else "". */
const char *pe_tls_version(pe_tls_t *tls);
/* Drops the kept session: the next connect makes a full handshake. */
void pe_tls_forget_session(pe_tls_t *tls);
/* Frees everything mbedTLS holds for this context. */
void pe_tls_free(pe_tls_t *tls);

#endif /* PE_TLS_INTERNAL_H */
