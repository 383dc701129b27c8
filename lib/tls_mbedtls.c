/*
 * tls_mbedtls.c - TLS (1.2 and up) over the port's byte stream, on
 * mbedTLS 2.28 or 3.x. The only file of lib/ that includes mbedTLS TLS
 * headers. The peer's chain and host name are always verified: there is
 * no option to turn that off.
 */
#include "pe_tls_internal.h"

#include <mbedtls/bignum.h>      /* MBEDTLS_ERR_*_ALLOC_FAILED codes */
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

#include <string.h>

#define DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define DEFAULT_IO_TIMEOUT_MS 15000u

typedef struct {
    /* the small members first: short offsets, short instructions */
    const pe_port_t *port;
    const int64_t *clock_offset; /* the client's */
    uint32_t connect_timeout_ms;
    uint32_t io_timeout_ms;
    uint32_t deadline_ms;  /* monotonic time the current operation must end */
    pe_status_t port_error; /* what the port last reported, if it failed */
    bool no_wait;           /* probing: port calls with timeout 0 */
    bool have_session;
    bool open;
    bool broken;            /* a send failed: close without close_notify */
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    mbedtls_ssl_session session;
} tls_t;

typedef char pe_tls_storage_is_large_enough
    [(sizeof(tls_t) <= sizeof(pe_tls_t)) ? 1 : -1];

#define TLS(t) ((tls_t *)(void *)(t)->bytes)

#if defined(MBEDTLS_PLATFORM_TIME_ALT)
#include <mbedtls/platform_time.h>
/* Certificate validity dates are checked against mbedtls_time(), which
 * takes no context. Once a client has learnt that the device clock is off
 * (the service's Date), the clock of the client that connected last
 * answers: device time plus that offset. Until then the firmware's own
 * registration (mbedtls_platform_set_time) stays in effect. */
static const pe_port_t *time_port;
static int64_t time_offset;

static mbedtls_time_t corrected_time(mbedtls_time_t *timer)
{
    mbedtls_time_t now =
        (mbedtls_time_t)(time_port->time_utc(time_port->ctx) + time_offset);
    if (timer) {
        *timer = now;
    }
    return now;
}
#endif

/* mbedTLS 3.x reports TLS 1.3 tickets arriving after the handshake as a
 * read "error": it only means "read again". */
