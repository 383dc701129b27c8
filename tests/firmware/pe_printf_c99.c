/*
 * pe_printf_c99.c - the C99 length modifiers z, t and j for the test
 * programs' printf, snprintf and sprintf on newlib.
 *
 * Debian's newlib for arm-none-eabi is built without C99 formats: "%zu"
 * prints "zu" and leaves its argument in place, so every later conversion
 * takes the wrong one (a "%s" after it reads a size as a pointer). The
 * tests print sizes with %zu, mostly in the messages of failing checks,
 * where a wrong or crashing message would hide the failure.
 *
 * The link wraps the three functions (-Wl,--wrap=printf,...): each
 * conversion is taken apart here, its argument fetched by its real type,
 * and it is handed alone to newlib's snprintf with z, t and j rewritten
 * to the modifier of the same width (none or l; ll). Everything else
 * (flags, width, precision, %s, %g ...) is newlib's own behaviour.
 * Needs the full newlib (ll): mk/firmware.mk links this only with
 * FW_TEST_LIBC=full.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int __real_snprintf(char *out, size_t cap, const char *fmt, ...);
int __wrap_printf(const char *fmt, ...);
int __wrap_snprintf(char *out, size_t cap, const char *fmt, ...);
int __wrap_sprintf(char *out, const char *fmt, ...);

typedef enum { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J, LEN_BIG_L } len_t;

/* One conversion through newlib: into out + *n when there is room, in
 * any case counting its length. */
#define EMIT(...)                                                              \
    do {                                                                       \
        int r_ = __real_snprintf(*n < cap ? out + *n : NULL,                   \
                                 *n < cap ? cap - *n : 0, __VA_ARGS__);        \
        if (r_ > 0) {                                                          \
            *n += (size_t)r_;                                                  \
        }                                                                      \
    } while (0)

static const char *modifier(len_t len)
{
    switch (len) {
    case LEN_HH: return "hh";
    case LEN_H: return "h";
    case LEN_L: return "l";
    case LEN_LL: return "ll";
    case LEN_Z: return sizeof(size_t) == sizeof(long) ? "l" : "";
    case LEN_T: return sizeof(ptrdiff_t) == sizeof(long) ? "l" : "";
    case LEN_J: return "ll";
    case LEN_BIG_L: return "L";
    default: return "";
    }
}

static void convert(char *out, size_t cap, size_t *n, const char **pfmt, va_list *ap)
{
    const char *f = *pfmt + 1; /* past '%' */
    char spec[48];
    size_t k = 0;
    len_t len = LEN_NONE;
    char conv;

    spec[k++] = '%';
    while (*f && strchr("-+ #0", *f) && k < 8) {
        spec[k++] = *f++;
    }
    if (*f == '*') {
        k += (size_t)__real_snprintf(spec + k, sizeof spec - k, "%d", va_arg(*ap, int));
        f++;
    } else {
        while (*f >= '0' && *f <= '9' && k < 20) {
            spec[k++] = *f++;
        }
    }
    if (*f == '.') {
        spec[k++] = *f++;
        if (*f == '*') {
            int p = va_arg(*ap, int);
            if (p < 0) {
                k--; /* a negative precision is as if there were none */
            } else {
                k += (size_t)__real_snprintf(spec + k, sizeof spec - k, "%d", p);
            }
            f++;
        } else {
            while (*f >= '0' && *f <= '9' && k < 32) {
                spec[k++] = *f++;
            }
        }
    }
    switch (*f) {
    case 'h': len = f[1] == 'h' ? (f++, LEN_HH) : LEN_H; f++; break;
    case 'l': len = f[1] == 'l' ? (f++, LEN_LL) : LEN_L; f++; break;
    case 'z': len = LEN_Z; f++; break;
    case 't': len = LEN_T; f++; break;
    case 'j': len = LEN_J; f++; break;
    case 'L': len = LEN_BIG_L; f++; break;
    default: break;
    }
    conv = *f;
    if (conv == '\0') {
        *pfmt = f;
        return;
    }
    *pfmt = f + 1;
    k += (size_t)__real_snprintf(spec + k, sizeof spec - k, "%s%c", modifier(len), conv);
    spec[k] = '\0';

    switch (conv) {
    case 'd': case 'i':
        if (len == LEN_LL || len == LEN_J) {
            EMIT(spec, va_arg(*ap, long long));
        } else if (len == LEN_L || (len == LEN_Z && sizeof(size_t) == sizeof(long)) ||
                   (len == LEN_T && sizeof(ptrdiff_t) == sizeof(long))) {
            EMIT(spec, va_arg(*ap, long));
        } else {
            EMIT(spec, va_arg(*ap, int));
        }
        break;
    case 'u': case 'o': case 'x': case 'X':
        if (len == LEN_LL || len == LEN_J) {
            EMIT(spec, va_arg(*ap, unsigned long long));
        } else if (len == LEN_L || (len == LEN_Z && sizeof(size_t) == sizeof(long)) ||
                   (len == LEN_T && sizeof(ptrdiff_t) == sizeof(long))) {
            EMIT(spec, va_arg(*ap, unsigned long));
        } else {
            EMIT(spec, va_arg(*ap, unsigned int));
        }
        break;
    case 'c':
        EMIT(spec, va_arg(*ap, int));
        break;
    case 's':
        EMIT(spec, va_arg(*ap, const char *));
        break;
    case 'p':
        EMIT(spec, va_arg(*ap, void *));
        break;
    case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A':
        if (len == LEN_BIG_L) {
            EMIT(spec, va_arg(*ap, long double));
        } else {
            EMIT(spec, va_arg(*ap, double));
        }
        break;
    case 'n':
        (void)va_arg(*ap, void *); /* not supported: nothing stored */
        break;
    case '%':
        EMIT("%%");
        break;
    default: /* unknown: the text of the conversion itself */
        EMIT("%s", spec);
        break;
    }
}

static int format(char *out, size_t cap, const char *fmt, va_list ap)
{
    size_t n = 0;
    va_list args;

    va_copy(args, ap);
    while (*fmt != '\0') {
        if (*fmt == '%') {
            convert(out, cap, &n, &fmt, &args);
        } else {
            if (n + 1 < cap) {
                out[n] = *fmt;
            }
            n++;
            fmt++;
        }
    }
    va_end(args);
    if (cap > 0) {
        out[n < cap ? n : cap - 1] = '\0';
    }
    return n > INT32_MAX ? -1 : (int)n;
}

int __wrap_snprintf(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = format(out, cap, fmt, ap);
    va_end(ap);
    return r;
}

int __wrap_sprintf(char *out, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = format(out, SIZE_MAX / 2, fmt, ap);
    va_end(ap);
    return r;
}

int __wrap_printf(const char *fmt, ...)
{
    char small[160]; /* longer lines: malloc, to keep the stack figure honest */
    char *buf = small;
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = format(small, sizeof small, fmt, ap);
    va_end(ap);
    if (r >= (int)sizeof small) {
        buf = malloc((size_t)r + 1);
        if (buf == NULL) {
            return -1;
        }
        va_start(ap, fmt);
        (void)format(buf, (size_t)r + 1, fmt, ap);
        va_end(ap);
    }
    if (r > 0) {
        (void)fwrite(buf, 1, (size_t)r, stdout);
    }
    if (buf != small) {
        free(buf);
    }
    return r;
}
