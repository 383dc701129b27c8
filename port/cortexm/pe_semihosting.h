/*
 * pe_semihosting.h - Arm semihosting calls (the "Semihosting for AArch32
 * and AArch64" specification, v2), for boards run under QEMU
 * (-semihosting-config enable=on,target=native) or a debugger.
 *
 * A call is a `bkpt 0xAB` with the operation in r0 and a pointer to its
 * arguments in r1. Without a debugger or QEMU catching it, the bkpt
 * faults: never leave these calls in firmware for a board on its own.
 *
 * Paths are the host's: QEMU opens them relative to its working
 * directory.
 */
#ifndef PE_SEMIHOSTING_H
#define PE_SEMIHOSTING_H

#include <stddef.h>
#include <stdint.h>

enum {
    PE_SH_SYS_OPEN = 0x01,
    PE_SH_SYS_CLOSE = 0x02,
    PE_SH_SYS_WRITEC = 0x03,
    PE_SH_SYS_WRITE0 = 0x04,
    PE_SH_SYS_WRITE = 0x05,
    PE_SH_SYS_READ = 0x06,
    PE_SH_SYS_ISTTY = 0x09,
    PE_SH_SYS_SEEK = 0x0A,
    PE_SH_SYS_FLEN = 0x0C,
    PE_SH_SYS_TIME = 0x11,
    PE_SH_SYS_ERRNO = 0x13,
    PE_SH_SYS_GET_CMDLINE = 0x15,
    PE_SH_SYS_EXIT = 0x18,
    PE_SH_SYS_EXIT_EXTENDED = 0x20
};

/* SYS_OPEN modes, as in ISO C fopen: "r" "rb" "r+" "r+b" "w" "wb" "w+"
 * "w+b" "a" "ab" "a+" "a+b". */
enum {
    PE_SH_OPEN_R = 0,
    PE_SH_OPEN_RB = 1,
    PE_SH_OPEN_RPLUS_B = 3,
    PE_SH_OPEN_WB = 5,
    PE_SH_OPEN_WPLUS_B = 7,
    PE_SH_OPEN_AB = 9,
    PE_SH_OPEN_APLUS_B = 11
};

/* ADP_Stopped_ApplicationExit: the reason SYS_EXIT_EXTENDED reports. */
#define PE_SH_APPLICATION_EXIT 0x20026u

/* One call: op in r0, arg in r1; the result comes back in r0. */
static inline int32_t pe_semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

/* A NUL-terminated string to the host's console (QEMU: its stderr). */
void pe_sh_write0(const char *s);

/* An unsigned number in decimal, or in hex with "0x", to the console;
 * no stdio needed (fault handlers, _exit). */
void pe_sh_write_dec(uint32_t v);
void pe_sh_write_hex(uint32_t v);

/* Ends the program under QEMU with `status` as its exit status (SYS_EXIT
 * on the AArch32 interface cannot carry one: SYS_EXIT_EXTENDED can). */
__attribute__((noreturn)) void pe_sh_exit(int status);

#endif /* PE_SEMIHOSTING_H */
