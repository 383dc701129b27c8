/*
 * lwip_host.c - the lwIP port (port/lwip/) on the host, over Debian's
 * liblwip (lwIP's unix port: pthreads sys_arch, tapif). Run by
 * tests/test_port_lwip.sh, which prepares the network:
 *
 *   test_port_lwip tap IFNAME LWIP_ADDR HOST_ADDR [ENDPOINT CA FORWARD]
 *       lwIP runs on the TAP device IFNAME (created beforehand in a network
 *       namespace the script made; PRECONFIGURED_TAPIF: tapif attaches to
 *       it and configures nothing) with address LWIP_ADDR/24; the host's
 *       end of the TAP has HOST_ADDR. The conformance peer runs on the
 *       host's sockets, bound to HOST_ADDR: every check crosses lwIP's
 *       TCP/IP stack, the TAP and the kernel's stack. Then, when ENDPOINT
 *       (https://127.0.0.1:PORT of tests/sim, running in the namespace), CA
 *       (its ca-bundle) and FORWARD (HOST_ADDR:PORT, a TCP forwarder to the
 *       service) are given, the client itself (lib/, TLS by mbedTLS) calls
 *       the service through lwIP: CreateEmailIdentity, then SendEmail.
 *
 *   test_port_lwip loopback
 *       No TAP: lwIP's loopback only (a netif at 127.0.0.1 whose traffic
 *       lwIP loops back itself, LWIP_NETIF_LOOPBACK), with the peer on
 *       lwIP's sockets in this process (tests/lwip/lwip_peer.c).
 *
 * Ends with "N passed, M failed".
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1 /* Debian's lwIP headers include the C library's */
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "lwip/inet.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "netif/tapif.h"

#include "lwip_peer.h"
#include "pe_client.h"
#include "pe_port_lwip.h"
#include "pe_test.h"
#include "port_conformance.h"

/* ------------------------------------------------------------ hooks */

/* What firmware would take from its RTC and its TRNG. */
static int64_t host_time_utc(void *user)
{
    (void)user;
    return (int64_t)time(NULL);
}

static pe_status_t host_random(void *user, uint8_t *buf, size_t len)
{
    (void)user;
    while (len > 0) {
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return PE_ERR_CRYPTO;
        }
        buf += n;
        len -= (size_t)n;
    }
    return PE_OK;
}

/* ------------------------------------------------------------ lwIP */

static void tcpip_ready(void *arg)
{
    sys_sem_signal((sys_sem_t *)arg);
}

static void start_lwip(void)
{
    sys_sem_t ready;
    if (sys_sem_new(&ready, 0) != ERR_OK) {
        fprintf(stderr, "lwip: no semaphore\n");
        exit(1);
    }
    tcpip_init(tcpip_ready, &ready);
    sys_sem_wait(&ready);
    sys_sem_free(&ready);
}

static struct netif the_netif;

/* The loopback netif: lwIP loops back traffic to its own address and to
 * 127.0.0.0/8 before calling output, so output only sees what goes
 * elsewhere, and drops it. */
static err_t lo_output(struct netif *netif, struct pbuf *p,
                       const ip4_addr_t *addr)
{
    (void)netif;
    (void)p;
    (void)addr;
    return ERR_OK;
}

static err_t lo_init(struct netif *netif)
{
    netif->name[0] = 'l';
    netif->name[1] = 'o';
    netif->output = lo_output;
    netif->mtu = 1500;
    return ERR_OK;
}

/* Adds the netif (tapif_init, or lo_init for the loopback) as the default
 * one, up, under lwIP's core lock. */
static void add_netif(const char *addr, const char *mask, const char *gw,
                      netif_init_fn init)
{
    ip4_addr_t a, m, g;
    if (!ip4addr_aton(addr, &a) || !ip4addr_aton(mask, &m) ||
        !ip4addr_aton(gw, &g)) {
        fprintf(stderr, "lwip: bad address %s/%s via %s\n", addr, mask, gw);
        exit(1);
    }
    LOCK_TCPIP_CORE();
    if (netif_add(&the_netif, &a, &m, &g, NULL, init, tcpip_input) == NULL) {
        UNLOCK_TCPIP_CORE();
        fprintf(stderr, "lwip: netif_add failed\n");
        exit(1);
    }
    netif_set_default(&the_netif);
    netif_set_link_up(&the_netif);
    netif_set_up(&the_netif);
    UNLOCK_TCPIP_CORE();
}

/* ------------------------------------------------------------ checks */

