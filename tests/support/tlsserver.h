/*
 * tlsserver.h - the reporting TLS server (tests/tls_server.py) from C
 * tests: make its certificates into a temporary folder, start it for one
 * case, stop it and read what each connection brought.
 *
 *     char dir[PE_TLSSRV_PATH_MAX], why[256];
 *     pe_tlssrv_certs(dir, why, sizeof why);        // ca.pem, good.pem...
 *     pe_tlssrv_t s;
 *     pe_tlssrv_start(&s, dir, "expired", 10000);   // s.port
 *     ... connect to localhost:s.port trusting dir/ca.pem ...
 *     pe_tlssrv_finish(&s, 10000);                  // s.conns[], s.count
 *     pe_tlssrv_remove_certs(dir);
 *
 * Run from the repository root. The server runs as a child process that
 * gets SIGTERM when the test dies (Linux). Tests only.
 */
#ifndef PE_TEST_TLSSERVER_H
#define PE_TEST_TLSSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PE_TLSSRV_PATH_MAX 256
#define PE_TLSSRV_MAX_CONNS 16

/* What the server saw on one connection. */
typedef struct {
    bool handshake_ok;
    char version[16];      /* "TLSv1.2", or "-" when the handshake failed */
    unsigned long app_bytes; /* application data after the handshake */
    unsigned long raw_in;    /* every byte that came in on the socket */
    unsigned long raw_after; /* raw bytes after the handshake failed */
    char reason[64];       /* why the handshake failed, else "-" */
} pe_tlssrv_conn_t;

typedef struct {
    pid_t pid;
    int in_fd;  /* the server's stdin: closing it ends the server */
    int out_fd; /* its stdout */
    uint16_t port;
    char out[8192]; /* what it printed */
    size_t out_len;
    pe_tlssrv_conn_t conns[PE_TLSSRV_MAX_CONNS];
    unsigned count;    /* connections reported */
    bool done;         /* the closing "done connections=N" line came */
    unsigned done_count;
    char error[256];
} pe_tlssrv_t;

/* Makes a fresh temporary folder (into dir) and the certificates in it.
 * False with a reason in why. */
bool pe_tlssrv_certs(char dir[PE_TLSSRV_PATH_MAX], char *why, size_t why_cap);

/* Removes the folder and its files. */
void pe_tlssrv_remove_certs(const char *dir);

/* Starts the server for `kase` and reads its port within timeout_ms. */
bool pe_tlssrv_start(pe_tlssrv_t *s, const char *dir, const char *kase,
                     unsigned timeout_ms);

/* Ends the server's input, reads its reports until it exits (within
 * timeout_ms, else SIGKILL), reaps it. True when it ended cleanly with its
 * closing line. */
bool pe_tlssrv_finish(pe_tlssrv_t *s, unsigned timeout_ms);

#endif /* PE_TEST_TLSSERVER_H */
