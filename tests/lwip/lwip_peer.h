/*
 * lwip_peer.h - the conformance peer of tests/port_conformance.h (same
 * commands: echo, drip N, close, reset, sink), running on lwIP's sockets
 * on a thread of this process: for an lwIP whose only working netif is
 * its loopback, where the host's sockets cannot reach the port.
 *
 * lwIP's listen has no backlog limit in Debian's build (TCP_LISTEN_BACKLOG
 * 0), so there is no full listener: target.full_port is 0 and the suite
 * skips that check (the test checks a connect timeout another way).
 */
#ifndef PE_LWIP_PEER_H
#define PE_LWIP_PEER_H

#include <pthread.h>
#include <stdbool.h>

#include "port_conformance.h"

typedef struct {
    pe_port_target_t target; /* filled by pe_lwip_peer_start() */
    /* private */
    char host[64];
    int listen_sock;
    int closed_sock;
    pthread_t thread;
    pthread_mutex_t lock;
    bool stop;
    bool running;
} pe_lwip_peer_t;

/* Starts the peer on the lwIP address literal `host` (lwIP must be up).
 * False, with a message on stderr, when it cannot. */
bool pe_lwip_peer_start(pe_lwip_peer_t *peer, const char *host);

/* Stops the peer and closes its sockets; safe to call twice. */
void pe_lwip_peer_stop(pe_lwip_peer_t *peer);

#endif /* PE_LWIP_PEER_H */