/* What the suite cannot see through pe_port_t: the options on the lwIP
 * socket and the errors kept for diagnostics. */
static void check_lwip_specifics(pe_port_t *port, pe_lwip_port_t *lw,
                                 const pe_port_target_t *target)
{
    int on = 0;
    socklen_t len = (socklen_t)sizeof on;
    CHECK_EQ_INT(port->connect(port->ctx, target->host, target->port, 2000),
                 PE_OK);
    if (lw->sock >= 0) {
        bool nodelay = lwip_getsockopt(lw->sock, IPPROTO_TCP, TCP_NODELAY, &on,
                                       &len) == 0 &&
                       on != 0;
        CHECK(nodelay, "TCP_NODELAY is not set");
        CHECK((lwip_fcntl(lw->sock, F_GETFL, 0) & O_NONBLOCK) != 0,
              "O_NONBLOCK is not set");
    }
    port->close(port->ctx);
    CHECK_EQ_INT(lw->sock, -1);
    CHECK_EQ_INT(port->connect(port->ctx, target->host, target->closed_port,
                               2000),
                 PE_ERR_CONNECT);
    /* lwIP reports the RST that answered its SYN */
    CHECK(lw->last_errno == ECONNRESET || lw->last_errno == ECONNREFUSED,
          "last_errno %d after a refused connect", lw->last_errno);
    CHECK_EQ_INT(port->connect(port->ctx, "nonexistent.invalid",
                               target->port, 2000),
                 PE_ERR_DNS);
    CHECK_EQ_INT(port->connect(port->ctx, "", target->port, 2000),
                 PE_ERR_INVALID_ARGUMENT);
    CHECK_EQ_INT(lw->sock, -1);
}

static void add_result(pe_port_conformance_result_t res)
{
    /* pe_test.h counts per file: add the suite's checks to ours. */
    pe_test_passed_ += res.passed;
    pe_test_failed_ += res.failed;
}

/* A port without hooks: no clock, no randomness, as documented. */
static void check_no_hooks(void)
{
    pe_lwip_port_t bare;
    pe_port_t p;
    uint8_t b[4];
    pe_lwip_port_init(&bare, &p, NULL);
    CHECK(p.time_utc(p.ctx) < 0, "time_utc without a hook is not negative");
    CHECK_EQ_INT(p.random(p.ctx, b, sizeof b), PE_ERR_CRYPTO);
    CHECK(bare.sock == -1 && p.ctx == &bare, "init without hooks");
}

/* ------------------------------------------------------------ the client */

/* The service's certificate names 127.0.0.1, so the client connects to
 * that name; in lwIP's world 127.0.0.1 is lwIP's own loopback, so this
 * wrapper sends that connect to the forwarder on the host's end of the TAP
 * instead. Everything else goes to the lwIP port unchanged. */
typedef struct {
    const pe_port_t *inner;
    uint16_t service_port;
    char forward_host[64];
    uint16_t forward_port;
    unsigned redirected;
} redirect_t;

static redirect_t redirect;

static pe_status_t redirect_connect(void *ctx, const char *host, uint16_t port,
                                   uint32_t timeout_ms)
{
    redirect_t *r = (redirect_t *)ctx;
    if (strcmp(host, "127.0.0.1") == 0 && port == r->service_port) {
        r->redirected++;
        host = r->forward_host;
        port = r->forward_port;
    }
    return r->inner->connect(r->inner->ctx, host, port, timeout_ms);
}
static int32_t redirect_send(void *ctx, const uint8_t *b, size_t n,
                             uint32_t t)
{
    redirect_t *r = (redirect_t *)ctx;
    return r->inner->send(r->inner->ctx, b, n, t);
}
static int32_t redirect_recv(void *ctx, uint8_t *b, size_t n, uint32_t t)
{
    redirect_t *r = (redirect_t *)ctx;
    return r->inner->recv(r->inner->ctx, b, n, t);
}
static void redirect_close(void *ctx)
{
    redirect_t *r = (redirect_t *)ctx;
    r->inner->close(r->inner->ctx);
}
static int64_t redirect_time(void *ctx)
{
    redirect_t *r = (redirect_t *)ctx;
    return r->inner->time_utc(r->inner->ctx);
}
static uint32_t redirect_mono(void *ctx)
{
    redirect_t *r = (redirect_t *)ctx;
    return r->inner->monotonic_ms(r->inner->ctx);
}
static void redirect_sleep(void *ctx, uint32_t ms)
{
    redirect_t *r = (redirect_t *)ctx;
    r->inner->sleep_ms(r->inner->ctx, ms);
}
static pe_status_t redirect_random(void *ctx, uint8_t *b, size_t n)
{
    redirect_t *r = (redirect_t *)ctx;
    return r->inner->random(r->inner->ctx, b, n);
}

