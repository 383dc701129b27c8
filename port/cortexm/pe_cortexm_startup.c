/*
 * pe_cortexm_startup.c - vector table, reset, fault reports, MPU guards
 * and SysTick for the Cortex-M4 of QEMU's mps2-an386 (see
 * pe_cortexm_board.h and mps2_an386.ld).
 */
#include "pe_cortexm_board.h"
#include "pe_semihosting.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ registers */

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

#define SCB_CCR REG32(0xE000ED14u)
#define SCB_SHCSR REG32(0xE000ED24u)
#define SCB_CFSR REG32(0xE000ED28u)
#define SCB_HFSR REG32(0xE000ED2Cu)
#define SCB_MMFAR REG32(0xE000ED34u)
#define SCB_BFAR REG32(0xE000ED38u)
#define MPU_TYPE REG32(0xE000ED90u)
#define MPU_CTRL REG32(0xE000ED94u)
#define MPU_RNR REG32(0xE000ED98u)
#define MPU_RBAR REG32(0xE000ED9Cu)
#define MPU_RASR REG32(0xE000EDA0u)
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)

#define CCR_DIV_0_TRP (1u << 4)
#define SHCSR_MEMFAULTENA (1u << 16)
#define SHCSR_BUSFAULTENA (1u << 17)
#define SHCSR_USGFAULTENA (1u << 18)
#define CFSR_MSTKERR (1u << 4)
#define CFSR_MMARVALID (1u << 7)
#define CFSR_STKERR (1u << 12)
#define CFSR_BFARVALID (1u << 15)
#define CFSR_DIVBYZERO (1u << 25)
#define MPU_CTRL_ENABLE (1u << 0)
#define MPU_CTRL_PRIVDEFENA (1u << 2)
/* RASR: XN, AP = 000 (no access at any privilege), SIZE = 4 (32 bytes),
 * ENABLE. */
#define MPU_RASR_GUARD ((1u << 28) | (4u << 1) | 1u)

/* ------------------------------------------------------------ linker symbols */

extern uint32_t __stack_guard[], __stack_limit[], __stack_top[];
extern uint32_t __fault_stack_top[];
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];

extern int main(int argc, char **argv);
extern void __libc_init_array(void);

void Reset_Handler(void);
void pe_cortexm_fault_entry(void);
void SysTick_Handler(void);
__attribute__((noreturn, used)) void pe_cortexm_start(void);
__attribute__((noreturn, used)) void pe_cortexm_fault(const uint32_t *frame,
                                                      uint32_t exc_return,
                                                      uint32_t ipsr);

/* ------------------------------------------------------------ vector table */

/* 16 system exceptions, then the AN386's 32 interrupts. Everything but
 * reset and SysTick goes to the fault report: this board enables no
 * interrupt, so any other exception is a bug. */
#define FAULT ((uintptr_t)pe_cortexm_fault_entry)
__attribute__((section(".isr_vector"), used))
static const uintptr_t vector_table[16 + 32] = {
    (uintptr_t)__stack_top,      /* initial main stack pointer */
    (uintptr_t)Reset_Handler,
    FAULT, FAULT, FAULT, FAULT, FAULT, /* NMI, HardFault, MemManage, BusFault, UsageFault */
    0, 0, 0, 0,                  /* reserved */
    FAULT,                       /* SVCall */
    FAULT,                       /* DebugMonitor */
    0,                           /* reserved */
    FAULT,                       /* PendSV */
    (uintptr_t)SysTick_Handler,
    FAULT, FAULT, FAULT, FAULT, FAULT, FAULT, FAULT, FAULT,
    FAULT, FAULT, FAULT, FAULT, FAULT, FAULT, FAULT, FAULT,
    FAULT, FAULT, FAULT, FAULT, FAULT, FAULT, FAULT, FAULT,
    FAULT, FAULT, FAULT, FAULT, FAULT, FAULT, FAULT, FAULT,
};

/* ------------------------------------------------------------ reset */

/* Paints the stack from its limit up to sp (its top: nothing is on it
 * yet), then goes on in C. Assembly, because C would use the very stack
 * it paints. */
__attribute__((naked, noreturn)) void Reset_Handler(void)
{
    __asm__ volatile("ldr   r0, =__stack_limit\n"
                     "mov   r1, sp\n"
                     "ldr   r2, =0x57AC57AC\n" /* PE_CORTEXM_STACK_PAINT */
                     "1:\n"
                     "cmp   r0, r1\n"
                     "bhs   2f\n"
                     "str   r2, [r0], #4\n"
                     "b     1b\n"
                     "2:\n"
                     "b     pe_cortexm_start\n"
                     ".ltorg\n");
}

