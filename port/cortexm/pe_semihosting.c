/* pe_semihosting.c - see pe_semihosting.h. */
#include "pe_semihosting.h"

void pe_sh_write0(const char *s)
{
    (void)pe_semihost(PE_SH_SYS_WRITE0, s);
}

void pe_sh_write_dec(uint32_t v)
{
    char buf[11];
    size_t i = sizeof buf - 1;
    buf[i] = '\0';
    do {
        buf[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    pe_sh_write0(buf + i);
}

void pe_sh_write_hex(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    char buf[11] = "0x";
    for (int i = 0; i < 8; i++) {
        buf[2 + i] = digits[(v >> (28 - 4 * i)) & 0xFu];
    }
    buf[10] = '\0';
    pe_sh_write0(buf);
}

void pe_sh_exit(int status)
{
    const uint32_t block[2] = {PE_SH_APPLICATION_EXIT, (uint32_t)status};
    (void)pe_semihost(PE_SH_SYS_EXIT_EXTENDED, block);
    /* A host without the extension: SYS_EXIT tells only success or not. */
    (void)pe_semihost(PE_SH_SYS_EXIT, (const void *)(uintptr_t)(
                                          status == 0 ? PE_SH_APPLICATION_EXIT
                                                      : 0x20023u /* RunTimeErrorUnknown */));
    for (;;) {
        __asm__ volatile("wfi");
    }
}
