/*
 * guard.h - buffers that end exactly at an inaccessible page, so a write
 * even one byte past a buffer's capacity crashes the test at once (tests
 * only; POSIX mmap/mprotect).
 */
#ifndef PE_TEST_GUARD_H
#define PE_TEST_GUARD_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    unsigned char *map; /* the whole mapping: room pages + the guard page */
    size_t map_len;
    size_t room;        /* bytes usable before the guard page */
} pe_guard_t;

/* Maps at least `room` usable bytes followed by a PROT_NONE page. */
bool pe_guard_init(pe_guard_t *g, size_t room);

/* Bytes in front of each buffer that are filled and checked too. */
#define PE_GUARD_FRONT 64u

/* A buffer of exactly `cap` bytes whose end touches the guard page; it and
 * the PE_GUARD_FRONT bytes before it are filled with 0xA5. NULL when cap
 * exceeds the room. */
char *pe_guard_buf(pe_guard_t *g, size_t cap);

/* True when the bytes in front of a buffer from pe_guard_buf() still hold
 * the 0xA5 filler (nothing wrote below the buffer either). */
bool pe_guard_front_intact(const pe_guard_t *g, const char *buf);

void pe_guard_free(pe_guard_t *g);

#endif /* PE_TEST_GUARD_H */
