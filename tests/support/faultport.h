/*
 * faultport.h - a port (pe_port.h) that wraps another one and injects one
 * fault at a chosen step: the k-th send or recv call since it was armed.
 *
 *     pe_posix_port_t posix;
 *     pe_port_t inner;
 *     pe_faultport_t fp;
 *     pe_posix_port_init(&posix, &inner);
 *     pe_faultport_init(&fp, &inner);
 *     pe_faultport_arm(&fp, 0, PE_FAULT_NONE);   // count a clean call
 *     ... call through &fp.port; fp.steps, fp.trace tell what it did ...
 *     pe_faultport_arm(&fp, 7, PE_FAULT_RESET);  // step 7 breaks
 *
 * Every other call (connect, close, clocks, sleep, random) goes to the
 * wrapped port unchanged and is counted. Tests only.
 */
#ifndef PE_TEST_FAULTPORT_H
#define PE_TEST_FAULTPORT_H

#include "pe_port.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    PE_FAULT_NONE = 0,
    PE_FAULT_SHORT,   /* the call moves at most 1 byte (a short count) */
    PE_FAULT_TIMEOUT, /* PE_PORT_TIMEOUT, after waiting the call's timeout
                         (at most timeout_cap_ms) as a real port would */
    PE_FAULT_IO,      /* PE_PORT_IO */
    PE_FAULT_RESET,   /* PE_PORT_RESET */
    PE_FAULT_CLOSED,  /* PE_PORT_CLOSED */
    PE_FAULT_KIND_COUNT_
} pe_fault_kind_t;

/* "short", "timeout", "io", "reset", "closed" ("none"). */
const char *pe_fault_kind_name(pe_fault_kind_t kind);

#define PE_FAULTPORT_TRACE 512

typedef struct {
    pe_port_t port;         /* hand &port to the client; port.ctx is this */
    const pe_port_t *inner; /* the wrapped port */

    /* the fault */
    unsigned at;            /* step (1-based) that fails; 0: none */
    pe_fault_kind_t kind;
    bool fired;             /* the fault was injected */
    char fired_on;          /* 's' (send) or 'r' (recv) when fired */
    uint32_t timeout_cap_ms; /* longest wait of a TIMEOUT fault (300) */

    /* what happened since the last arm */
    unsigned steps;         /* send and recv calls */
    char trace[PE_FAULTPORT_TRACE]; /* one letter per step: 's' send,
                                       'r' recv, 'p' recv with timeout 0
                                       (a probe); upper case: the fault */
    size_t sent;            /* bytes the wrapped port moved */
    size_t received;
    unsigned connects;
    unsigned closes;
    unsigned sleeps;        /* sleep_ms calls (the client's backoff) */
    uint64_t slept_ms;
} pe_faultport_t;

/* Wraps inner (which must outlive f); no fault armed. */
void pe_faultport_init(pe_faultport_t *f, const pe_port_t *inner);

/* Arms one fault at step `at` (0 or PE_FAULT_NONE: none) and clears the
 * counters and the trace. */
void pe_faultport_arm(pe_faultport_t *f, unsigned at, pe_fault_kind_t kind);

/* The 1-based step of the last send in the trace (0 when none). */
unsigned pe_faultport_last_send(const pe_faultport_t *f);

#endif /* PE_TEST_FAULTPORT_H */
