/* faultport.c - see faultport.h. */
#include "faultport.h"

#include <string.h>

#define DEFAULT_TIMEOUT_CAP_MS 300u

static const char *const kind_names[PE_FAULT_KIND_COUNT_] = {
    "none", "short", "timeout", "io", "reset", "closed"};

const char *pe_fault_kind_name(pe_fault_kind_t kind)
{
    return (unsigned)kind < (unsigned)PE_FAULT_KIND_COUNT_ ? kind_names[kind]
                                                           : "?";
}

static pe_faultport_t *self(void *ctx)
{
    return (pe_faultport_t *)ctx;
}

/* Counts a step; true when the armed fault is due now. */
static bool step(pe_faultport_t *f, char letter)
{
    bool due;
    f->steps++;
    due = f->kind != PE_FAULT_NONE && !f->fired && f->steps == f->at;
    if (f->steps < PE_FAULTPORT_TRACE) {
        f->trace[f->steps - 1] =
            due ? (char)(letter - 'a' + 'A') : letter;
        f->trace[f->steps] = '\0';
    }
    if (due) {
        f->fired = true;
        f->fired_on = letter == 'p' ? 'r' : letter;
    }
    return due;
}

/* The port's answer for the armed fault (not for SHORT). */
static int32_t fault_result(pe_faultport_t *f, uint32_t timeout_ms)
{
    switch (f->kind) {
    case PE_FAULT_TIMEOUT: {
        uint32_t wait = timeout_ms < f->timeout_cap_ms ? timeout_ms
                                                       : f->timeout_cap_ms;
        if (wait > 0) {
            f->inner->sleep_ms(f->inner->ctx, wait);
        }
        return PE_PORT_TIMEOUT;
    }
    case PE_FAULT_IO:
        return PE_PORT_IO;
    case PE_FAULT_RESET:
        return PE_PORT_RESET;
    case PE_FAULT_CLOSED:
        return PE_PORT_CLOSED;
    default:
        return PE_PORT_IO;
    }
}

static pe_status_t fp_connect(void *ctx, const char *host, uint16_t port,
                              uint32_t timeout_ms)
{
    pe_faultport_t *f = self(ctx);
    f->connects++;
    return f->inner->connect(f->inner->ctx, host, port, timeout_ms);
}

static int32_t fp_send(void *ctx, const uint8_t *buf, size_t len,
                       uint32_t timeout_ms)
{
    pe_faultport_t *f = self(ctx);
    int32_t r;
    if (step(f, 's')) {
        if (f->kind != PE_FAULT_SHORT) {
            return fault_result(f, timeout_ms);
        }
        len = 1;
    }
    r = f->inner->send(f->inner->ctx, buf, len, timeout_ms);
    if (r > 0) {
        f->sent += (size_t)r;
    }
    return r;
}

static int32_t fp_recv(void *ctx, uint8_t *buf, size_t len,
                       uint32_t timeout_ms)
{
    pe_faultport_t *f = self(ctx);
    int32_t r;
    if (step(f, timeout_ms == 0 ? 'p' : 'r')) {
        if (f->kind != PE_FAULT_SHORT) {
            return fault_result(f, timeout_ms);
        }
        len = 1;
    }
    r = f->inner->recv(f->inner->ctx, buf, len, timeout_ms);
    if (r > 0) {
        f->received += (size_t)r;
    }
    return r;
}

static void fp_close(void *ctx)
{
    pe_faultport_t *f = self(ctx);
    f->closes++;
    f->inner->close(f->inner->ctx);
}

static int64_t fp_time_utc(void *ctx)
{
    pe_faultport_t *f = self(ctx);
    return f->inner->time_utc(f->inner->ctx);
}

static uint32_t fp_monotonic_ms(void *ctx)
{
    pe_faultport_t *f = self(ctx);
    return f->inner->monotonic_ms(f->inner->ctx);
}

static void fp_sleep_ms(void *ctx, uint32_t ms)
{
    pe_faultport_t *f = self(ctx);
    f->sleeps++;
    f->slept_ms += ms;
    f->inner->sleep_ms(f->inner->ctx, ms);
}

static pe_status_t fp_random(void *ctx, uint8_t *buf, size_t len)
{
    pe_faultport_t *f = self(ctx);
    return f->inner->random(f->inner->ctx, buf, len);
}

void pe_faultport_init(pe_faultport_t *f, const pe_port_t *inner)
{
    memset(f, 0, sizeof *f);
    f->inner = inner;
    f->timeout_cap_ms = DEFAULT_TIMEOUT_CAP_MS;
    f->port.connect = fp_connect;
    f->port.send = fp_send;
    f->port.recv = fp_recv;
    f->port.close = fp_close;
    f->port.time_utc = fp_time_utc;
    f->port.monotonic_ms = fp_monotonic_ms;
    f->port.sleep_ms = fp_sleep_ms;
    f->port.random = fp_random;
    f->port.ctx = f;
}

void pe_faultport_arm(pe_faultport_t *f, unsigned at, pe_fault_kind_t kind)
{
    f->at = kind == PE_FAULT_NONE ? 0 : at;
    f->kind = at == 0 ? PE_FAULT_NONE : kind;
    f->fired = false;
    f->fired_on = '\0';
    f->steps = 0;
    f->trace[0] = '\0';
    f->sent = 0;
    f->received = 0;
    f->connects = 0;
    f->closes = 0;
    f->sleeps = 0;
    f->slept_ms = 0;
}

unsigned pe_faultport_last_send(const pe_faultport_t *f)
{
    unsigned last = 0;
    for (unsigned i = 0; f->trace[i]; i++) {
        if (f->trace[i] == 's' || f->trace[i] == 'S') {
            last = i + 1;
        }
    }
    return last;
}
