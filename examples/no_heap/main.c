/*
 * no_heap - the alert of examples/send_alert, from a program that never
 * uses the system heap: every mbedTLS allocation comes from one static
 * arena (MBEDTLS_MEMORY_BUFFER_ALLOC_C), the library allocates nothing,
 * and the program reads files with open/read and prints with write into
 * static buffers (no stdio, whose FILE and buffers live on the heap).
 *
 *   no_heap --from sender@example.com --to ops@example.com \
 *           --subject "Pump 3 stopped" --text "Pressure fell below 1.2 bar"
 *
 * Needs mbedTLS 3.6 built with port/mbedtls/pe_mbedtls_host_config.h (or a
 * config with the same arena options): see mk/mbedtls36.mk.
 *
 * Settings from the environment (read with getenv, nothing copied):
 *   AWS_REGION (or AWS_DEFAULT_REGION)   region, default us-east-1
 *   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, optional AWS_SESSION_TOKEN
 *   PE_ENDPOINT      https://HOST[:PORT]; unset: the real service
 *   PE_CA_BUNDLE     PEM or DER file of the CAs to trust, at most
 *                    NO_HEAP_CA_MAX bytes: name only the roots you need
 *                    (the whole system bundle does not fit, and parsing it
 *                    would take ~250 KB of arena)
 * The POSIX port connects to an address literal (127.0.0.1 for tests/sim)
 * without the resolver; a host name goes through getaddrinfo(), which
 * allocates inside glibc, so on glibc name the endpoint by its address
 * (the certificate is still checked against that name) or give the
 * program a port with a resolver of its own (lwIP's has no heap).
 * At the end it prints the arena's peak use (MBEDTLS_MEMORY_DEBUG).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif

#include "pe_client.h"
#include "pe_port_posix.h"

#include <mbedtls/build_info.h>
#include <mbedtls/memory_buffer_alloc.h>
#if defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h> /* vsnprintf only: it formats into our buffer */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#if !defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C) || !defined(MBEDTLS_PLATFORM_MEMORY)
#error "no_heap needs mbedTLS built with MBEDTLS_MEMORY_BUFFER_ALLOC_C and MBEDTLS_PLATFORM_MEMORY"
#endif

/* Everything mbedTLS allocates: the parsed CA, the server's chain (kept:
 * MBEDTLS_SSL_KEEP_PEER_CERTIFICATE), record buffers (16 KiB in, 4 KiB
 * out), handshake state. About 41 KB was the smallest arena that worked
 * for a TLS 1.3 full and resumed handshake with an AWS-sized chain; the
 * program prints what it really used. */
#ifndef NO_HEAP_ARENA_SIZE
#define NO_HEAP_ARENA_SIZE (64u * 1024u)
#endif
/* Largest CA file accepted (a few root certificates). */
#ifndef NO_HEAP_CA_MAX
#define NO_HEAP_CA_MAX (16u * 1024u)
#endif

static unsigned char arena[NO_HEAP_ARENA_SIZE];
static unsigned char ca_buf[NO_HEAP_CA_MAX + 1]; /* + the NUL PEM wants */
static char work[4096]; /* the client's only buffer: request and response */
static char line[1024]; /* formatted output */

static pe_posix_port_t posix;
static pe_port_t port;
static pe_tls_t tls;
static pe_client_t client;

/* ------------------------------------------------------------ output */

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

/* printf to a file descriptor through the static line buffer (longer
 * lines are cut). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void say(int fd, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    write_all(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* ------------------------------------------------------------ settings */

static const char *getenv_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}


/* Reads the CA file into ca_buf. PEM gets a NUL after it, counted in the
 * length (as mbedTLS wants); DER (starting with a SEQUENCE) is passed as
 * it is. 0 on success, -1 with a message on stderr. */
static int read_ca(const char *path, size_t *len)
{
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        say(2, "no_heap: cannot open CA file %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        ssize_t r = read(fd, ca_buf + n, sizeof ca_buf - n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            say(2, "no_heap: cannot read CA file %s: %s\n", path, strerror(errno));
            (void)close(fd);
            return -1;
        }
        if (r == 0) {
            break;
        }
        n += (size_t)r;
        if (n == sizeof ca_buf) {
            say(2, "no_heap: CA file %s is larger than %u bytes: give a file "
                   "with only the roots you need\n", path, (unsigned)NO_HEAP_CA_MAX);
            (void)close(fd);
            return -1;
        }
    }
    (void)close(fd);
    if (n == 0) {
        say(2, "no_heap: CA file %s is empty\n", path);
        return -1;
    }
    if (ca_buf[0] != 0x30) {
        ca_buf[n++] = '\0';
    }
    *len = n;
    return 0;
}

/* ------------------------------------------------------------ main */

