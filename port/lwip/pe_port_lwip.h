/*
 * pe_port_lwip.h - the port (pe_port.h) over lwIP's socket API, for
 * firmware (and any other lwIP system with an OS: NO_SYS=0).
 *
 *     static pe_lwip_port_t lwip;
 *     static pe_port_t port;
 *     pe_lwip_hooks_t hooks = { board_time_utc, board_trng, NULL };
 *     ... tcpip_init() has run and a netif is up ...
 *     pe_lwip_port_init(&lwip, &port, &hooks);
 *     ... hand &port to the client ...
 *
 * Sockets: lwip_socket/lwip_connect on a non-blocking socket, every wait
 * a lwip_poll() (lwip_select() when LWIP_SOCKET_POLL is off) bounded by
 * the caller's timeout; TCP_NODELAY. Names: an address literal (IPv4, or
 * IPv6 when LWIP_IPV6) is parsed by lwIP itself; any other name goes to
 * lwIP's resolver (netconn_gethostbyname: no heap) when LWIP_DNS is on,
 * and is PE_ERR_DNS when it is off. The resolver's own retries bound a
 * lookup (DNS_MAX_RETRIES, DNS_TMR_INTERVAL), not timeout_ms.
 *
 * Clocks: monotonic_ms is lwIP's sys_now() and sleep_ms its sys_msleep(),
 * both from the system's sys_arch (the RTOS tick). The wall clock and the
 * random bytes come from the application: lwIP has neither (an RTC or SNTP
 * for the time, the MCU's TRNG for the randomness).
 *
 * Requirements on lwipopts.h: LWIP_SOCKET and LWIP_TCP, LWIP_SOCKET_POLL
 * or LWIP_SOCKET_SELECT. Thread: call the port from one application
 * thread at a time (one connection per context); lwIP's errno must be
 * per thread if other threads use sockets (newlib's reentrant errno, or
 * LWIP_PROVIDE_ERRNO in a single-thread application). This header does
 * not include lwIP's: code that only hands the port to the client does not
 * need lwIP's include path.
 */
#ifndef PE_PORT_LWIP_H
#define PE_PORT_LWIP_H

#include "pe_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What the application provides. */
typedef struct {
    /** UTC seconds since the epoch, negative when the device does not know
     *  the time (an RTC never set, SNTP not answered yet). Report the clock
     *  as it is (see pe_port_t.time_utc). NULL: the time is never known,
     *  and no request can be signed (PE_ERR_NO_CLOCK). */
    int64_t (*time_utc)(void *user);
    /** Fills buf with len bytes from a cryptographically secure source
     *  (the MCU's TRNG); PE_OK, or PE_ERR_CRYPTO when it cannot (a TRNG
     *  fault). NULL: every call fails with PE_ERR_CRYPTO. */
    pe_status_t (*random)(void *user, uint8_t *buf, size_t len);
    /** Passed to both. */
    void *user;
} pe_lwip_hooks_t;

/** The context of the lwIP port. Fields are readable for diagnostics;
 *  only the port writes them. */
typedef struct {
    /** The connected lwIP socket, -1 when no connection is open. */
    int sock;
    /** errno of the last failure of a socket call (0 when none yet);
     *  lwIP's values (lwip/errno.h, or the C library's with
     *  LWIP_ERRNO_STDINCLUDE / external socket headers). */
    int last_errno;
    /** lwIP err_t of the last failed lookup (0: none, or no resolver). */
    int last_dns_err;
    /** A copy of the application's hooks. */
    pe_lwip_hooks_t hooks;
} pe_lwip_port_t;

/** Fills *port with the lwIP functions and *ctx with "no connection" and
 *  a copy of *hooks (NULL: no hooks); port->ctx points to ctx, which must
 *  outlive the port. lwIP must be running (tcpip_init) before the first
 *  connect, not before this call. */
void pe_lwip_port_init(pe_lwip_port_t *ctx, pe_port_t *port,
                       const pe_lwip_hooks_t *hooks);

#ifdef __cplusplus
}
#endif
#endif /* PE_PORT_LWIP_H */
