/*
 * pe_port_posix.c - pe_port_t for POSIX hosts (see pe_port_posix.h).
 *
 * Builds with -std=c99 alone: the feature macros below expose POSIX.1-2008
 * and the common BSD/Linux extensions (SOCK_CLOEXEC, MSG_NOSIGNAL).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif

#include "pe_port_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* getrandom(): glibc 2.25+, FreeBSD 12+, musl 1.1.20+ (no version macro:
 * build with -DPE_POSIX_HAVE_GETRANDOM=1). Without it, /dev/urandom. */
#ifndef PE_POSIX_HAVE_GETRANDOM
#if (defined(__GLIBC__) &&                                                     \
     (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 25))) ||          \
    defined(__FreeBSD__)
#define PE_POSIX_HAVE_GETRANDOM 1
#else
#define PE_POSIX_HAVE_GETRANDOM 0
#endif
#endif
#if PE_POSIX_HAVE_GETRANDOM
#include <sys/random.h>
#endif

/* No SIGPIPE, ever: MSG_NOSIGNAL on each send (Linux, BSDs) or
 * SO_NOSIGPIPE on the socket (macOS, BSDs). */
#ifdef MSG_NOSIGNAL
#define PE_SEND_FLAGS MSG_NOSIGNAL
#else
#define PE_SEND_FLAGS 0
#ifndef SO_NOSIGPIPE
#error "pe_port_posix: no MSG_NOSIGNAL, no SO_NOSIGPIPE: send could SIGPIPE"
#endif
#endif

/* The socket blocks (a recv waits in one system call, bounded by
 * SO_RCVTIMEO); the calls that must not wait say so with MSG_DONTWAIT. */
#ifndef MSG_DONTWAIT
#error "pe_port_posix: no MSG_DONTWAIT"
#endif

#ifdef SOCK_CLOEXEC
#define PE_SOCK_CLOEXEC SOCK_CLOEXEC
#else
#define PE_SOCK_CLOEXEC 0
#endif

/* ------------------------------------------------------------ clocks */

static uint64_t now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return 0;
    }
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int64_t posix_time_utc(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    /* the clock as it is: the client judges whether it was ever set */
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        return -1;
    }
    return (int64_t)ts.tv_sec;
}

static uint32_t posix_monotonic_ms(void *ctx)
{
    (void)ctx;
    return (uint32_t)now_ms(); /* wraps every ~49.7 days, as documented */
}

static void posix_sleep_ms(void *ctx, uint32_t ms)
{
    struct timespec req, rem;
    (void)ctx;
    req.tv_sec = (time_t)(ms / 1000u);
    req.tv_nsec = (long)(ms % 1000u) * 1000000L;
    /* Each EINTR leaves less in rem, so the loop ends. */
    while (nanosleep(&req, &rem) != 0 && errno == EINTR) {
        req = rem;
    }
}

/* ------------------------------------------------------------ random */

