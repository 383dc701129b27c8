/*
 * fuzz_cli_input.c - libFuzzer target for the command line's input path:
 * pe_json_decode with an operation's INPUT shape (as examples/cli reads
 * --cli-input-json), then pe_build, which validates the typed input and
 * writes the request target and the JSON body.
 *
 * Input: [op][JSON text...]; op % operations picks the operation.
 *
 * Checked:
 *  - decoding as the CLI does (arena NULL, then grown to the need, the same
 *    text each time) ends within two growths, with views inside the text
 *    and the arena;
 *  - pe_build's size contract: the size query's need is what a build into
 *    exactly that many bytes uses and reports; one byte less is
 *    PE_ERR_BUFFER_TOO_SMALL with the same need (ASan: nothing written past
 *    the capacity); a validation error does not depend on the buffer;
 *  - the request: target_len + NUL + body + NUL == need, the target starts
 *    with '/' and holds only printable ASCII without spaces (nothing can
 *    break the request line), the body is NUL-terminated;
 *  - round trip: the body decodes again with the same shape and, with the
 *    URI and query members put back, builds the very same request.
 */
#include "fuzz_common.h"

/* Bytes of a member in its struct: a pointer for sub-structures, else
 * what one list item of that type takes. */
static size_t member_size(const pe_member_t *m)
{
    return m->type == PE_T_STRUCT ? sizeof(const void *) : pe_item_size(m);
}

/* Decodes like the CLI: the arena grows to the reported need. Returns the
 * status; *arena_out is the arena (free it). */
static pe_status_t decode_like_cli(const pe_shape_t *shape, char *json,
                                   size_t len, void *out, void **arena_out)
{
    void *arena = NULL;
    size_t cap = 0, needed = 0;
    pe_diag_t diag;
    pe_status_t st;
    int growths = 0;

    for (;;) {
        st = pe_json_decode(shape, json, len, out, arena, cap, &needed, &diag);
        if (st != PE_ERR_BUFFER_TOO_SMALL) {
            break;
        }
        FUZZ_CHECK(needed > cap, "need %zu for capacity %zu", needed, cap);
        FUZZ_CHECK(++growths <= 2, "still too small after %d growths (%zu)",
                   growths - 1, needed);
        free(arena);
        cap = needed;
        arena = malloc(cap);
        if (!arena) {
            abort();
        }
    }
    FUZZ_CHECK(st == PE_OK || st == PE_ERR_JSON, "decode status %d", (int)st);
    if (st == PE_OK) {
        fuzz_views_t v = {json, len, (const unsigned char *)arena, cap};
        fuzz_check_object(&v, shape, (const unsigned char *)out, 0);
    }
    *arena_out = arena;
    return st;
}

typedef struct {
    pe_status_t st;
    size_t needed;
    char *buf; /* malloc'ed, exactly `needed` bytes, when st == PE_OK */
    pe_request_t req;
} built_t;

static void check_request(const pe_operation_t *op, const built_t *b)
{
    const pe_request_t *r = &b->req;
    FUZZ_CHECK(r->method == op->method, "method");
    FUZZ_CHECK(r->target == b->buf && r->target_len < b->needed &&
                   r->target[r->target_len] == '\0' &&
                   strlen(r->target) == r->target_len,
               "target not NUL-terminated at target_len");
    FUZZ_CHECK(r->target_len > 0 && r->target[0] == '/', "target %s",
               r->target);
    for (size_t i = 0; i < r->target_len; i++) {
        unsigned char c = (unsigned char)r->target[i];
        FUZZ_CHECK(c > ' ' && c < 0x7f && c != '#',
                   "target byte 0x%02x at %zu: %s", c, i, r->target);
    }
    if (r->body) {
        FUZZ_CHECK(r->body == b->buf + r->target_len + 1, "body position");
        FUZZ_CHECK(r->target_len + 1 + r->body_len + 1 == b->needed,
                   "need %zu != %zu + 1 + %zu + 1", b->needed, r->target_len,
                   r->body_len);
        FUZZ_CHECK(r->body[r->body_len] == '\0' &&
                       strlen(r->body) == r->body_len,
                   "body not NUL-terminated at body_len");
        FUZZ_CHECK(r->content_type && strcmp(r->content_type,
                                             "application/json") == 0,
                   "content type");
        FUZZ_CHECK(r->body_len >= 2 && r->body[0] == '{' &&
                       r->body[r->body_len - 1] == '}',
                   "body is not an object: %s", r->body);
    } else {
        FUZZ_CHECK(r->target_len + 1 == b->needed, "need %zu, target %zu",
                   b->needed, r->target_len);
        FUZZ_CHECK(r->body_len == 0 && !r->content_type, "no body");
    }
}

