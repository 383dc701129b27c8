/*
 * pe_cortexm_syscalls.c - the system calls newlib(-nano) needs, over
 * semihosting, for the QEMU board (see pe_cortexm_board.h):
 *
 *   stdin, stdout, stderr   the host's console (":tt"; QEMU writes it to
 *                           its stderr). stdout is a tty to newlib, so
 *                           it is line-buffered as on a terminal.
 *   open/read/lseek/close   host files, paths relative to QEMU's working
 *                           directory (SYS_OPEN, SYS_READ, SYS_SEEK,
 *                           SYS_FLEN for SEEK_END, SYS_CLOSE)
 *   _sbrk                   the heap between .bss and the end of RAM
 *   _exit                   the stack's high-water mark, then
 *                           SYS_EXIT_EXTENDED with the status
 *   __assert_func           a line on the console and exit status 134.
 *                           Ours rather than newlib's, whose fiprintf
 *                           drags in the whole printf and malloc
 *                           (MBEDTLS-NOTES.md): firmware must override it
 *                           the same way.
 */
#include "pe_cortexm_board.h"
#include "pe_semihosting.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Prototypes of what newlib calls (it declares none of them). */
int _open(const char *path, int flags, ...);
int _close(int fd);
int _read(int fd, void *buf, size_t len);
int _write(int fd, const void *buf, size_t len);
off_t _lseek(int fd, off_t off, int whence);
int _fstat(int fd, struct stat *st);
int _isatty(int fd);
void *_sbrk(ptrdiff_t incr);
int _kill(int pid, int sig);
int _getpid(void);
__attribute__((noreturn)) void _exit(int status);
__attribute__((noreturn)) void __assert_func(const char *file, int line,
                                             const char *func,
                                             const char *expr);

#define MAX_FILES 16

typedef struct {
    int32_t handle; /* semihosting handle; -1: free */
    uint32_t pos;   /* SYS_SEEK is absolute, SEEK_CUR needs our count */
} file_t;

static file_t files[MAX_FILES];
static int console_ready;

static int32_t sh_open(const char *path, uint32_t mode)
{
    const uint32_t block[3] = {(uint32_t)(uintptr_t)path, mode,
                               (uint32_t)strlen(path)};
    return pe_semihost(PE_SH_SYS_OPEN, block);
}

static void set_errno_from_host(int fallback)
{
    int32_t e = pe_semihost(PE_SH_SYS_ERRNO, NULL);
    /* newlib's errno numbers match Linux's for the usual ones (ENOENT,
     * EACCES, EISDIR, ENOSPC ...). */
    errno = e > 0 ? (int)e : fallback;
}

static void console_open(void)
{
    int i;
    for (i = 0; i < MAX_FILES; i++) {
        files[i].handle = -1;
        files[i].pos = 0;
    }
    files[0].handle = sh_open(":tt", PE_SH_OPEN_R);
    files[1].handle = sh_open(":tt", 4u /* "w" */);
    files[2].handle = sh_open(":tt", 8u /* "a" */);
    console_ready = 1;
}

static file_t *lookup(int fd)
{
    if (!console_ready) {
        console_open();
    }
    if (fd < 0 || fd >= MAX_FILES || files[fd].handle == -1) {
        errno = EBADF;
        return NULL;
    }
    return &files[fd];
}

int _open(const char *path, int flags, ...)
{
    uint32_t mode;
    int fd;

    if (!console_ready) {
        console_open();
    }
    switch (flags & O_ACCMODE) {
    case O_RDONLY:
        mode = PE_SH_OPEN_RB;
        break;
    case O_WRONLY:
        mode = (flags & O_APPEND) ? PE_SH_OPEN_AB : PE_SH_OPEN_WB;
        break;
    default:
        mode = (flags & O_APPEND)  ? PE_SH_OPEN_APLUS_B
               : (flags & O_TRUNC) ? PE_SH_OPEN_WPLUS_B
                                   : PE_SH_OPEN_RPLUS_B;
        break;
    }
    for (fd = 3; fd < MAX_FILES && files[fd].handle != -1; fd++) {
    }
    if (fd == MAX_FILES) {
        errno = EMFILE;
        return -1;
    }
    files[fd].handle = sh_open(path, mode);
    if (files[fd].handle == -1) {
        set_errno_from_host(ENOENT);
        return -1;
    }
    files[fd].pos = 0;
    return fd;
}

