/*
 * cases_file.h - reads the generated builder cases (build/gen/
 * builder_cases.txt, tests/gen_builder_cases.py): lines "<word> <value>"
 * and fields "<word> <len>\n<bytes>\n". For test_builders and
 * test_sign_head.
 */
#ifndef PE_TEST_CASES_FILE_H
#define PE_TEST_CASES_FILE_H

#include "pe_test.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p;
    const char *end;
    unsigned line;
} reader_t;

/* The next line without its newline; NULL at the end of the text. */
static const char *next_line(reader_t *r, size_t *len)
{
    const char *start = r->p;
    const char *nl;
    if (r->p >= r->end) {
        return NULL;
    }
    nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    if (!nl) {
        nl = r->end;
    }
    *len = (size_t)(nl - start);
    r->p = nl < r->end ? nl + 1 : nl;
    r->line++;
    return start;
}

/* Reads "<word> <value>" into a NUL-terminated copy of value. */
static bool read_word(reader_t *r, const char *word, char *out, size_t cap)
{
    size_t len, wl = strlen(word);
    const char *l = next_line(r, &len);
    if (!l || len <= wl + 1 || memcmp(l, word, wl) != 0 || l[wl] != ' ' ||
        len - wl - 1 >= cap) {
        return false;
    }
    memcpy(out, l + wl + 1, len - wl - 1);
    out[len - wl - 1] = '\0';
    return true;
}

/* Reads "<word> <len>\n<bytes>\n": a view of the bytes. */
static bool read_field(reader_t *r, const char *word, const char **data,
                       size_t *dlen)
{
    char num[32];
    char *endp;
    unsigned long n;
    if (!read_word(r, word, num, sizeof num)) {
        return false;
    }
    n = strtoul(num, &endp, 10);
    if (*endp != '\0' || (size_t)(r->end - r->p) < n + 1 || r->p[n] != '\n') {
        return false;
    }
    *data = r->p;
    *dlen = n;
    r->p += n + 1;
    r->line += 1;
    for (size_t i = 0; i < n; i++) {
        r->line += (*data)[i] == '\n';
    }
    return true;
}

/* Reads one case's fields after its head line; name is "case|bad <Op> <n>". */
typedef void (*case_fn)(reader_t *r, bool bad, const char *opname,
                        const char *name);

/* Runs `run` on every case of the file at path: a head line "case <Op>
 * <n>" or "bad <Op> <n>", the fields `run` reads, a line "end". Counts the
 * valid and the bad cases; a missing file or a malformed line is a failed
 * check. */
static void walk_cases(const char *path, case_fn run, unsigned *valid,
                       unsigned *bad)
{
    size_t len = 0, llen;
    char *text = pe_test_read_file(path, &len);
    reader_t r;
    const char *l;

    *valid = *bad = 0;
    if (!text) {
        printf("FAIL: cases file missing, run make test (%s)\n", path);
        CHECK(false, "cases file %s missing", path);
        return;
    }
    r.p = text;
    r.end = text + len;
    r.line = 0;
    while ((l = next_line(&r, &llen)) != NULL) {
        char head[160], opname[80], name[120];
        int num;
        bool is_bad;
        if (llen == 0 || llen >= sizeof head) {
            CHECK(false, "%s:%u: unexpected line", path, r.line);
            break;
        }
        memcpy(head, l, llen);
        head[llen] = '\0';
        if (sscanf(head, "case %79s %d", opname, &num) == 2) {
            is_bad = false;
        } else if (sscanf(head, "bad %79s %d", opname, &num) == 2) {
            is_bad = true;
        } else {
            CHECK(false, "%s:%u: unexpected line [%s]", path, r.line, head);
            break;
        }
        snprintf(name, sizeof name, "%s %s %d", is_bad ? "bad" : "case",
                 opname, num);
        run(&r, is_bad, opname, name);
        if (!(l = next_line(&r, &llen)) || llen != 3 ||
            memcmp(l, "end", 3) != 0) {
            CHECK(false, "%s:%u: %s: no end line", path, r.line, name);
            break;
        }
        *(is_bad ? bad : valid) += 1;
    }
    free(text);
}

#endif /* PE_TEST_CASES_FILE_H */
