/*
 * arch/sys_arch.h - lwIP's OS layer types for the firmware image.
 *
 * THIS IS A STUB (see sys_arch_stub.c): enough for lwIP to compile and
 * the image to link, so that `make firmware` yields honest sizes. The
 * socket API runs lwIP's tcpip thread and blocks on semaphores and
 * mailboxes: a product takes its RTOS's sys_arch instead, e.g. lwIP's own
 * contrib/ports/freertos (sys_arch.c and include/arch/sys_arch.h of the
 * same lwIP source) with FreeRTOS, or the one of its RTOS vendor (Zephyr,
 * ThreadX/NetX glue, CMSIS-RTOS2 ...). Its types replace these.
 */
#ifndef LWIP_ARCH_SYS_ARCH_H
#define LWIP_ARCH_SYS_ARCH_H

#include "lwip/opt.h"
#include "lwip/arch.h"

#define PE_LWIP_STUB_MBOX_SIZE 16

typedef struct {
    volatile u32_t count;
    u8_t valid;
} sys_sem_t;

typedef struct {
    volatile u8_t locked;
    u8_t valid;
} sys_mutex_t;

typedef struct {
    void *slot[PE_LWIP_STUB_MBOX_SIZE];
    volatile u16_t head;
    volatile u16_t count;
    u8_t valid;
} sys_mbox_t;

typedef u32_t sys_thread_t;
typedef u32_t sys_prot_t;

#define sys_sem_valid(s) ((s) != NULL && (s)->valid)
#define sys_sem_valid_val(s) ((s).valid)
#define sys_sem_set_invalid(s) ((s)->valid = 0)
#define sys_mutex_valid(m) ((m) != NULL && (m)->valid)
#define sys_mutex_valid_val(m) ((m).valid)
#define sys_mutex_set_invalid(m) ((m)->valid = 0)
#define sys_mbox_valid(b) ((b) != NULL && (b)->valid)
#define sys_mbox_valid_val(b) ((b).valid)
#define sys_mbox_set_invalid(b) ((b)->valid = 0)

/* What the stub calls where a real sys_arch would block or start a
 * thread: reports `what` and stops the firmware. */
void pe_lwip_sys_arch_missing(const char *what);

#endif /* LWIP_ARCH_SYS_ARCH_H */
