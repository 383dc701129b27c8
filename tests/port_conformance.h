/*
 * port_conformance.h - checks that a port (pe_port.h) keeps its contract,
 * run against a peer the test controls. Any port can be put through them:
 * the checks call the port only through pe_port_t, and learn where the
 * peer is from a pe_port_target_t.
 *
 * The peer is a TCP server that reads one command line per connection,
 * then does what it says:
 *   "echo\n"     sends back every byte it receives, until end of stream
 *                (send nothing and it stays silent: recv times out)
 *   "drip N\n"   sends N pattern bytes in pieces of 1 to 7, pausing
 *                between pieces, then closes in order (FIN)
 *   "close\n"    closes in order (FIN)
 *   "reset\n"    aborts the connection (RST)
 *   "sink\n"     never reads again (the client's send buffer fills), until
 *                the next connection arrives or 5 s pass
 * The client sends nothing after "close" and "reset" (unread bytes would
 * turn a FIN into an RST). pe_port_peer_start() runs such a peer on a
 * thread of this process over the host's own sockets.
 */
#ifndef PE_PORT_CONFORMANCE_H
#define PE_PORT_CONFORMANCE_H

#include <pthread.h>
#include <stdbool.h>

#include "pe_port.h"

/* Where the checks find the peer. */
typedef struct {
    /** Address literal the peer listens on ("127.0.0.1", "::1"). */
    const char *host;
    /** The command server described above. */
    uint16_t port;
    /** Nothing listens there: a connect is refused at once. */
    uint16_t closed_port;
    /** A listener whose backlog is full: a connect hangs until its
     *  timeout. 0 when the peer could not make one: that check is
     *  skipped, with a "# SKIP" line. */
    uint16_t full_port;
} pe_port_target_t;

typedef struct {
    unsigned passed;
    unsigned failed;
} pe_port_conformance_result_t;

/*
 * Runs every check against the peer at *target, printing "ok - ..." or
 * "not ok - ..." per group and a FAIL line per failed check. Returns the
 * checks counted: pe_test.h keeps its counters per file, so the caller
 * adds these to its own before pe_test_summary(). The port is closed on
 * return. Takes a few seconds.
 */
pe_port_conformance_result_t
pe_port_conformance(const pe_port_t *port, const pe_port_target_t *target);

/* ------------------------------------------------------------ the peer */

#define PE_PORT_PEER_FILLERS 8

/* A peer on a thread of this process (POSIX sockets and pthreads). */
typedef struct {
    pe_port_target_t target; /* filled by pe_port_peer_start() */
    /* private */
    char host[64];
    int listen_fd;
    int closed_fd;
    int full_fd;
    int filler_fd[PE_PORT_PEER_FILLERS];
    int stop_pipe[2];
    pthread_t thread;
    bool running;
} pe_port_peer_t;

/* Starts a peer listening on the address literal `host`. False (with a
 * message on stderr) when it cannot; nothing is left open then. */
bool pe_port_peer_start(pe_port_peer_t *peer, const char *host);

/* Stops the peer and closes everything it opened; safe to call twice. */
void pe_port_peer_stop(pe_port_peer_t *peer);

#endif /* PE_PORT_CONFORMANCE_H */
