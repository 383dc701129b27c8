/*
 * pe_port.h - what the client needs from a platform, and nothing more.
 *
 * A port is a struct of function pointers plus a context the port defines
 * (a socket descriptor, an lwIP netconn, a modem handle...). The client
 * never names a platform: port/posix/ implements this for POSIX hosts,
 * port/lwip/ for lwIP; firmware links the one it needs. A port carries
 * plain bytes; TLS (mbedTLS) runs above it in lib/.
 *
 * The byte-moving contract (send and recv):
 *   > 0   that many bytes moved. A short count is normal; the CALLER loops
 *         for the rest. A port never retries on its own, except on EINTR.
 *   PE_PORT_TIMEOUT (0)
 *         nothing moved within timeout_ms. The caller decides whether its
 *         own deadline allows another call. With timeout_ms 0 the call
 *         moves what it can without waiting.
 *   PE_PORT_CLOSED (-1)
 *         the peer closed the connection in order (recv: end of stream;
 *         send: the peer no longer reads).
 *   PE_PORT_RESET (-2)
 *         the connection broke (reset, unreachable, aborted).
 *   PE_PORT_IO (-3)
 *         any other failure of the port; the connection is unusable.
 * Stacks differ in what send reports once the peer is gone (Linux: a
 * reset is reported once, ECONNRESET, then as a closed pipe, EPIPE), so a
 * send may return CLOSED or RESET in either case; recv tells them apart
 * (a FIN is CLOSED, an RST is RESET). After CLOSED, RESET or IO the
 * caller calls close() before connecting again. recv/send with len 0 are
 * never called.
 */
#ifndef PE_PORT_H
#define PE_PORT_H

#include "pe_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PE_PORT_TIMEOUT 0
#define PE_PORT_CLOSED (-1)
#define PE_PORT_RESET (-2)
#define PE_PORT_IO (-3)

/** 2020-01-01T00:00:00Z: a wall clock before it has never been set. */
#define PE_MIN_PLAUSIBLE_TIME INT64_C(1577836800)

typedef struct {
    /**
     * Opens a TCP connection to host (a name or an address literal) and
     * port within timeout_ms. Returns PE_OK, PE_ERR_DNS (the name does not
     * resolve), PE_ERR_CONNECT (refused or unreachable) or PE_ERR_TIMEOUT.
     * Only one connection per context is open at a time.
     */
    pe_status_t (*connect)(void *ctx, const char *host, uint16_t port,
                           uint32_t timeout_ms);
    /** Sends up to len bytes; see the byte-moving contract above. */
    int32_t (*send)(void *ctx, const uint8_t *buf, size_t len,
                    uint32_t timeout_ms);
    /** Receives up to len bytes; see the byte-moving contract above. */
    int32_t (*recv)(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms);
    /** Closes the connection if one is open; safe to call twice. */
    void (*close)(void *ctx);
    /** UTC wall-clock time in seconds since the epoch; a negative value
     *  means the device does not know the time. Report the clock as it is:
     *  the client treats a time before PE_MIN_PLAUSIBLE_TIME (a board
     *  without a real-time clock booting in 1970) as unknown itself. */
    int64_t (*time_utc)(void *ctx);
    /** A monotonic millisecond counter (wraps; only differences count). */
    uint32_t (*monotonic_ms)(void *ctx);
    /** Sleeps about ms milliseconds. */
    void (*sleep_ms)(void *ctx, uint32_t ms);
    /** Fills buf with len bytes from a cryptographically secure source
     *  (TLS keys, backoff jitter); PE_ERR_CRYPTO when it cannot. */
    pe_status_t (*random)(void *ctx, uint8_t *buf, size_t len);
    /** The port's own context, passed to every function. */
    void *ctx;
} pe_port_t;

#ifdef __cplusplus
}
#endif
#endif /* PE_PORT_H */