static unsigned char ca_buf[64 * 1024];
static char work[4096];
static pe_tls_t tls;
static pe_client_t client;

/* "HOST:PORT" -> host and port. 0 on success. */
static int split_host_port(const char *s, char *host, size_t cap,
                           uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    long p;
    if (colon == NULL || (size_t)(colon - s) >= cap) {
        return -1;
    }
    p = strtol(colon + 1, NULL, 10);
    if (p <= 0 || p > 65535) {
        return -1;
    }
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    *port = (uint16_t)p;
    return 0;
}

static void call_service(const pe_port_t *lwip_port, const char *endpoint,
                         const char *ca_path, const char *forward)
{
    pe_port_t port;
    pe_config_t cfg;
    pe_status_t st;
    pe_error_t err;
    FILE *f;
    size_t ca_len;
    char host[64];
    uint16_t service_port;

    if (split_host_port(endpoint + strlen("https://"), host, sizeof host,
                        &service_port) != 0 ||
        strcmp(host, "127.0.0.1") != 0 ||
        split_host_port(forward, redirect.forward_host,
                        sizeof redirect.forward_host,
                        &redirect.forward_port) != 0) {
        CHECK(false, "bad endpoint %s or forwarder %s", endpoint, forward);
        return;
    }
    f = fopen(ca_path, "rb");
    ca_len = f ? fread(ca_buf, 1, sizeof ca_buf - 1, f) : 0;
    if (f) {
        fclose(f);
    }
    CHECK(ca_len > 0, "cannot read the CA bundle %s", ca_path);
    if (ca_len == 0) {
        return;
    }
    ca_buf[ca_len++] = '\0'; /* PEM: the NUL is counted */

    redirect.inner = lwip_port;
    redirect.service_port = service_port;
    port.connect = redirect_connect;
    port.send = redirect_send;
    port.recv = redirect_recv;
    port.close = redirect_close;
    port.time_utc = redirect_time;
    port.monotonic_ms = redirect_mono;
    port.sleep_ms = redirect_sleep;
    port.random = redirect_random;
    port.ctx = &redirect;

    memset(&cfg, 0, sizeof cfg);
    cfg.region = "us-east-1";
    cfg.endpoint_host = "127.0.0.1";
    cfg.endpoint_port = service_port;
    cfg.access_key_id = "AKIDEXAMPLE";
    cfg.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    cfg.port = &port;
    cfg.tls = &tls;
    cfg.ca = ca_buf;
    cfg.ca_len = ca_len;
    cfg.max_attempts = 1; /* a failure shows as it is */
    st = pe_client_init(&client, &cfg, work, sizeof work);
    CHECK_EQ_INT(st, PE_OK);
    if (st != PE_OK) {
        return;
    }

    {
        pe_create_email_identity_input_t in;
        pe_create_email_identity_output_t out;
        memset(&in, 0, sizeof in);
        in.email_identity = "example.com";
        st = pe_create_email_identity(&client, &in, &out, &err);
        CHECK(st == PE_OK, "CreateEmailIdentity through lwIP: %s%s%s",
              pe_strerror(st), st == PE_ERR_SERVICE ? ", " : "",
              st == PE_ERR_SERVICE && err.code_text ? err.code_text : "");
        if (st == PE_OK) {
            printf("# CreateEmailIdentity example.com through lwIP: %s\n",
                   out.identity_type ? out.identity_type : "(no type)");
        }
    }
    {
        static const char *const to[] = {"ops@example.com"};
        pe_content_t subject, text;
        pe_body_t body;
        pe_message_t message;
        pe_email_content_t content;
        pe_destination_t dest;
        pe_send_email_input_t in;
        pe_send_email_output_t out;
        memset(&subject, 0, sizeof subject);
        memset(&text, 0, sizeof text);
        memset(&body, 0, sizeof body);
        memset(&message, 0, sizeof message);
        memset(&content, 0, sizeof content);
        memset(&dest, 0, sizeof dest);
        memset(&in, 0, sizeof in);
        subject.data = "Pump 3 stopped (lwIP)";
        subject.charset = "UTF-8";
        text.data = "Pressure fell below 1.2 bar. Sent through lwIP's "
                    "TCP/IP stack over a TAP device.";
        text.charset = "UTF-8";
        body.text = &text;
        message.subject = &subject;
        message.body = &body;
        content.simple = &message;
        dest.to_addresses.items = to;
        dest.to_addresses.count = 1;
        in.from_email_address = "device-17@example.com";
        in.destination = &dest;
        in.content = &content;
        st = pe_send_email(&client, &in, &out, &err);
        CHECK(st == PE_OK && out.message_id != NULL,
              "SendEmail through lwIP: %s%s%s", pe_strerror(st),
              st == PE_ERR_SERVICE ? ", " : "",
              st == PE_ERR_SERVICE && err.code_text ? err.code_text : "");
        if (st == PE_OK && out.message_id != NULL) {
            printf("MessageId: %s\n", out.message_id);
        }
    }
    CHECK(redirect.redirected > 0, "the client never connected");
    printf("# the client connected %u time(s) through lwIP to %s:%u\n",
           redirect.redirected, redirect.forward_host,
           (unsigned)redirect.forward_port);
    pe_client_deinit(&client);
}