static void report_arena(void)
{
#if defined(MBEDTLS_MEMORY_DEBUG)
    size_t peak, peak_blocks, cur, cur_blocks;
    mbedtls_memory_buffer_alloc_max_get(&peak, &peak_blocks);
    mbedtls_memory_buffer_alloc_cur_get(&cur, &cur_blocks);
    say(1, "arena: peak %lu bytes (%lu blocks) of %lu; %lu bytes in use at exit\n",
        (unsigned long)peak, (unsigned long)peak_blocks,
        (unsigned long)sizeof arena, (unsigned long)cur);
#else
    say(1, "arena: %lu bytes (build mbedTLS with MBEDTLS_MEMORY_DEBUG for the peak)\n",
        (unsigned long)sizeof arena);
#endif
}

int main(int argc, char **argv)
{
    /* First of all: mbedTLS allocates from the arena from now on. */
    mbedtls_memory_buffer_alloc_init(arena, sizeof arena);

    const char *from = NULL, *to = NULL, *subject = NULL, *text = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--from") == 0) {
            from = argv[i + 1];
        } else if (strcmp(argv[i], "--to") == 0) {
            to = argv[i + 1];
        } else if (strcmp(argv[i], "--subject") == 0) {
            subject = argv[i + 1];
        } else if (strcmp(argv[i], "--text") == 0) {
            text = argv[i + 1];
        }
    }
    if (!from || !to || !subject || !text) {
        say(2, "usage: no_heap --from ADDR --to ADDR --subject S --text T\n");
        return 2;
    }

    /* the platform: the POSIX port (no heap for an address literal) */
    pe_posix_port_init(&posix, &port);
    size_t ca_len;
    if (read_ca(getenv_or("PE_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"),
                &ca_len) != 0) {
        return 1;
    }
    const char *key_id = getenv("AWS_ACCESS_KEY_ID");
    const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
    const char *token = getenv("AWS_SESSION_TOKEN");
    if (!key_id || !*key_id || !secret || !*secret) {
        say(2, "no_heap: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n");
        return 1;
    }

    /* the client */
    char host[PE_MAX_HOST + 1];
    pe_config_t cfg = {
        .region = getenv_or("AWS_REGION", getenv_or("AWS_DEFAULT_REGION", "us-east-1")),
        .access_key_id = key_id,
        .secret_access_key = secret,
        .session_token = token && *token ? token : NULL,
        .port = &port,
        .tls = &tls,
        .ca = ca_buf,
        .ca_len = ca_len,
    };
    const char *endpoint = getenv("PE_ENDPOINT");
    if (endpoint && *endpoint) {
        if (pe_posix_parse_endpoint(endpoint, host, sizeof host, &cfg.endpoint_port) != 0) {
            say(2, "no_heap: bad PE_ENDPOINT %s\n", endpoint);
            return 1;
        }
        cfg.endpoint_host = host;
    }
    pe_status_t st = pe_client_init(&client, &cfg, work, sizeof work);
    if (st != PE_OK) {
        say(2, "no_heap: %s\n", pe_strerror(st));
#if defined(MBEDTLS_PSA_CRYPTO_C)
        mbedtls_psa_crypto_free();
#endif
        report_arena();
        return 1;
    }

    /* the alert */
    const char *const recipients[] = {to};
    pe_content_t subj = {.data = subject, .charset = "UTF-8"};
    pe_content_t body_text = {.data = text, .charset = "UTF-8"};
    pe_body_t body = {.text = &body_text};
    pe_message_t message = {.subject = &subj, .body = &body};
    pe_email_content_t content = {.simple = &message};
    pe_destination_t destination = {.to_addresses = {recipients, 1}};
    pe_send_email_input_t in = {
        .from_email_address = from,
        .destination = &destination,
        .content = &content,
    };
    pe_send_email_output_t out;
    pe_error_t err;
    st = pe_send_email(&client, &in, &out, &err);
    if (st == PE_OK) {
        say(1, "MessageId: %s\n", out.message_id ? out.message_id : "(none)");
    } else if (st == PE_ERR_SERVICE) {
        say(2, "no_heap: %s (HTTP %u): %s [request id %s]\n",
            err.code_text ? err.code_text : "unknown error",
            (unsigned)err.http_status, err.message ? err.message : "",
            err.request_id ? err.request_id : "-");
    } else {
        say(2, "no_heap: %s\n", pe_strerror(st));
    }
    pe_client_deinit(&client); /* frees what mbedTLS held in the arena */
#if defined(MBEDTLS_PSA_CRYPTO_C)
    mbedtls_psa_crypto_free(); /* PSA's global state (the library started
                                  it in pe_client_init and keeps it) */
#endif
    report_arena(); /* "0 bytes in use at exit": nothing leaked */
    mbedtls_memory_buffer_alloc_free();
    return st == PE_OK ? 0 : 1;
}
