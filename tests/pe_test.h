/*
 * pe_test.h - the smallest test harness that does the job: checks count
 * passes and failures, failures print where and why, and every test
 * program ends with the line "N passed, M failed" (exit 1 on failure).
 */
#ifndef PE_TEST_H
#define PE_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned pe_test_passed_;
static unsigned pe_test_failed_;

#define PE_CHECK_AT_(cond, file, line, ...)                                    \
    do {                                                                       \
        if (cond) {                                                            \
            pe_test_passed_++;                                                 \
        } else {                                                               \
            pe_test_failed_++;                                                 \
            printf("FAIL %s:%d: ", file, line);                                \
            printf(__VA_ARGS__);                                               \
            printf("\n");                                                      \
        }                                                                      \
    } while (0)

/* CHECK(cond, "printf format", args...) */
#define CHECK(cond, ...) PE_CHECK_AT_((cond), __FILE__, __LINE__, __VA_ARGS__)

#define CHECK_EQ_INT(a, b)                                                     \
    CHECK((long long)(a) == (long long)(b), "%s == %s: %lld != %lld", #a, #b,  \
          (long long)(a), (long long)(b))

#define CHECK_EQ_STR(a, b)                                                     \
    do {                                                                       \
        const char *pe_a_ = (a), *pe_b_ = (b);                                 \
        CHECK(pe_a_ && pe_b_ && strcmp(pe_a_, pe_b_) == 0,                     \
              "%s == %s:\n  got      [%s]\n  expected [%s]", #a, #b,           \
              pe_a_ ? pe_a_ : "(null)", pe_b_ ? pe_b_ : "(null)");             \
    } while (0)

#define CHECK_EQ_MEM(a, alen, b, blen)                                         \
    CHECK((alen) == (blen) && memcmp((a), (b), (alen)) == 0,                   \
          "%s == %s:\n  got      [%.*s]\n  expected [%.*s]", #a, #b,           \
          (int)(alen), (const char *)(a), (int)(blen), (const char *)(b))

/* The whole file (malloc'd, NUL-terminated; *len without the NUL), or
 * NULL. */
static inline char *pe_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    long size;
    if (!f) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        data = malloc((size_t)size + 1);
        if (data && fread(data, 1, (size_t)size, f) == (size_t)size) {
            data[size] = '\0';
            *len = (size_t)size;
        } else {
            free(data);
            data = NULL;
        }
    }
    fclose(f);
    return data;
}

/* Prints the closing line; use as `return pe_test_summary();` in main. */
static int pe_test_summary(void)
{
    printf("%u passed, %u failed\n", pe_test_passed_, pe_test_failed_);
    return pe_test_failed_ == 0 ? 0 : 1;
}

#endif /* PE_TEST_H */
