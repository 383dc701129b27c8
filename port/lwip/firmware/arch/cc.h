/*
 * arch/cc.h - lwIP's compiler and C library glue for the firmware image:
 * arm-none-eabi-gcc with newlib(-nano).
 */
#ifndef LWIP_ARCH_CC_H
#define LWIP_ARCH_CC_H

#include <limits.h>
#include <stdint.h>
#include <sys/time.h>  /* newlib's struct timeval: lwIP uses it */
#include <sys/types.h> /* newlib's ssize_t */

/* newlib declares ssize_t; lwIP must not typedef its own. */
#ifndef SSIZE_MAX
#define SSIZE_MAX INT_MAX
#endif
#define LWIP_NO_UNISTD_H 1
#define LWIP_TIMEVAL_PRIVATE 0

/* Random numbers for lwIP (DNS query ids and source ports, TCP initial
 * sequence numbers, DHCP transaction ids): the firmware's TRNG. */
uint32_t pe_lwip_fw_rand(void);
#define LWIP_RAND() pe_lwip_fw_rand()

/* A failed lwIP assertion stops the firmware (the message only: file
 * names would cost flash). Diagnostics are off. */
void pe_lwip_fw_assert(const char *message, int line);
#define LWIP_PLATFORM_ASSERT(x) pe_lwip_fw_assert((x), __LINE__)
#define LWIP_PLATFORM_DIAG(x)                                                  \
    do {                                                                       \
    } while (0)

#endif /* LWIP_ARCH_CC_H */