/* ------------------------------------------------------------ main */

static int usage(void)
{
    fprintf(stderr,
            "usage: test_port_lwip tap IFNAME LWIP_ADDR HOST_ADDR "
            "[ENDPOINT CA FORWARD]\n"
            "       test_port_lwip loopback\n");
    return 2;
}

int main(int argc, char **argv)
{
    static pe_lwip_port_t lw;
    static pe_port_t port;
    pe_lwip_hooks_t hooks;
    pe_port_conformance_result_t res;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        return usage();
    }
    (void)alarm(120); /* a hang anywhere ends the test, as a failure */

    hooks.time_utc = host_time_utc;
    hooks.random = host_random;
    hooks.user = NULL;
    pe_lwip_port_init(&lw, &port, &hooks);
    CHECK(port.ctx == &lw && lw.sock == -1, "init: ctx %p, sock %d", port.ctx,
          lw.sock);
    check_no_hooks();

    start_lwip();
    if (strcmp(argv[1], "tap") == 0 && (argc == 5 || argc == 8)) {
        pe_port_peer_t peer;
        /* tapif attaches to the device the script made, configuring
         * nothing (no ifconfig) */
        if (setenv("PRECONFIGURED_TAPIF", argv[2], 1) != 0) {
            return 1;
        }
        add_netif(argv[3], "255.255.255.0", argv[4], tapif_init);
        printf("# lwIP %s on TAP %s, the host's end %s\n", argv[3], argv[2],
               argv[4]);
        if (!pe_port_peer_start(&peer, argv[4])) {
            CHECK(false, "cannot start the peer on %s", argv[4]);
        } else {
            res = pe_port_conformance(&port, &peer.target);
            add_result(res);
            check_lwip_specifics(&port, &lw, &peer.target);
            pe_port_peer_stop(&peer);
        }
        if (argc == 8) {
            call_service(&port, argv[5], argv[6], argv[7]);
        }
    } else if (strcmp(argv[1], "loopback") == 0 && argc == 2) {
        pe_lwip_peer_t peer;
        uint32_t start;
        pe_status_t st;
        add_netif("127.0.0.1", "255.0.0.0", "0.0.0.0", lo_init);
        printf("# lwIP loopback only (127.0.0.1 inside lwIP), the peer on "
               "lwIP's sockets\n");
        if (!pe_lwip_peer_start(&peer, "127.0.0.1")) {
            CHECK(false, "cannot start the lwIP peer");
        } else {
            res = pe_port_conformance(&port, &peer.target);
            add_result(res);
            check_lwip_specifics(&port, &lw, &peer.target);
            pe_lwip_peer_stop(&peer);
        }
        /* The suite's connect timeout needs a full backlog, which lwIP's
         * peer cannot make: a SYN to 127.0.0.2, which lwIP loops back and
         * drops (not its address), times out the same way. */
        start = port.monotonic_ms(port.ctx);
        st = port.connect(port.ctx, "127.0.0.2", 9, 300);
        CHECK_EQ_INT(st, PE_ERR_TIMEOUT);
        start = port.monotonic_ms(port.ctx) - start;
        CHECK(start >= 150 && start < 2000,
              "a 300 ms connect timeout took %u ms", (unsigned)start);
        printf("%s - connect to a silent address times out (%u ms for 300)\n",
               st == PE_ERR_TIMEOUT ? "ok" : "not ok", (unsigned)start);
        port.close(port.ctx);
    } else {
        return usage();
    }
    CHECK(lw.sock == -1, "a socket is still open at the end");
    return pe_test_summary();
}
