/*
 * pe_cortexm_board.h - the bare-metal board support for running
 * pinpoint-email on a Cortex-M4 under QEMU (-M mps2-an386): reset,
 * faults, the MPU, a millisecond tick, the stack's high-water mark.
 *
 * Files (all in port/cortexm/; mk/firmware.mk names them in FW_BOARD_SRC):
 *   mps2_an386.ld          memory layout (the linker script)
 *   pe_cortexm_startup.c   vector table, reset, fault reports, MPU, SysTick
 *   pe_cortexm_syscalls.c  newlib's system calls over semihosting (stdio
 *                          and files on the host, exit status, heap)
 *   pe_semihosting.[ch]    the semihosting calls themselves
 *   pe_cortexm_mbedtls.c   mbedtls_ms_time() and a wall clock for
 *                          mbedtls_platform_set_time()
 *   pe_cortexm_test_rng.c  TESTS ONLY: a deterministic PSA RNG
 *
 * Reset: the stack is painted with PE_CORTEXM_STACK_PAINT, .data copied,
 * .bss zeroed, faults enabled (MemManage, BusFault, UsageFault, division
 * by zero traps), the MPU guards the 32 bytes under the stack, SysTick
 * ticks every millisecond, constructors run, then main(argc, argv) with
 * the arguments of QEMU's -append (SYS_GET_CMDLINE), then exit().
 *
 * Exit: _exit() prints "stack high-water: N of M bytes" and ends QEMU
 * with the program's status. A fault prints what happened (a stack
 * overflow, an access to an MPU guard block, a division by zero, the
 * fault registers and the faulting pc) and exits with 128 + the exception
 * number (131 HardFault, 132 MemManage, 133 BusFault, 134 UsageFault).
 *
 * Real hardware: the fault, MPU and SysTick parts carry over; semihosting
 * does not (a bkpt 0xAB without a debugger faults): such a board
 * replaces pe_cortexm_syscalls.c and pe_semihosting.c with its UART and
 * its own exit.
 */
#ifndef PE_CORTEXM_BOARD_H
#define PE_CORTEXM_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* SysTick's clock: QEMU's MPS2 boards run the CPU at 25 MHz. */
#ifndef PE_CORTEXM_CPU_HZ
#define PE_CORTEXM_CPU_HZ 25000000u
#endif

/* The word the stack is filled with at reset. */
#define PE_CORTEXM_STACK_PAINT 0x57AC57ACu

/* Usable main stack (the MPU guard excluded), in bytes. */
size_t pe_cortexm_stack_size(void);

/* Bytes of the main stack used so far at most: from its top down to the
 * lowest word no longer holding the paint. An estimate from below if a
 * frame happened to store the paint word itself at its lowest point. */
size_t pe_cortexm_stack_high_water(void);

/* MPU regions: 0 guards the stack; the others are free. */
#define PE_CORTEXM_MPU_REGION_STACK 0u
#define PE_CORTEXM_MPU_REGION_FIRST_FREE 1u
#define PE_CORTEXM_MPU_REGIONS 8u
#define PE_CORTEXM_MPU_GUARD_SIZE 32u

/* Makes the 32 bytes at `base` (32-byte aligned) inaccessible through MPU
 * region `region`: any load or store there faults and is reported as an
 * access to a guard block. 0 on success, -1 for a bad region or base. */
int pe_cortexm_mpu_guard(unsigned region, const void *base);

/* Lifts the guard of `region`. */
void pe_cortexm_mpu_unguard(unsigned region);

/* Milliseconds since reset (SysTick). */
uint64_t pe_cortexm_uptime_ms(void);

/* Seconds since 1970 (UTC) from the host, through semihosting SYS_TIME:
 * the QEMU board's stand-in for an RTC set by SNTP. */
int64_t pe_cortexm_wall_clock(void);

/* Prints "stack high-water: N of M bytes" to the console (no stdio). */
void pe_cortexm_report_stack(void);

#endif /* PE_CORTEXM_BOARD_H */