/* Fills buf from /dev/urandom; 0 on success. */
static int read_urandom(uint8_t *buf, size_t len)
{
    int fd;
    int flags = O_RDONLY;
#ifdef O_CLOEXEC
    flags |= O_CLOEXEC;
#endif
    do {
        fd = open("/dev/urandom", flags);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return -1;
    }
    while (len > 0) {
        ssize_t n = read(fd, buf, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            (void)close(fd);
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    (void)close(fd);
    return 0;
}

static pe_status_t posix_random(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
#if PE_POSIX_HAVE_GETRANDOM
    while (len > 0) {
        /* Blocks only until the kernel pool is first seeded, never after;
         * large requests may come back short, hence the loop. */
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == ENOSYS) {
            break; /* kernel older than 3.17: the device below */
        }
        if (n <= 0) {
            return PE_ERR_CRYPTO;
        }
        buf += n;
        len -= (size_t)n;
    }
    if (len == 0) {
        return PE_OK;
    }
#endif
    return read_urandom(buf, len) == 0 ? PE_OK : PE_ERR_CRYPTO;
}

/* ------------------------------------------------------------ sockets */

/*
 * Waits until fd is ready for `events` or the monotonic deadline passes.
 * Returns 1 ready (including error/hang-up: the next socket call tells
 * which), 0 deadline passed, -1 poll failed (errno set). EINTR resumes the
 * wait with the time that is left.
 */
static int wait_fd(int fd, short events, uint64_t deadline)
{
    for (;;) {
        struct pollfd p;
        uint64_t now = now_ms();
        uint64_t left = now < deadline ? deadline - now : 0;
        int r;
        p.fd = fd;
        p.events = events;
        p.revents = 0;
        r = poll(&p, 1, left > (uint64_t)INT_MAX ? INT_MAX : (int)left);
        if (r > 0) {
            if (p.revents & POLLNVAL) {
                errno = EBADF;
                return -1;
            }
            return 1;
        }
        if (r == 0 && left == 0) {
            return 0;
        }
        if (r < 0 && errno != EINTR) {
            return -1;
        }
        /* EINTR, or a timeout that ended early or was clamped: go on. */
    }
}

/* The byte-moving contract's code for errno of a failed send/recv/poll. */
static int32_t transfer_error(pe_posix_port_t *c, int err)
{
    c->last_errno = err;
    switch (err) {
    case EPIPE:
        return PE_PORT_CLOSED;
    case ECONNRESET:
    case ECONNABORTED:
    case ETIMEDOUT:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case ENETDOWN:
    case ENETRESET:
        return PE_PORT_RESET;
    default:
        return PE_PORT_IO;
    }
}

/* The time left until deadline, 0 when it has passed. */
static uint32_t ms_left(uint64_t deadline)
{
    uint64_t now = now_ms();
    uint64_t left = now < deadline ? deadline - now : 0;
    return left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
}

/*
 * Sends without waiting (MSG_DONTWAIT: the socket itself blocks), then,
 * while the send buffer is full, polls for room and sends again until
 * something moves or the timeout passes. With timeout 0 the one attempt
 * is all. The clock is read only when a wait begins.
 */
static int32_t send_bytes(pe_posix_port_t *c, const uint8_t *buf, size_t len,
                          uint32_t timeout_ms)
{
    uint64_t deadline = 0; /* read from the clock once a wait begins */
    bool wait = false;
    for (;;) {
        ssize_t n;
        if (wait) {
            int w;
            if (deadline == 0) {
                deadline = now_ms() + timeout_ms;
            }
            w = wait_fd(c->fd, POLLOUT, deadline);
            if (w == 0) {
                return PE_PORT_TIMEOUT;
            }
            if (w < 0) {
                return transfer_error(c, errno);
            }
        }
        n = send(c->fd, buf, len, PE_SEND_FLAGS | MSG_DONTWAIT);
        if (n > 0) {
            return (int32_t)n;
        }
        if (n == 0) {
            return PE_PORT_IO; /* send of len > 0 never returns 0 */
        }
        if (errno == EINTR) {
            wait = false; /* interrupted: attempt again at once */
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            return transfer_error(c, errno);
        }
        if (timeout_ms == 0) {
            return PE_PORT_TIMEOUT; /* no wait asked for: no poll either */
        }
        wait = true;
    }
}

/*
 * A blocking recv() ends at SO_RCVTIMEO, which the kernel rounds up to
 * its tick and, for long timeouts, Linux's timer wheel by up to 1/8: of
 * `left` ms, a blocking recv is given at most this much (0: none), and the
 * rest is waited with poll(), whose timer is exact.
 */
static uint32_t blocking_bound(uint32_t left)
{
    uint32_t slack = left / 8u + 2u * PE_POSIX_TICK_MS;
    return left > slack ? left - slack : 0;
}

/* Makes SO_RCVTIMEO at most bound ms (> 0) and at least half of it. The
 * value set is kept: the client's timeouts differ by a millisecond or so
 * from call to call, so it is set once per connection, not per recv. */
static int set_rcvtimeo(pe_posix_port_t *c, uint32_t bound)
{
    struct timeval tv;
    uint32_t ms;
    if (c->rcvtimeo_ms != 0 && c->rcvtimeo_ms <= bound &&
        c->rcvtimeo_ms >= bound / 2u) {
        return 0;
    }
    ms = bound - bound / 16u; /* room for the next, slightly shorter one */
    tv.tv_sec = (time_t)(ms / 1000u);
    tv.tv_usec = (suseconds_t)(ms % 1000u) * 1000;
    if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) {
        return -1;
    }
    c->rcvtimeo_ms = ms;
    return 0;
}