static char big[1u << 16];

/* Builds and checks the size contract. */
static built_t build(const pe_operation_t *op, const void *input)
{
    built_t b;
    pe_diag_t diag;
    size_t need2 = 0;
    pe_status_t st;

    memset(&b, 0, sizeof b);
    b.st = pe_build(op, input, NULL, 0, &b.needed, NULL, &diag);
    FUZZ_CHECK(b.st == PE_ERR_BUFFER_TOO_SMALL || b.st == PE_ERR_INVALID_ARGUMENT ||
                   b.st == PE_ERR_INVALID_UTF8,
               "size query status %d", (int)b.st);
    if (b.st != PE_ERR_BUFFER_TOO_SMALL) {
        /* a validation error, whatever the buffer */
        st = pe_build(op, input, big, sizeof big, &need2, NULL, &diag);
        FUZZ_CHECK(st == b.st, "size query %d, big buffer %d", (int)b.st,
                   (int)st);
        FUZZ_CHECK(diag.reason != NULL && diag.depth <= PE_DIAG_MAX_DEPTH,
                   "a refusal without a reason");
        return b;
    }
    FUZZ_CHECK(b.needed > 0, "need 0");
    {
        /* one byte short: too small, same need, nothing written past cap */
        char *shorter = (char *)malloc(b.needed - 1 ? b.needed - 1 : 1);
        if (!shorter) {
            abort();
        }
        st = pe_build(op, input, b.needed - 1 ? shorter : NULL, b.needed - 1,
                      &need2, NULL, &diag);
        FUZZ_CHECK(st == PE_ERR_BUFFER_TOO_SMALL && need2 == b.needed,
                   "one byte short: %d, need %zu vs %zu", (int)st, need2,
                   b.needed);
        free(shorter);
    }
    b.buf = (char *)malloc(b.needed);
    if (!b.buf) {
        abort();
    }
    st = pe_build(op, input, b.buf, b.needed, &need2, &b.req, &diag);
    FUZZ_CHECK(st == PE_OK && need2 == b.needed,
               "exact buffer: %d, need %zu vs size query %zu", (int)st, need2,
               b.needed);
    b.st = PE_OK;
    check_request(op, &b);
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t nops = fuzz_op_count();
    const pe_operation_t *op;
    char *json, *json2 = NULL;
    void *in, *in2 = NULL, *arena = NULL, *arena2 = NULL;
    built_t b, b2;

    if (size < 1 || size - 1 > (1u << 16)) {
        return 0;
    }
    op = pe_operations[data[0] % nops];
    data++;
    size--;

    json = fuzz_dup(data, size);
    in = malloc(op->input->size);
    if (!in) {
        abort();
    }
    if (decode_like_cli(op->input, json, size, in, &arena) != PE_OK) {
        FUZZ_LOG("cli: %s: decode failed\n", op->name);
        goto out;
    }
    b = build(op, in);
    FUZZ_LOG("cli: %s: build %d, need %zu%s%s\n", op->name, (int)b.st,
             b.needed, b.st == PE_OK ? ", target " : "",
             b.st == PE_OK ? b.req.target : "");
    if (b.st != PE_OK) {
        goto out;
    }

    /* round trip: the body, plus the URI and query members */
    in2 = malloc(op->input->size);
    if (!in2) {
        abort();
    }
    if (b.req.body) {
        json2 = fuzz_dup((const uint8_t *)b.req.body, b.req.body_len);
        pe_status_t st = decode_like_cli(op->input, json2, b.req.body_len, in2,
                                         &arena2);
        FUZZ_CHECK(st == PE_OK, "the built body does not decode (%d): %s",
                   (int)st, b.req.body);
    } else {
        memset(in2, 0, op->input->size);
    }
    for (uint16_t k = 0; k < op->input->count; k++) {
        const pe_member_t *m = &op->input->members[k];
        if (m->flags & (PE_M_URI | PE_M_QUERY)) {
            memcpy((unsigned char *)in2 + m->offset,
                   (const unsigned char *)in + m->offset, member_size(m));
        }
    }
    b2 = build(op, in2);
    FUZZ_CHECK(b2.st == PE_OK, "the round trip does not build (%d)", (int)b2.st);
    FUZZ_CHECK(b2.needed == b.needed && memcmp(b2.buf, b.buf, b.needed) == 0,
               "the round trip builds another request:\n  %s %s\n  %s %s",
               b.req.target, b.req.body ? b.req.body : "",
               b2.req.target, b2.req.body ? b2.req.body : "");
    free(b2.buf);
    free(b.buf);

out:
    free(arena2);
    free(json2);
    free(in2);
    free(arena);
    free(in);
    free(json);
    return 0;
}