/* newlib's __libc_init_array calls these (crti.o is not linked). */
void _init(void);
void _fini(void);
void _init(void) {}
void _fini(void) {}

static volatile uint32_t ticks_lo, ticks_hi;

void SysTick_Handler(void)
{
    uint32_t lo = ticks_lo + 1u;
    if (lo == 0) {
        ticks_hi = ticks_hi + 1u;
    }
    ticks_lo = lo;
}

uint64_t pe_cortexm_uptime_ms(void)
{
    uint32_t hi, lo;
    do {
        hi = ticks_hi;
        lo = ticks_lo;
    } while (hi != ticks_hi);
    return ((uint64_t)hi << 32) | lo;
}

int64_t pe_cortexm_wall_clock(void)
{
    return (int64_t)(uint32_t)pe_semihost(PE_SH_SYS_TIME, NULL);
}

static const void *guard_base[PE_CORTEXM_MPU_REGIONS];

int pe_cortexm_mpu_guard(unsigned region, const void *base)
{
    if (region >= PE_CORTEXM_MPU_REGIONS || region >= (MPU_TYPE >> 8 & 0xFFu) ||
        ((uintptr_t)base & (PE_CORTEXM_MPU_GUARD_SIZE - 1u)) != 0) {
        return -1;
    }
    __asm__ volatile("dsb" ::: "memory");
    MPU_RNR = region;
    MPU_RBAR = (uint32_t)(uintptr_t)base;
    MPU_RASR = MPU_RASR_GUARD;
    MPU_CTRL = MPU_CTRL_ENABLE | MPU_CTRL_PRIVDEFENA;
    __asm__ volatile("dsb\n isb" ::: "memory");
    guard_base[region] = base;
    return 0;
}

void pe_cortexm_mpu_unguard(unsigned region)
{
    if (region >= PE_CORTEXM_MPU_REGIONS) {
        return;
    }
    __asm__ volatile("dsb" ::: "memory");
    MPU_RNR = region;
    MPU_RASR = 0;
    __asm__ volatile("dsb\n isb" ::: "memory");
    guard_base[region] = NULL;
}

/* main's arguments: QEMU's semihosting command line is the kernel's
 * file name followed by -append's text, split here at spaces. */
static char cmdline[256];
static char *argv_store[16];

static int get_args(void)
{
    struct {
        char *buf;
        uint32_t len;
    } block = {cmdline, sizeof cmdline - 1};
    int argc = 0;
    char *p = cmdline;

    if (pe_semihost(PE_SH_SYS_GET_CMDLINE, &block) != 0) {
        strcpy(cmdline, "firmware");
        block.len = 8;
    }
    cmdline[block.len < sizeof cmdline ? block.len : sizeof cmdline - 1] = '\0';
    while (*p != '\0' && argc < (int)(sizeof argv_store / sizeof argv_store[0]) - 1) {
        while (*p == ' ') {
            *p++ = '\0';
        }
        if (*p == '\0') {
            break;
        }
        argv_store[argc++] = p;
        while (*p != '\0' && *p != ' ') {
            p++;
        }
    }
    argv_store[argc] = NULL;
    return argc;
}

void pe_cortexm_start(void)
{
    uint32_t *src = __data_load, *dst = __data_start;
    int argc;

    while (dst < __data_end) {
        *dst++ = *src++;
    }
    for (dst = __bss_start; dst < __bss_end; dst++) {
        *dst = 0;
    }
    /* Faults get their own handlers (reported with their cause rather
     * than escalated to HardFault); integer division by zero traps, as
     * it would on a host. */
    SCB_SHCSR |= SHCSR_MEMFAULTENA | SHCSR_BUSFAULTENA | SHCSR_USGFAULTENA;
    SCB_CCR |= CCR_DIV_0_TRP;
    (void)pe_cortexm_mpu_guard(PE_CORTEXM_MPU_REGION_STACK, __stack_guard);
    SYST_RVR = PE_CORTEXM_CPU_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* processor clock, interrupt, enable */

    __libc_init_array();
    argc = get_args();
    exit(main(argc, argv_store));
}

/* ------------------------------------------------------------ stack */

size_t pe_cortexm_stack_size(void)
{
    return (size_t)((uintptr_t)__stack_top - (uintptr_t)__stack_limit);
}