/*
 * Receives into buf: one recv() that blocks for as long as the timeout
 * allows (bounded by SO_RCVTIMEO; no poll(), one system call when the
 * data comes within it), again while time is left. The last stretch of a
 * wait, too short for SO_RCVTIMEO to end on time, is a poll(). With
 * timeout 0, one recv() that does not wait.
 */
static int32_t recv_bytes(pe_posix_port_t *c, uint8_t *buf, size_t len,
                          uint32_t timeout_ms)
{
    uint64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
    uint32_t left = timeout_ms;
    for (;;) {
        uint32_t bound = blocking_bound(left);
        int flags = MSG_DONTWAIT;
        ssize_t n;
        if (bound > 0) {
            if (set_rcvtimeo(c, bound) != 0) {
                return transfer_error(c, errno);
            }
            flags = 0;
        } else if (left > 0) {
            int w = wait_fd(c->fd, POLLIN, deadline);
            if (w == 0) {
                return PE_PORT_TIMEOUT;
            }
            if (w < 0) {
                return transfer_error(c, errno);
            }
        }
        n = recv(c->fd, buf, len, flags);
        if (n > 0) {
            return (int32_t)n;
        }
        if (n == 0) {
            return PE_PORT_CLOSED; /* end of stream */
        }
        if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
            return transfer_error(c, errno);
        }
        /* SO_RCVTIMEO passed, a signal, or a poll wakeup that found
         * nothing after all: wait on for the time that is left */
        if (timeout_ms == 0) {
            if (errno == EINTR) {
                continue;
            }
            return PE_PORT_TIMEOUT; /* no wait asked for */
        }
        left = ms_left(deadline);
        if (left == 0) {
            return PE_PORT_TIMEOUT;
        }
    }
}

static int32_t posix_send(void *ctx, const uint8_t *buf, size_t len,
                          uint32_t timeout_ms)
{
    pe_posix_port_t *c = (pe_posix_port_t *)ctx;
    if (c->fd < 0 || len == 0) {
        return PE_PORT_IO; /* not connected; len 0 is never called */
    }
    if (len > (size_t)INT32_MAX) {
        len = (size_t)INT32_MAX; /* the count must fit the int32_t result */
    }
    return send_bytes(c, buf, len, timeout_ms);
}

/* Reads smaller than the read-ahead buffer fill it (one recv for what
 * would be several: mbedTLS asks for a record's 5-byte header, then its
 * body); larger ones go straight into the caller's buffer. */
static int32_t posix_recv(void *ctx, uint8_t *buf, size_t len,
                          uint32_t timeout_ms)
{
    pe_posix_port_t *c = (pe_posix_port_t *)ctx;
    size_t n;
    if (c->fd < 0 || len == 0) {
        return PE_PORT_IO; /* not connected; len 0 is never called */
    }
    if (c->ahead_pos == c->ahead_len) {
        int32_t got;
        if (len >= sizeof c->ahead) {
            if (len > (size_t)INT32_MAX) {
                len = (size_t)INT32_MAX; /* the count must fit int32_t */
            }
            return recv_bytes(c, buf, len, timeout_ms);
        }
        got = recv_bytes(c, c->ahead, sizeof c->ahead, timeout_ms);
        if (got <= 0) {
            return got;
        }
        c->ahead_pos = 0;
        c->ahead_len = (size_t)got;
    }
    n = c->ahead_len - c->ahead_pos;
    if (n > len) {
        n = len;
    }
    memcpy(buf, c->ahead + c->ahead_pos, n);
    c->ahead_pos += n;
    return (int32_t)n; /* n <= sizeof c->ahead */
}