#ifdef MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
#define READ_AGAIN(ret)                                                       \
    ((ret) == MBEDTLS_ERR_SSL_WANT_READ || (ret) == MBEDTLS_ERR_SSL_WANT_WRITE || \
     (ret) == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
#else
#define READ_AGAIN(ret)                                                       \
    ((ret) == MBEDTLS_ERR_SSL_WANT_READ || (ret) == MBEDTLS_ERR_SSL_WANT_WRITE)
#endif

/* P-256 first: Debian 2.28's default list starts with secp521r1, which
 * made a full handshake 2.6x more expensive (measured, MBEDTLS-NOTES). */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
static const uint16_t groups[] = {MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
                                  MBEDTLS_SSL_IANA_TLS_GROUP_X25519,
                                  MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1,
                                  MBEDTLS_SSL_IANA_TLS_GROUP_NONE};
#else
static const mbedtls_ecp_group_id groups[] = {
    MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_CURVE25519,
    MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_NONE};
#endif

static int rng(void *ctx, unsigned char *out, size_t len)
{
    const pe_port_t *port = ((const tls_t *)ctx)->port;
    return port->random(port->ctx, out, len) == PE_OK
               ? 0
               : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

/* Milliseconds left before the deadline (0 once it passed). */
static uint32_t time_left(const tls_t *t)
{
    int32_t left = (int32_t)(t->deadline_ms - t->port->monotonic_ms(t->port->ctx));
    return left > 0 ? (uint32_t)left : 0u;
}

static void start_clock(tls_t *t, uint32_t timeout_ms)
{
    t->deadline_ms = t->port->monotonic_ms(t->port->ctx) + timeout_ms;
    t->port_error = PE_OK;
}

/* One port call for mbedTLS: a receive into rbuf, else a send of sbuf.
 * A failure is kept in port_error (the status the caller returns; the
 * mbedTLS code only has to be an error); end of stream on a receive is
 * 0. */
static int port_io(tls_t *t, unsigned char *rbuf, const unsigned char *sbuf,
                   size_t len)
{
    uint32_t left = 0; /* probing: no clock to read */
    int32_t r = PE_PORT_TIMEOUT;
    if (t->no_wait || (left = time_left(t)) != 0) {
        r = rbuf ? t->port->recv(t->port->ctx, rbuf, len, left)
                 : t->port->send(t->port->ctx, sbuf, len, left);
        if (r > 0) {
            return (int)r;
        }
    }
    t->port_error = r == PE_PORT_TIMEOUT ? PE_ERR_TIMEOUT
                    : r == PE_PORT_CLOSED || r == PE_PORT_RESET ? PE_ERR_CLOSED
                                                                : PE_ERR_IO;
    /* end of stream; what a handshake cut short reports as PE_ERR_CLOSED */
    return r == PE_PORT_CLOSED && rbuf ? 0 : MBEDTLS_ERR_SSL_TIMEOUT;
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    return port_io((tls_t *)ctx, NULL, buf, len);
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    return port_io((tls_t *)ctx, buf, NULL, len);
}

/* Whether an mbedTLS error (a high-level code plus a low-level one) says
 * an allocation failed. */
static bool alloc_failed(int ret)
{
    int high = (-ret) & 0xFF80, low = (-ret) & 0x7F;
    return high == -MBEDTLS_ERR_SSL_ALLOC_FAILED ||
           high == -MBEDTLS_ERR_X509_ALLOC_FAILED ||
           high == -MBEDTLS_ERR_PK_ALLOC_FAILED ||
           high == -MBEDTLS_ERR_ECP_ALLOC_FAILED ||
           low == -MBEDTLS_ERR_MPI_ALLOC_FAILED;
}

/* The status for an mbedTLS error, preferring what the port reported (a
 * refused certificate: see pe_tls_connect). */
static pe_status_t status_of(const tls_t *t, int ret, pe_status_t otherwise)
{
    if (alloc_failed(ret)) {
        return PE_ERR_TLS_NO_MEMORY;
    }
    if (t->port_error != PE_OK) {
        return t->port_error;
    }
    return ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ? PE_ERR_CLOSED : otherwise;
}

pe_status_t pe_tls_init(pe_tls_t *tls, const pe_config_t *cfg,
                        const int64_t *clock_offset)
{
    tls_t *t = TLS(tls);
    pe_status_t st = PE_OK;
    int ret;
    if (cfg->ca_len == 0) {
        return PE_ERR_INVALID_ARGUMENT;
    }
    memset(tls, 0, sizeof *tls);
    t->port = cfg->port;
    t->clock_offset = clock_offset;
    t->connect_timeout_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms
                                                    : DEFAULT_CONNECT_TIMEOUT_MS;
    t->io_timeout_ms =
        cfg->io_timeout_ms ? cfg->io_timeout_ms : DEFAULT_IO_TIMEOUT_MS;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
    if (psa_crypto_init() != PSA_SUCCESS) {
        return PE_ERR_CRYPTO;
    }
#endif
    mbedtls_ssl_init(&t->ssl);
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_x509_crt_init(&t->ca);
    mbedtls_ssl_session_init(&t->session);

    /* parse_der for one DER certificate, parse for PEM bundles */
    ret = mbedtls_x509_crt_parse(&t->ca, cfg->ca, cfg->ca_len);
    if (ret < 0 || t->ca.version == 0) {
        st = PE_ERR_CERT_VERIFY;
    } else if ((ret = mbedtls_ssl_config_defaults(
                    &t->conf, MBEDTLS_SSL_IS_CLIENT,
                    MBEDTLS_SSL_TRANSPORT_STREAM,
                    MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        st = PE_ERR_TLS_HANDSHAKE;
    } else {
        mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
        mbedtls_ssl_conf_rng(&t->conf, rng, t);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
        mbedtls_ssl_conf_min_tls_version(&t->conf, MBEDTLS_SSL_VERSION_TLS1_2);
        if (cfg->tls12_only) {
            mbedtls_ssl_conf_max_tls_version(&t->conf,
                                             MBEDTLS_SSL_VERSION_TLS1_2);
        }
#if defined(MBEDTLS_SSL_PROTO_TLS1_3) && defined(MBEDTLS_SSL_SESSION_TICKETS) && \
    defined(MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED)
        /* 3.6.1 on: a TLS 1.3 client drops the server's tickets unless
         * asked to report them (ssl_read keeps them for resumption) */
        mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
            &t->conf, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
#endif
        mbedtls_ssl_conf_groups(&t->conf, groups);
#else
        mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                     MBEDTLS_SSL_MINOR_VERSION_3);
        mbedtls_ssl_conf_curves(&t->conf, groups); /* 2.x: TLS 1.2 at most */
#endif
        ret = mbedtls_ssl_setup(&t->ssl, &t->conf); /* the record buffers */
        st = ret != 0 ? PE_ERR_TLS_HANDSHAKE : PE_OK;
    }
    if (st != PE_OK) {
        if (ret < 0 && alloc_failed(ret)) {
            st = PE_ERR_TLS_NO_MEMORY;
        }
        pe_tls_free(tls);
        return st;
    }
    mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
    return PE_OK;
}

/* Keeps the connection's session (and ticket) for the next handshake.
 * mbedtls_ssl_session_free() leaves the session cleared, as init does. */
static void save_session(tls_t *t)
{
    mbedtls_ssl_session_free(&t->session);
    t->have_session = mbedtls_ssl_get_session(&t->ssl, &t->session) == 0;
}

void pe_tls_close(pe_tls_t *tls)
{
    tls_t *t = TLS(tls);
    if (!t->open) {
        return;
    }
    /* A courtesy close_notify, never a long wait. Not after a failed send:
     * mbedTLS would first flush the unsent rest of the record, and a
     * request the caller takes as not sent could reach the server whole. */
    if (!t->broken) {
        start_clock(t, 100);
        (void)mbedtls_ssl_close_notify(&t->ssl);
    }
    t->port->close(t->port->ctx);
    (void)mbedtls_ssl_session_reset(&t->ssl);
    t->open = false;
    t->broken = false;
}

pe_status_t pe_tls_connect(pe_tls_t *tls, const char *host, uint16_t port)
{
    tls_t *t = TLS(tls);
    pe_status_t st;
    int ret;

#if defined(MBEDTLS_PLATFORM_TIME_ALT)
    if (*t->clock_offset != 0) {
        time_port = t->port;
        time_offset = *t->clock_offset;
        (void)mbedtls_platform_set_time(corrected_time);
    }
#endif
    st = t->port->connect(t->port->ctx, host, port, t->connect_timeout_ms);
    if (st != PE_OK) {
        return st;
    }
    t->open = true;
    start_clock(t, t->io_timeout_ms);
    /* SNI and the name the certificate must carry */
    ret = mbedtls_ssl_set_hostname(&t->ssl, host);
    if (ret == 0) {
        if (t->have_session) {
            (void)mbedtls_ssl_set_session(&t->ssl, &t->session);
        }
        do {
            ret = mbedtls_ssl_handshake(&t->ssl);
        } while ((ret == MBEDTLS_ERR_SSL_WANT_READ ||
                  ret == MBEDTLS_ERR_SSL_WANT_WRITE) &&
                 time_left(t) > 0);
        if (ret == 0) {
            save_session(t);
            return PE_OK;
        }
        st = status_of(t, ret, PE_ERR_TLS_HANDSHAKE);
        /* mbedTLS 3.x reports 0xFFFFFFFF ("no result yet") until the
         * certificate was checked; 2.28 reports 0 */
        ret = (int)mbedtls_ssl_get_verify_result(&t->ssl);
        if (st != PE_ERR_TLS_NO_MEMORY && ret != 0 && ret != -1) {
            st = PE_ERR_CERT_VERIFY;
        }
    } else {
        st = PE_ERR_INVALID_ARGUMENT;
    }
    pe_tls_close(tls);
    return st;
}

pe_status_t pe_tls_recv(pe_tls_t *tls, void *buf, size_t len, size_t *got)
{
    tls_t *t = TLS(tls);
    pe_status_t st = PE_OK; /* the end of the stream: *got 0 */
    int ret;
    *got = 0;
    start_clock(t, t->io_timeout_ms);
    do {
        ret = mbedtls_ssl_read(&t->ssl, (unsigned char *)buf, len);
#ifdef MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
        if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
            save_session(t); /* a TLS 1.3 ticket: the newest is kept */
        }
#endif
    } while (READ_AGAIN(ret) && time_left(t) > 0);
    if (ret > 0) {
        *got = (size_t)ret;
        return PE_OK;
    }
    if (ret != 0 && ret != MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
        st = status_of(t, ret, PE_ERR_IO);
        if (st == PE_ERR_TIMEOUT && t->no_wait) {
            return st; /* a probe found nothing yet: the connection stays */
        }
    }
    pe_tls_close(tls);
    return st;
}

bool pe_tls_alive(pe_tls_t *tls)
{
    tls_t *t = TLS(tls);
    unsigned char probe;
    size_t got;
    pe_status_t st;
    if (!t->open) {
        return false;
    }
    /* a read that may not wait (port calls with timeout 0): anything but
     * "nothing yet" means the server closed (or misbehaved), so the
     * connection is not reusable */
    t->no_wait = true;
    st = pe_tls_recv(tls, &probe, 1, &got);
    t->no_wait = false;
    if (st == PE_ERR_TIMEOUT) {
        return true;
    }
    pe_tls_close(tls);
    return false;
}

pe_status_t pe_tls_send(pe_tls_t *tls, const void *buf, size_t len)
{
    tls_t *t = TLS(tls);
    const unsigned char *p = (const unsigned char *)buf;
    while (len > 0) {
        int ret;
        start_clock(t, t->io_timeout_ms);
        ret = mbedtls_ssl_write(&t->ssl, p, len);
        if (ret > 0) {
            p += ret;
            len -= (size_t)ret;
        } else if (ret != MBEDTLS_ERR_SSL_WANT_WRITE &&
                   ret != MBEDTLS_ERR_SSL_WANT_READ) {
            pe_status_t st = status_of(t, ret, PE_ERR_IO);
            t->broken = true;
            pe_tls_close(tls);
            return st;
        }
    }
    return PE_OK;
}

const char *pe_tls_version(pe_tls_t *tls)
{
    tls_t *t = TLS(tls);
    return t->open ? mbedtls_ssl_get_version(&t->ssl) : "";
}

void pe_tls_forget_session(pe_tls_t *tls)
{
    tls_t *t = TLS(tls);
    mbedtls_ssl_session_free(&t->session); /* wipes the master secret */
    t->have_session = false;
}

void pe_tls_free(pe_tls_t *tls)
{
    tls_t *t = TLS(tls);
    if (t->port) {
        pe_tls_close(tls);
    }
    mbedtls_ssl_free(&t->ssl);
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_x509_crt_free(&t->ca);
    mbedtls_ssl_session_free(&t->session);
    memset(tls, 0, sizeof *tls);
}