int _close(int fd)
{
    file_t *f = lookup(fd);
    if (f == NULL) {
        return -1;
    }
    if (fd > 2) {
        const uint32_t block[1] = {(uint32_t)f->handle};
        f->handle = -1;
        if (pe_semihost(PE_SH_SYS_CLOSE, block) != 0) {
            set_errno_from_host(EIO);
            return -1;
        }
    }
    return 0;
}

int _read(int fd, void *buf, size_t len)
{
    file_t *f = lookup(fd);
    uint32_t block[3];
    int32_t left;

    if (f == NULL) {
        return -1;
    }
    if (fd == 0) {
        return 0; /* no input on this board: end of file */
    }
    block[0] = (uint32_t)f->handle;
    block[1] = (uint32_t)(uintptr_t)buf;
    block[2] = (uint32_t)len;
    left = pe_semihost(PE_SH_SYS_READ, block);
    if (left < 0 || (uint32_t)left > len) {
        set_errno_from_host(EIO);
        return -1;
    }
    f->pos += (uint32_t)len - (uint32_t)left;
    return (int)(len - (size_t)left);
}

int _write(int fd, const void *buf, size_t len)
{
    file_t *f = lookup(fd);
    uint32_t block[3];
    int32_t left;

    if (f == NULL) {
        return -1;
    }
    block[0] = (uint32_t)f->handle;
    block[1] = (uint32_t)(uintptr_t)buf;
    block[2] = (uint32_t)len;
    left = pe_semihost(PE_SH_SYS_WRITE, block);
    if (left < 0 || (uint32_t)left > len) {
        set_errno_from_host(EIO);
        return -1;
    }
    f->pos += (uint32_t)len - (uint32_t)left;
    return (int)(len - (size_t)left);
}

off_t _lseek(int fd, off_t off, int whence)
{
    file_t *f = lookup(fd);
    int64_t target;
    uint32_t block[2];

    if (f == NULL) {
        return -1;
    }
    if (fd <= 2) {
        errno = ESPIPE;
        return -1;
    }
    block[0] = (uint32_t)f->handle;
    switch (whence) {
    case SEEK_SET:
        target = off;
        break;
    case SEEK_CUR:
        target = (int64_t)f->pos + off;
        break;
    case SEEK_END: {
        int32_t len = pe_semihost(PE_SH_SYS_FLEN, block);
        if (len < 0) {
            set_errno_from_host(EIO);
            return -1;
        }
        target = (int64_t)len + off;
        break;
    }
    default:
        errno = EINVAL;
        return -1;
    }
    if (target < 0 || target > INT32_MAX) {
        errno = EINVAL;
        return -1;
    }
    block[1] = (uint32_t)target;
    if (pe_semihost(PE_SH_SYS_SEEK, block) != 0) {
        set_errno_from_host(EIO);
        return -1;
    }
    f->pos = (uint32_t)target;
    return (off_t)target;
}

int _fstat(int fd, struct stat *st)
{
    if (lookup(fd) == NULL) {
        return -1;
    }
    memset(st, 0, sizeof *st);
    st->st_mode = fd <= 2 ? S_IFCHR : S_IFREG;
    return 0;
}

int _isatty(int fd)
{
    if (lookup(fd) == NULL) {
        return 0;
    }
    return fd <= 2;
}

void *_sbrk(ptrdiff_t incr)
{
    extern char __heap_start[], __heap_end[];
    static char *brk = __heap_start;
    char *old = brk;

    if (incr < 0 ? (size_t)-incr > (size_t)(brk - __heap_start)
                 : (size_t)incr > (size_t)(__heap_end - brk)) {
        errno = ENOMEM;
        return (void *)-1;
    }
    brk += incr;
    return old;
}

/* abort() and raise() end here. */
int _kill(int pid, int sig)
{
    (void)pid;
    pe_sh_write0("\nkilled by signal ");
    pe_sh_write_dec((uint32_t)sig);
    pe_sh_write0("\n");
    pe_cortexm_report_stack();
    pe_sh_exit(128 + sig);
}

int _getpid(void)
{
    return 1;
}

void _exit(int status)
{
    pe_cortexm_report_stack();
    pe_sh_exit(status);
}

void __assert_func(const char *file, int line, const char *func,
                   const char *expr)
{
    pe_sh_write0("\nassertion failed: ");
    pe_sh_write0(expr);
    pe_sh_write0(" (");
    pe_sh_write0(file);
    pe_sh_write0(":");
    pe_sh_write_dec((uint32_t)line);
    if (func != NULL) {
        pe_sh_write0(", ");
        pe_sh_write0(func);
    }
    pe_sh_write0(")\n");
    pe_cortexm_report_stack();
    pe_sh_exit(134);
}