static void posix_close(void *ctx)
{
    pe_posix_port_t *c = (pe_posix_port_t *)ctx;
    if (c->fd >= 0) {
        /* No retry on EINTR: the descriptor is released either way on
         * Linux, and a retry could close one another thread just got. */
        (void)close(c->fd);
        c->fd = -1;
        c->rcvtimeo_ms = 0;
        c->ahead_pos = c->ahead_len = 0;
    }
}

/* Close-on-exec (where SOCK_CLOEXEC could not), non-blocking until
 * connected, no SIGPIPE, no Nagle delay. *flags gets the file status
 * flags to restore once connected. 0 on success. */
static int setup_socket(int fd, int *flags)
{
    int one = 1;
    *flags = fcntl(fd, F_GETFL);
    if (*flags < 0 || fcntl(fd, F_SETFL, *flags | O_NONBLOCK) != 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
        return -1;
    }
    *flags &= ~O_NONBLOCK;
#ifdef SO_NOSIGPIPE
    if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one) != 0) {
        return -1;
    }
#endif
    /* Not fatal: the connection works without it, only slower. */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return 0;
}

/* One address of the name. PE_OK with c->fd set, PE_ERR_TIMEOUT when the
 * deadline passed, PE_ERR_CONNECT for anything else (errno saved). */
static pe_status_t connect_one(pe_posix_port_t *c, const struct addrinfo *ai,
                               uint64_t deadline)
{
    int err = 0, flags = 0;
    socklen_t err_len = (socklen_t)sizeof err;
    int fd = socket(ai->ai_family, ai->ai_socktype | PE_SOCK_CLOEXEC,
                    ai->ai_protocol);
    if (fd < 0) {
        c->last_errno = errno; /* e.g. no IPv6 on this host: next address */
        return PE_ERR_CONNECT;
    }
    if (setup_socket(fd, &flags) != 0) {
        err = errno;
    } else if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        /* EINTR: the connection goes on in the background, as with
         * EINPROGRESS; both finish with the socket turning writable. */
        if (errno != EINPROGRESS && errno != EINTR) {
            err = errno;
        } else {
            int w = wait_fd(fd, POLLOUT, deadline);
            if (w == 0) {
                (void)close(fd);
                c->last_errno = ETIMEDOUT;
                return PE_ERR_TIMEOUT;
            }
            if (w < 0 ||
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) {
                err = errno;
            }
        }
    }
    /* connected: from now on the socket blocks (see recv_bytes) */
    if (err == 0 && fcntl(fd, F_SETFL, flags) != 0) {
        err = errno;
    }
    if (err != 0) {
        (void)close(fd);
        c->last_errno = err;
        /* The kernel gave up on SYNs before our deadline did. */
        return err == ETIMEDOUT ? PE_ERR_TIMEOUT : PE_ERR_CONNECT;
    }
    c->fd = fd;
    c->rcvtimeo_ms = 0;
    c->ahead_pos = c->ahead_len = 0;
    return PE_OK;
}

/* An IPv4 or IPv6 address literal connects without getaddrinfo() (which
 * allocates even for literals). PE_ERR_DNS when host is not a literal. */
