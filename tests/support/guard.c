/* guard.c - see guard.h. */
#include "guard.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUARD_FILL 0xA5

bool pe_guard_init(pe_guard_t *g, size_t room)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t usable = (room + page - 1) / page * page;
    void *p;

    memset(g, 0, sizeof *g);
    p = mmap(NULL, usable + page, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        return false;
    }
    if (mprotect((unsigned char *)p + usable, page, PROT_NONE) != 0) {
        munmap(p, usable + page);
        return false;
    }
    g->map = p;
    g->map_len = usable + page;
    g->room = usable;
    return true;
}

char *pe_guard_buf(pe_guard_t *g, size_t cap)
{
    if (!g->map || cap > g->room) {
        return NULL;
    }
    size_t front = g->room - cap < PE_GUARD_FRONT ? g->room - cap
                                                  : PE_GUARD_FRONT;
    unsigned char *buf = g->map + (g->room - cap);
    memset(buf - front, GUARD_FILL, front + cap);
    return (char *)buf;
}

bool pe_guard_front_intact(const pe_guard_t *g, const char *buf)
{
    const unsigned char *p = (const unsigned char *)buf;
    size_t before = (size_t)(p - g->map);
    if (before > PE_GUARD_FRONT) {
        before = PE_GUARD_FRONT;
    }
    for (size_t i = 1; i <= before; i++) {
        if (p[-(ptrdiff_t)i] != GUARD_FILL) {
            return false;
        }
    }
    return true;
}

void pe_guard_free(pe_guard_t *g)
{
    if (g->map) {
        munmap(g->map, g->map_len);
    }
    memset(g, 0, sizeof *g);
}
