/*
 * fuzz_json_response.c - libFuzzer target for the response decoders:
 * pe_json_decode (include/pe_model.h, lib/json_read.c) with the output
 * shape of every operation, and with the error body the client reads
 * ({"__type", "code", "message", "Message"}, as lib/client.c declares it).
 *
 * Input: [op][arena][align][JSON body...]
 *   op     op % (operations + 1): an operation's output shape, or (the last
 *          value) the error body
 *   arena  arena capacity: arena * 8 bytes (0: a NULL arena, a size query)
 *   align  the arena starts align % 8 bytes after an aligned address
 *
 * Checked: only the documented statuses; on PE_ERR_BUFFER_TOO_SMALL the
 * need exceeds the capacity, the output holds no view and the text is as
 * it was; re-running with exactly the need gives PE_OK or a non-size error
 * -- never another size error when the need came from an arena that held
 * jsmn's tokens, which is so for any need reported by a run whose arena
 * (not NULL: the same alignment) was itself a need reported before
 * (otherwise the need is the tokens' alone, a lower bound, and the next run
 * tells the rest; at most three runs in all), and one byte less than a
 * need that worked is a size error; on PE_OK every view points inside the
 * text (strings, NUL-terminated there) or inside the arena (structs,
 * lists, blobs); decoding the same text again gives the same status and
 * need.
 */
#include "fuzz_common.h"
#include "pe_internal.h" /* the client's error body */

#include <stddef.h>

typedef struct {
    pe_status_t st;
    size_t needed;
} result_t;

/* One decode on a fresh copy of the text into a fresh arena of cap bytes
 * starting `align` bytes past a 16-aligned address. */
static result_t decode_once(const pe_shape_t *shape, const uint8_t *text,
                            size_t len, size_t cap, size_t align,
                            int null_arena)
{
    char *json = fuzz_dup(text, len);
    unsigned char *block = (unsigned char *)malloc(align + cap + 1);
    unsigned char *arena = null_arena ? NULL : block + align;
    void *out = malloc(shape->size);
    pe_diag_t diag;
    result_t r;

    if (!block || !out) {
        abort();
    }
    memset(out, 0, shape->size);
    r.needed = (size_t)-1;
    r.st = pe_json_decode(shape, json, len, out, arena, null_arena ? 0 : cap,
                          &r.needed, &diag);
    FUZZ_CHECK(r.st == PE_OK || r.st == PE_ERR_JSON ||
                   r.st == PE_ERR_BUFFER_TOO_SMALL || r.st == PE_ERR_INVALID_ARGUMENT,
               "status %d", (int)r.st);
    /* the arguments are all valid */
    FUZZ_CHECK(r.st != PE_ERR_INVALID_ARGUMENT, "invalid argument");
    FUZZ_CHECK(diag.depth <= PE_DIAG_MAX_DEPTH, "diag depth %u", diag.depth);
    if (r.st == PE_ERR_BUFFER_TOO_SMALL) {
        FUZZ_CHECK(r.needed != (size_t)-1 && r.needed > (null_arena ? 0 : cap),
                   "size error with need %zu for capacity %zu", r.needed, cap);
        FUZZ_CHECK(fuzz_all_zero(out, shape->size),
                   "output holds views after a size error");
        FUZZ_CHECK(len == 0 || memcmp(json, text, len) == 0,
                   "the text changed on a size error");
    }
    if (r.st == PE_OK) {
        fuzz_views_t v = {json, len, arena, null_arena ? 0 : cap};
        FUZZ_CHECK(r.needed <= (null_arena ? 0 : cap),
                   "PE_OK with need %zu over capacity %zu", r.needed, cap);
        fuzz_check_object(&v, shape, (const unsigned char *)out, 0);
        if (shape == &pe_error_body_shape) {
            /* what lib/client.c does with it */
            const pe_error_body_t *e = (const pe_error_body_t *)out;
            const char *t = e->type ? e->type : e->code;
            if (t) {
                const char *hash = strrchr(t, '#');
                char *code = (char *)(uintptr_t)(hash ? hash + 1 : t);
                code[strcspn(code, ":")] = '\0';
            }
        }
    }
    free(out);
    free(block);
    free(json);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t nops = fuzz_op_count();
    const pe_shape_t *shape;
    size_t cap, align;
    int null_arena;
    result_t r, again, exact;

    if (size < 3 || size - 3 > (1u << 20)) {
        return 0;
    }
    {
        size_t ix = data[0] % (nops + 1);
        shape = ix < nops ? pe_operations[ix]->output : &pe_error_body_shape;
    }
    cap = (size_t)data[1] * 8u;
    null_arena = data[1] == 0;
    align = data[2] % 8u;
    data += 3;
    size -= 3;

    r = decode_once(shape, data, size, cap, align, null_arena);
    again = decode_once(shape, data, size, cap, align, null_arena);
    FUZZ_CHECK(r.st == again.st && r.needed == again.needed,
               "not deterministic: %d/%zu then %d/%zu", (int)r.st, r.needed,
               (int)again.st, again.needed);

    FUZZ_LOG("json: shape %s, arena %zu: status %d, need %zu\n",
             shape == &pe_error_body_shape ? "error body"
                                        : pe_operations[data[-3] % nops]->name,
             cap, (int)r.st, r.needed);
    if (r.st != PE_ERR_BUFFER_TOO_SMALL) {
        return 0;
    }
    /* Re-run with exactly the need, as a caller would, until it is no
     * longer a size error. A need reported by a run whose arena held the
     * tokens is exact: the next run must not be a size error. A run whose
     * arena is a need reported by an earlier run with an arena (not NULL:
     * the same alignment, so the lead is counted) holds the tokens.
     * Otherwise the need may be the tokens' alone (pe_model.h), so another
     * size error may follow -- after a NULL arena (it leaves out an
     * unaligned arena's lead), and then once more when the data does not
     * fit after the tokens. */
    int prev_had_arena = !null_arena;
    int held = 0; /* the last run held the tokens: its need was exact */
    result_t prev = r;
    for (int run = 1;; run++) {
        exact = decode_once(shape, data, size, prev.needed, align, 0);
        FUZZ_LOG("json: re-run %d with %zu: status %d, need %zu\n", run,
                 prev.needed, (int)exact.st, exact.needed);
        if (exact.st != PE_ERR_BUFFER_TOO_SMALL) {
            break;
        }
        FUZZ_CHECK(!held,
                   "need %zu was exact (its run held the tokens) yet a run "
                   "with it says %zu", prev.needed, exact.needed);
        FUZZ_CHECK(exact.needed > prev.needed, "need %zu not above %zu",
                   exact.needed, prev.needed);
        FUZZ_CHECK(run < 3, "still a size error after %d re-runs", run);
        held = prev_had_arena;
        prev_had_arena = 1;
        prev = exact;
    }
    /* the need that worked is the least: one byte less is too small */
    if (exact.st == PE_OK && prev.needed > 0) {
        result_t less = decode_once(shape, data, size, prev.needed - 1, align, 0);
        FUZZ_CHECK(less.st == PE_ERR_BUFFER_TOO_SMALL,
                   "need %zu is not the least: %zu did (%d)", prev.needed,
                   prev.needed - 1, (int)less.st);
    }
    return 0;
}