static pe_status_t connect_literal(pe_posix_port_t *c, const char *host,
                                   uint16_t port, uint64_t deadline)
{
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    struct addrinfo ai;
    memset(&ai, 0, sizeof ai);
    memset(&v4, 0, sizeof v4);
    memset(&v6, 0, sizeof v6);
    ai.ai_socktype = SOCK_STREAM;
    if (inet_pton(AF_INET, host, &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        v4.sin_port = htons(port);
        ai.ai_family = AF_INET;
        ai.ai_addr = (struct sockaddr *)&v4;
        ai.ai_addrlen = (socklen_t)sizeof v4;
    } else if (inet_pton(AF_INET6, host, &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(port);
        ai.ai_family = AF_INET6;
        ai.ai_addr = (struct sockaddr *)&v6;
        ai.ai_addrlen = (socklen_t)sizeof v6;
    } else {
        return PE_ERR_DNS;
    }
    return connect_one(c, &ai, deadline);
}

static pe_status_t posix_connect(void *ctx, const char *host, uint16_t port,
                                 uint32_t timeout_ms)
{
    pe_posix_port_t *c = (pe_posix_port_t *)ctx;
    uint64_t deadline = now_ms() + timeout_ms;
    struct addrinfo hints, *list = NULL;
    const struct addrinfo *ai;
    char service[8];
    pe_status_t st = PE_ERR_CONNECT;
    int gai;

    if (host == NULL || host[0] == '\0') {
        return PE_ERR_INVALID_ARGUMENT;
    }
    posix_close(c); /* one connection per context */
    st = connect_literal(c, host, port, deadline);
    if (st != PE_ERR_DNS) {
        return st; /* an address literal: no resolver (and no heap) */
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    (void)snprintf(service, sizeof service, "%u", (unsigned)port);
    gai = getaddrinfo(host, service, &hints, &list);
    if (gai != 0 || list == NULL) {
        /* EAI_NONAME, EAI_FAIL, EAI_AGAIN (no answer), EAI_NODATA, ... */
        c->last_gai_error = gai;
        if (list != NULL) {
            freeaddrinfo(list);
        }
        return PE_ERR_DNS;
    }
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        st = connect_one(c, ai, deadline);
        if (st != PE_ERR_CONNECT) {
            break; /* connected, or no time left for the next address */
        }
    }
    freeaddrinfo(list);
    return st;
}

/* ------------------------------------------------------------ endpoint */

int pe_posix_parse_endpoint(const char *url, char *host, size_t cap,
                            uint16_t *port)
{
    const char *h, *colon;
    size_t n;
    if (strncmp(url, "https://", 8) != 0) {
        return -1;
    }
    h = url + 8;
    n = strcspn(h, "/");
    if (h[n] == '/' && h[n + 1] != '\0') {
        return -1; /* a path of its own: not an endpoint this client takes */
    }
    colon = memchr(h, ':', n);
    *port = 443;
    if (colon) {
        unsigned long p = 0;
        const char *d = colon + 1;
        if (d == h + n) {
            return -1;
        }
        for (; d < h + n; d++) {
            if (*d < '0' || *d > '9' || p > 65535u) {
                return -1;
            }
            p = p * 10u + (unsigned long)(*d - '0');
        }
        if (p == 0 || p > 65535u) {
            return -1;
        }
        *port = (uint16_t)p;
        n = (size_t)(colon - h);
    }
    if (n == 0 || n >= cap) {
        return -1;
    }
    memcpy(host, h, n);
    host[n] = '\0';
    return 0;
}

/* ------------------------------------------------------------ init */

void pe_posix_port_init(pe_posix_port_t *ctx, pe_port_t *port)
{
    ctx->fd = -1;
    ctx->last_errno = 0;
    ctx->last_gai_error = 0;
    ctx->rcvtimeo_ms = 0;
    ctx->ahead_pos = ctx->ahead_len = 0;
    port->connect = posix_connect;
    port->send = posix_send;
    port->recv = posix_recv;
    port->close = posix_close;
    port->time_utc = posix_time_utc;
    port->monotonic_ms = posix_monotonic_ms;
    port->sleep_ms = posix_sleep_ms;
    port->random = posix_random;
    port->ctx = ctx;
}
