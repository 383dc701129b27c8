/*
 * sys_arch_stub.c - lwIP's OS layer for the firmware image, as a STUB.
 *
 * lwIP's socket API (NO_SYS 0) runs the stack in its own thread
 * (tcpip_thread) and has the application's threads wait on semaphores and
 * mailboxes. That needs an RTOS, and this project ships none: this file
 * lets lwIP link so that `make firmware` produces an image and honest
 * size figures (an RTOS adds its kernel, typically 5 to 10 KB of flash
 * for FreeRTOS with the lwIP glue, plus the thread stacks in RAM).
 *
 * What it does: semaphores, the mutex and mailboxes are counters and a
 * ring that never switch threads; a wait that could only end through
 * another thread stops the firmware (pe_lwip_sys_arch_missing), and a
 * wait with a timeout spins on the clock. sys_thread_new, which
 * tcpip_init() calls to start lwIP's thread, stops the firmware: without
 * an RTOS there is nothing to run it. So the image links and starts, and
 * says at the network's start-up that it needs a real sys_arch.
 *
 * A product replaces this file and arch/sys_arch.h with its RTOS's:
 * lwIP's contrib/ports/freertos/ (same lwIP source tree) for FreeRTOS,
 * or its RTOS vendor's. sys_now() below (SysTick of the QEMU board) and
 * sys_arch_protect() (PRIMASK) are what such ports do too.
 */
#include "lwip/opt.h"
#include "lwip/sys.h"

#include "pe_cortexm_board.h"

void pe_lwip_sys_arch_missing(const char *what)
{
    /* The application's assertion handler stops the firmware. */
    pe_lwip_fw_assert(what, 0);
    for (;;) {
    }
}

void sys_init(void)
{
}

u32_t sys_now(void)
{
    return (u32_t)pe_cortexm_uptime_ms(); /* wraps after ~49 days */
}

sys_prot_t sys_arch_protect(void)
{
    sys_prot_t primask;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    return primask;
}

void sys_arch_unprotect(sys_prot_t pval)
{
    __asm__ volatile("msr primask, %0" ::"r"(pval) : "memory");
}

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn thread,
                            void *arg, int stacksize, int prio)
{
    (void)name;
    (void)thread;
    (void)arg;
    (void)stacksize;
    (void)prio;
    pe_lwip_sys_arch_missing("lwIP needs an RTOS: sys_thread_new is a stub "
                             "(port/lwip/firmware/sys_arch_stub.c)");
    return 0;
}

/* Spins until *counter is non-zero or timeout_ms passes (0: forever,
 * which only another thread or an interrupt could end). */
static u32_t wait_nonzero(volatile u32_t *counter, u32_t timeout_ms,
                          const char *what)
{
    u32_t start = sys_now();
    while (*counter == 0) {
        if (timeout_ms == 0) {
            pe_lwip_sys_arch_missing(what);
        }
        if ((u32_t)(sys_now() - start) >= timeout_ms) {
            return SYS_ARCH_TIMEOUT;
        }
    }
    return (u32_t)(sys_now() - start);
}

/* ------------------------------------------------------------ semaphores */

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
    sem->count = count;
    sem->valid = 1;
    return ERR_OK;
}

void sys_sem_signal(sys_sem_t *sem)
{
    SYS_ARCH_DECL_PROTECT(lev);
    SYS_ARCH_PROTECT(lev);
    sem->count++;
    SYS_ARCH_UNPROTECT(lev);
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout)
{
    u32_t waited = wait_nonzero(&sem->count, timeout,
                                "a semaphore wait needs another thread");
    if (waited != SYS_ARCH_TIMEOUT) {
        SYS_ARCH_DECL_PROTECT(lev);
        SYS_ARCH_PROTECT(lev);
        sem->count--;
        SYS_ARCH_UNPROTECT(lev);
    }
    return waited;
}

void sys_sem_free(sys_sem_t *sem)
{
    sem->valid = 0;
}

/* ------------------------------------------------------------ mutex */

err_t sys_mutex_new(sys_mutex_t *mutex)
{
    mutex->locked = 0;
    mutex->valid = 1;
    return ERR_OK;
}

void sys_mutex_lock(sys_mutex_t *mutex)
{
    if (mutex->locked) {
        pe_lwip_sys_arch_missing("a mutex wait needs another thread");
    }
    mutex->locked = 1;
}

void sys_mutex_unlock(sys_mutex_t *mutex)
{
    mutex->locked = 0;
}

void sys_mutex_free(sys_mutex_t *mutex)
{
    mutex->valid = 0;
}

/* ------------------------------------------------------------ mailboxes */

err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
    if (size > PE_LWIP_STUB_MBOX_SIZE) {
        return ERR_MEM;
    }
    mbox->head = 0;
    mbox->count = 0;
    mbox->valid = 1;
    return ERR_OK;
}

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
    err_t err = ERR_MEM;
    SYS_ARCH_DECL_PROTECT(lev);
    SYS_ARCH_PROTECT(lev);
    if (mbox->count < PE_LWIP_STUB_MBOX_SIZE) {
        mbox->slot[(mbox->head + mbox->count) % PE_LWIP_STUB_MBOX_SIZE] = msg;
        mbox->count++;
        err = ERR_OK;
    }
    SYS_ARCH_UNPROTECT(lev);
    return err;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg)
{
    return sys_mbox_trypost(mbox, msg);
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
    if (sys_mbox_trypost(mbox, msg) != ERR_OK) {
        pe_lwip_sys_arch_missing("a full mailbox needs another thread");
    }
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
    u32_t r = SYS_MBOX_EMPTY;
    SYS_ARCH_DECL_PROTECT(lev);
    SYS_ARCH_PROTECT(lev);
    if (mbox->count > 0) {
        if (msg != NULL) {
            *msg = mbox->slot[mbox->head];
        }
        mbox->head = (u16_t)((mbox->head + 1u) % PE_LWIP_STUB_MBOX_SIZE);
        mbox->count--;
        r = 0;
    }
    SYS_ARCH_UNPROTECT(lev);
    return r;
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout)
{
    u32_t start = sys_now();
    while (sys_arch_mbox_tryfetch(mbox, msg) == SYS_MBOX_EMPTY) {
        if (timeout == 0) {
            pe_lwip_sys_arch_missing("an empty mailbox needs another thread");
        }
        if ((u32_t)(sys_now() - start) >= timeout) {
            return SYS_ARCH_TIMEOUT;
        }
    }
    return (u32_t)(sys_now() - start);
}

void sys_mbox_free(sys_mbox_t *mbox)
{
    mbox->valid = 0;
}
