/*
 * pe_fifo_port.h - TESTS UNDER QEMU ONLY: a pe_port_t whose TCP
 * connection is carried by a relay on the host (tests/bench/fifo_relay.py)
 * through two named pipes that the firmware opens with semihosting.
 *
 * Every port call is one request on the firmware -> host pipe and one
 * answer on the host -> firmware pipe (little-endian 32-bit words):
 *
 *   request   op, len, arg, timeout_ms, then len payload bytes
 *     'C'     connect: payload the host name, arg the TCP port
 *     'S'     send: payload the bytes
 *     'R'     receive up to len bytes within timeout_ms
 *     'X'     close the connection
 *     'Q'     end of the program: the relay exits
 *   answer    a signed word: connect 0 (ok) or a pe_status_t; send and
 *             receive the pe_port.h result (> 0 bytes, 0 timeout, -1
 *             closed, -2 reset, -3 I/O), a receive's bytes following it
 *
 * Timeouts are the relay's: a semihosting read blocks QEMU until the
 * answer arrives. Time and sleep come from the board (SYS_TIME, SysTick),
 * random bytes from PSA (psa_generate_random; on QEMU the test RNG).
 */
#ifndef PE_FIFO_PORT_H
#define PE_FIFO_PORT_H

#include "pe_port.h"

typedef struct {
    int32_t tx; /* semihosting handle, firmware -> host */
    int32_t rx; /* host -> firmware */
} pe_fifo_port_t;

/* Opens the two pipes (host paths; each open blocks until the relay has
 * the other end) and fills *port. 0 on success, -1 if a pipe cannot be
 * opened. */
int pe_fifo_port_init(pe_fifo_port_t *f, pe_port_t *port, const char *tx_path,
                      const char *rx_path);

/* Tells the relay to exit and closes the pipes. */
void pe_fifo_port_end(pe_fifo_port_t *f);

#endif /* PE_FIFO_PORT_H */
