/*
 * sigv4_trace.h - collects what the signer's trace hook hands out (the
 * canonical request and the string to sign, lib/sigv4_internal.h) so a
 * test can compare them. For test_sigv4 and test_sign_head.
 */
#ifndef PE_TEST_SIGV4_TRACE_H
#define PE_TEST_SIGV4_TRACE_H

#include "sigv4_internal.h"

#include <stdbool.h>
#include <string.h>

#ifndef PE_TRACE_TEXT_MAX
#define PE_TRACE_TEXT_MAX 16384
#endif

typedef struct {
    char text[2][PE_TRACE_TEXT_MAX];
    size_t len[2];
    bool overflow;
} trace_t;

static void trace_fn(void *ctx, pe_sigv4_trace_part_t part, const char *data,
                     size_t len)
{
    trace_t *t = (trace_t *)ctx;
    size_t i = (size_t)part;
    if (t->len[i] + len >= sizeof t->text[i]) {
        t->overflow = true;
        return;
    }
    memcpy(t->text[i] + t->len[i], data, len);
    t->len[i] += len;
}

#endif /* PE_TEST_SIGV4_TRACE_H */