size_t pe_cortexm_stack_high_water(void)
{
    const uint32_t *p = __stack_limit;
    while (p < __stack_top && *p == PE_CORTEXM_STACK_PAINT) {
        p++;
    }
    return (size_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

void pe_cortexm_report_stack(void)
{
    size_t used = pe_cortexm_stack_high_water();
    pe_sh_write0("stack high-water: ");
    pe_sh_write_dec((uint32_t)used);
    pe_sh_write0(" of ");
    pe_sh_write_dec((uint32_t)pe_cortexm_stack_size());
    pe_sh_write0(" bytes");
    if (used >= pe_cortexm_stack_size()) {
        pe_sh_write0(" (all of it: the stack overflowed or came close)");
    }
    pe_sh_write0("\n");
}

/* ------------------------------------------------------------ faults */

/* Every fault and unexpected exception lands here. The stack may be the
 * problem (an overflow into its guard), so move to the fault stack before
 * anything is pushed; pass the old sp (the exception frame, if stacking
 * worked), EXC_RETURN and the exception number. */
__attribute__((naked, noreturn)) void pe_cortexm_fault_entry(void)
{
    __asm__ volatile("mrs   r0, msp\n"
                     "mov   r1, lr\n"
                     "mrs   r2, ipsr\n"
                     "ldr   r3, =__fault_stack_top\n"
                     "mov   sp, r3\n"
                     "b     pe_cortexm_fault\n"
                     ".ltorg\n");
}

static bool in_ram(uintptr_t a)
{
    return a >= 0x20000000u && a < 0x20400000u - 32u;
}

void pe_cortexm_fault(const uint32_t *frame, uint32_t exc_return,
                      uint32_t ipsr)
{
    static const char *const names[] = {"thread", "reset", "NMI",
                                        "HardFault", "MemManage",
                                        "BusFault", "UsageFault"};
    uint32_t n = ipsr & 0x1FFu;
    uint32_t cfsr = SCB_CFSR;

    pe_sh_write0("\nFAULT: ");
    if (n < sizeof names / sizeof names[0]) {
        pe_sh_write0(names[n]);
    } else {
        pe_sh_write0("unexpected exception ");
        pe_sh_write_dec(n);
    }
    if (cfsr & CFSR_MMARVALID) {
        uintptr_t a = SCB_MMFAR;
        unsigned r;
        if (a - (uintptr_t)__stack_guard < PE_CORTEXM_MPU_GUARD_SIZE) {
            pe_sh_write0(": stack overflow (the guard below the stack was touched)");
        } else {
            for (r = PE_CORTEXM_MPU_REGION_FIRST_FREE; r < PE_CORTEXM_MPU_REGIONS; r++) {
                if (guard_base[r] != NULL &&
                    a - (uintptr_t)guard_base[r] < PE_CORTEXM_MPU_GUARD_SIZE) {
                    pe_sh_write0(": access to an MPU guard block (past the end of a buffer) at ");
                    pe_sh_write_hex((uint32_t)a);
                    break;
                }
            }
            if (r == PE_CORTEXM_MPU_REGIONS) {
                pe_sh_write0(": memory access at ");
                pe_sh_write_hex((uint32_t)a);
            }
        }
    }
    if (cfsr & CFSR_DIVBYZERO) {
        pe_sh_write0(": integer division by zero");
    }
    pe_sh_write0("\n  CFSR ");
    pe_sh_write_hex(cfsr);
    pe_sh_write0(" HFSR ");
    pe_sh_write_hex(SCB_HFSR);
    if (cfsr & CFSR_BFARVALID) {
        pe_sh_write0(" BFAR ");
        pe_sh_write_hex(SCB_BFAR);
    }
    pe_sh_write0(" EXC_RETURN ");
    pe_sh_write_hex(exc_return);
    /* The frame the exception pushed: r0-r3, r12, lr, pc, xPSR. Only
     * when pushing it worked and it is on the main stack. */
    if ((exc_return & 4u) == 0 && (cfsr & (CFSR_MSTKERR | CFSR_STKERR)) == 0 &&
        in_ram((uintptr_t)frame)) {
        pe_sh_write0("\n  pc ");
        pe_sh_write_hex(frame[6]);
        pe_sh_write0(" lr ");
        pe_sh_write_hex(frame[5]);
        pe_sh_write0(" (arm-none-eabi-addr2line -e the .elf)");
    }
    pe_sh_write0("\n");
    pe_cortexm_report_stack();
    pe_sh_exit((int)(128u + n));
}
