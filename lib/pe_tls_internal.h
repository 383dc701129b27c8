/* pe_tls_internal.h - TLS over a port, for client.c (internal). */
#ifndef PE_TLS_INTERNAL_H
#define PE_TLS_INTERNAL_H

#include "pe_port.h"
#include "pe_tls.h"

/* Prepares the storage and parses the trusted CA certificates (PEM, with
 * its NUL terminator counted in len, or DER; several PEM certificates may
 * follow each other). PE_ERR_CERT_VERIFY when none parses. tls12_only:
 * offer TLS 1.2 only, also where mbedTLS has TLS 1.3. */
pe_status_t pe_tls_init(pe_tls_t *tls, const pe_port_t *port,
                        const unsigned char *ca, size_t ca_len,
                        bool tls12_only);
/* Connects to host:port and completes a verified handshake (SNI and host
 * name check with host) within the timeouts. Resumes the previous session
 * when it can. clock_offset (seconds the device clock is behind the
 * service, 0 if unknown) corrects the certificate validity check where
 * mbedTLS allows it (MBEDTLS_PLATFORM_TIME_ALT). */
pe_status_t pe_tls_connect(pe_tls_t *tls, const char *host, uint16_t port,
                           uint32_t connect_timeout_ms,
                           uint32_t handshake_timeout_ms, int64_t clock_offset);
/* Whether the connection is open and the peer has not closed it. */
bool pe_tls_alive(pe_tls_t *tls);
/* Sends all of buf; PE_ERR_TIMEOUT when io_timeout_ms passes without
 * progress. */
pe_status_t pe_tls_send(pe_tls_t *tls, const void *buf, size_t len,
                        uint32_t io_timeout_ms);
/* Receives up to len bytes into buf: *got > 0, or 0 when the peer closed
 * the connection. PE_ERR_TIMEOUT after io_timeout_ms without data. */
pe_status_t pe_tls_recv(pe_tls_t *tls, void *buf, size_t len, size_t *got,
                        uint32_t io_timeout_ms);
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
