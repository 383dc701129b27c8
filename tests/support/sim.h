/*
 * sim.h - the local Pinpoint Email service (tests/sim/run) from C tests:
 * start it as a child process, learn its endpoint, CA bundle and outbox,
 * drive its control endpoint (/_sim/...) through a client, stop it.
 *
 *     pe_sim_t sim;
 *     if (!pe_sim_start(&sim, args, 20000)) ... (sim.error says why)
 *     ... connect to sim.host:sim.port trusting sim.ca_path ...
 *     pe_sim_stop(&sim);
 *
 * The service writes accepted messages into a fresh temporary folder
 * (sim.outbox) that pe_sim_stop() empties and removes. On Linux the child
 * gets SIGTERM when the test process dies, so a crashed test leaves no
 * server behind.
 */
#ifndef PE_TEST_SIM_H
#define PE_TEST_SIM_H

#include "pe_client.h"

#include <stdbool.h>
#include <sys/types.h>

#define PE_SIM_PATH_MAX 512

typedef struct {
    pid_t pid;                     /* 0 when not running */
    int out_fd;                    /* read end of the child's stdout */
    char host[16];                 /* "127.0.0.1" */
    uint16_t port;
    char ca_path[PE_SIM_PATH_MAX]; /* PEM bundle of the service's test CA */
    char outbox[PE_SIM_PATH_MAX];  /* where accepted messages land */
    char token[80];                /* control token */
    char tmp_dir[PE_SIM_PATH_MAX]; /* ours: holds the outbox */
    char error[256];               /* why pe_sim_start failed */
} pe_sim_t;

/* Access key the service accepts without --access-key. */
#define PE_SIM_ACCESS_KEY "AKIDEXAMPLE"
#define PE_SIM_SECRET_KEY "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

/* Starts tests/sim/run (relative to the current folder: run tests from the
 * repository root) with the NULL-terminated extra arguments (may be NULL)
 * and reads its start-up lines within timeout_ms. On failure the child is
 * stopped and reaped, and sim->error tells why. */
bool pe_sim_start(pe_sim_t *sim, const char *const *args, unsigned timeout_ms);

/* SIGTERM, then SIGKILL if it has not exited within 5 s; always reaped.
 * Removes the outbox folder. Safe to call twice. Returns the child's exit
 * status (-1 when it did not exit by itself). */
int pe_sim_stop(pe_sim_t *sim);

/* Bytes of the file sim->outbox/<name>, read into a new heap buffer (NUL
 * after the last byte, not counted in *len). NULL when unreadable. */
unsigned char *pe_sim_outbox_file(const pe_sim_t *sim, const char *name,
                                  size_t *len);

/* Controls, sent as SigV4-signed requests through an API client that
 * points at the service (they use up no fault). */

/* Queues a fault ("close-after", "500", "delay", ...) for the next `count`
 * API requests; ms is the delay fault's length (0: its default). */
pe_status_t pe_sim_fault(pe_client_t *c, const char *kind, int64_t count,
                         int64_t ms);

/* The next `count` API requests get 429 TooManyRequestsException with
 * Retry-After: retry_after (seconds). */
pe_status_t pe_sim_throttle(pe_client_t *c, int64_t count, int64_t retry_after);

/* Runs the service's clock skew_seconds off the true time (0: true). */
pe_status_t pe_sim_clock(pe_client_t *c, int64_t skew_seconds);

/* Marks an identity verified ("SUCCESS") or failed ("FAILED"). */
pe_status_t pe_sim_verify(pe_client_t *c, const char *identity,
                          const char *status);

/* Changes the account: each pe_bool_t member left PE_UNSET is kept. */
typedef struct {
    pe_bool_t production_access_enabled;
    pe_bool_t sending_enabled;
    pe_bool_t reset_sent;
    const char *enforcement_status; /* NULL: kept */
} pe_sim_account_t;
pe_status_t pe_sim_account(pe_client_t *c, const pe_sim_account_t *changes);
/* The TLS protocol ("TLSv1.3") of the connection the client has open, and
 * whether the service resumed a session for it. */
pe_status_t pe_sim_connection(pe_client_t *c, char *version, size_t cap,
                              bool *resumed);

#endif /* PE_TEST_SIM_H */
