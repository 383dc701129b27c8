/*
 * pe_guard_mpu.c - tests/support/guard.h for the Cortex-M test board:
 * the same buffers, ending exactly at an inaccessible block, with the
 * MPU in place of mmap/mprotect. The block after the room is a 32-byte
 * MPU region with no access (pe_cortexm_mpu_guard): a load or store one
 * byte past a buffer faults, and the board reports "access to an MPU
 * guard block" and fails the program, as SIGSEGV does on the host.
 *
 * Each live guard takes one MPU region (regions 1 to 7).
 */
#include "support/guard.h"

#include "pe_cortexm_board.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GUARD_FILL 0xA5
#define BLOCK PE_CORTEXM_MPU_GUARD_SIZE

static unsigned regions_used; /* bit r: region r guards a buffer */

static unsigned region_of(const pe_guard_t *g)
{
    /* The region is kept in the spare bytes of map_len (see init). */
    return (unsigned)(g->map_len % BLOCK);
}

bool pe_guard_init(pe_guard_t *g, size_t room)
{
    size_t usable = (room + BLOCK - 1) / BLOCK * BLOCK;
    unsigned region;
    unsigned char *p;

    memset(g, 0, sizeof *g);
    for (region = PE_CORTEXM_MPU_REGION_FIRST_FREE;
         region < PE_CORTEXM_MPU_REGIONS && (regions_used & (1u << region)); region++) {
    }
    if (region == PE_CORTEXM_MPU_REGIONS) {
        return false;
    }
    p = memalign(BLOCK, usable + BLOCK);
    if (p == NULL) {
        return false;
    }
    if (pe_cortexm_mpu_guard(region, p + usable) != 0) {
        free(p);
        return false;
    }
    regions_used |= 1u << region;
    g->map = p;
    g->map_len = usable + BLOCK + region; /* whole blocks + the region */
    g->room = usable;
    return true;
}

char *pe_guard_buf(pe_guard_t *g, size_t cap)
{
    size_t front;
    unsigned char *buf;

    if (g->map == NULL || cap > g->room) {
        return NULL;
    }
    front = g->room - cap < PE_GUARD_FRONT ? g->room - cap : PE_GUARD_FRONT;
    buf = g->map + (g->room - cap);
    memset(buf - front, GUARD_FILL, front + cap);
    return (char *)buf;
}

bool pe_guard_front_intact(const pe_guard_t *g, const char *buf)
{
    const unsigned char *p = (const unsigned char *)buf;
    size_t before = (size_t)(p - g->map);
    size_t i;

    if (before > PE_GUARD_FRONT) {
        before = PE_GUARD_FRONT;
    }
    for (i = 1; i <= before; i++) {
        if (p[-(ptrdiff_t)i] != GUARD_FILL) {
            return false;
        }
    }
    return true;
}

void pe_guard_free(pe_guard_t *g)
{
    if (g->map != NULL) {
        unsigned region = region_of(g);
        pe_cortexm_mpu_unguard(region);
        regions_used &= ~(1u << region);
        free(g->map);
    }
    memset(g, 0, sizeof *g);
}
