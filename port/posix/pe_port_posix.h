/*
 * pe_port_posix.h - the port (pe_port.h) for POSIX hosts: BSD sockets,
 * poll(), clock_gettime() and getrandom() or /dev/urandom.
 *
 *     pe_posix_port_t posix;
 *     pe_port_t port;
 *     pe_posix_port_init(&posix, &port);
 *     ... hand &port to the client ...
 *     port.close(port.ctx);
 *
 * Sockets are close-on-exec and TCP_NODELAY, and block once connected:
 * a recv that has to wait does so in the recv() itself, bounded by
 * SO_RCVTIMEO (set once per connection, kept below the caller's timeout;
 * the last stretch of a long wait is a poll(), whose timer is exact), so
 * a reply costs one system call, not a poll() and a recv(). Calls that
 * must not wait (timeout 0, every send attempt) pass MSG_DONTWAIT; a send
 * waits for room with poll(). No call raises SIGPIPE. Small reads are
 * served from a read-ahead buffer (PE_POSIX_READ_AHEAD bytes), so
 * mbedTLS's record header and body come in one recv() rather than two.
 * Name resolution is getaddrinfo(), which blocks for as long as the
 * system resolver takes: timeout_ms bounds the TCP connect only.
 * No heap is used by the port itself (getaddrinfo allocates internally).
 */
#ifndef PE_PORT_POSIX_H
#define PE_PORT_POSIX_H

#include "pe_port.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef PE_POSIX_READ_AHEAD
#define PE_POSIX_READ_AHEAD 512
#endif

/* The coarsest kernel tick SO_RCVTIMEO is kept clear of (HZ 100). */
#ifndef PE_POSIX_TICK_MS
#define PE_POSIX_TICK_MS 10u
#endif

/** The context of the POSIX port. Fields are readable for diagnostics;
 *  only the port writes them. */
typedef struct {
    /** The connected socket, -1 when no connection is open. */
    int fd;
    /** errno of the last failure of a socket call (0 when none yet). */
    int last_errno;
    /** getaddrinfo() result of the last PE_ERR_DNS (see gai_strerror). */
    int last_gai_error;
    /** The SO_RCVTIMEO set on fd in ms, 0 when none is set yet. */
    uint32_t rcvtimeo_ms;
    /** Bytes received and not yet handed out: ahead[ahead_pos..ahead_len). */
    uint8_t ahead[PE_POSIX_READ_AHEAD];
    size_t ahead_pos;
    size_t ahead_len;
} pe_posix_port_t;

/** Fills *port with the POSIX functions and *ctx with "no connection";
 *  port->ctx points to ctx, which must outlive the port. */
void pe_posix_port_init(pe_posix_port_t *ctx, pe_port_t *port);

/** Splits "https://HOST[:PORT][/]" into host (written into host, cap
 *  bytes with its NUL) and port (443 when absent): what a program needs
 *  for pe_config_t.endpoint_host/endpoint_port. 0, or -1 when the URL is
 *  not of that form or the host does not fit. */
int pe_posix_parse_endpoint(const char *url, char *host, size_t cap,
                            uint16_t *port);

#ifdef __cplusplus
}
#endif
#endif /* PE_PORT_POSIX_H */
