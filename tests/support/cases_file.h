/*
 * cases_file.h - reads the generated builder cases (build/gen/
 * builder_cases.txt, tests/gen_builder_cases.py): lines "<word> <value>"
 * and fields "<word> <len>\n<bytes>\n". For test_builders and
 * test_sign_head.
 */
#ifndef PE_TEST_CASES_FILE_H
#define PE_TEST_CASES_FILE_H

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

#endif /* PE_TEST_CASES_FILE_H */
