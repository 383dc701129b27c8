/* pe_fifo_port.c - see pe_fifo_port.h. TESTS UNDER QEMU ONLY. */
#include "pe_fifo_port.h"

#include "pe_cortexm_board.h"
#include "pe_semihosting.h"

#include <mbedtls/build_info.h>
#include <psa/crypto.h>

#include <string.h>

static int32_t sh_open(const char *path, uint32_t mode)
{
    const uint32_t block[3] = {(uint32_t)(uintptr_t)path, mode,
                               (uint32_t)strlen(path)};
    return pe_semihost(PE_SH_SYS_OPEN, block);
}

/* Moves all len bytes to (SYS_WRITE) or from (SYS_READ) host file h; 0,
 * or -1 when the host refused or the file ended. Both calls return the
 * number of bytes NOT moved. */
static int move(uint32_t op, int32_t h, uint8_t *p, size_t len)
{
    while (len > 0) {
        const uint32_t block[3] = {(uint32_t)h, (uint32_t)(uintptr_t)p,
                                   (uint32_t)len};
        int32_t left = pe_semihost(op, block);
        size_t done;
        if (left < 0 || (size_t)left >= len) {
            return -1;
        }
        done = len - (size_t)left;
        p += done;
        len -= done;
    }
    return 0;
}

static int put(int32_t h, const void *buf, size_t len)
{
    return move(PE_SH_SYS_WRITE, h, (uint8_t *)(uintptr_t)buf, len);
}

static int get(int32_t h, void *buf, size_t len)
{
    return move(PE_SH_SYS_READ, h, (uint8_t *)buf, len);
}

static void word(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* One request; its answer word in *answer. 0, or -1 when the relay is
 * gone. */
static int request(pe_fifo_port_t *f, char op, const void *payload,
                   size_t len, uint32_t arg, uint32_t timeout_ms,
                   int32_t *answer)
{
    uint8_t head[16];
    uint8_t a[4];
    word(head, (uint32_t)op);
    word(head + 4, (uint32_t)len);
    word(head + 8, arg);
    word(head + 12, timeout_ms);
    if (put(f->tx, head, sizeof head) != 0 ||
        (len > 0 && put(f->tx, payload, len) != 0) ||
        get(f->rx, a, sizeof a) != 0) {
        return -1;
    }
    *answer = (int32_t)((uint32_t)a[0] | (uint32_t)a[1] << 8 |
                        (uint32_t)a[2] << 16 | (uint32_t)a[3] << 24);
    return 0;
}

static pe_status_t fifo_connect(void *ctx, const char *host, uint16_t port,
                                uint32_t timeout_ms)
{
    int32_t answer;
    if (request((pe_fifo_port_t *)ctx, 'C', host, strlen(host), port,
                timeout_ms, &answer) != 0) {
        return PE_ERR_CONNECT;
    }
    return answer == 0 ? PE_OK : (pe_status_t)answer;
}

static int32_t fifo_send(void *ctx, const uint8_t *buf, size_t len,
                         uint32_t timeout_ms)
{
    int32_t answer;
    if (request((pe_fifo_port_t *)ctx, 'S', buf, len, 0, timeout_ms,
                &answer) != 0) {
        return PE_PORT_IO;
    }
    return answer;
}

static int32_t fifo_recv(void *ctx, uint8_t *buf, size_t len,
                         uint32_t timeout_ms)
{
    pe_fifo_port_t *f = (pe_fifo_port_t *)ctx;
    int32_t answer;
    if (len > 0x7FFFFFFFu) {
        len = 0x7FFFFFFFu;
    }
    if (request(f, 'R', NULL, 0, (uint32_t)len, timeout_ms, &answer) != 0) {
        return PE_PORT_IO;
    }
    if (answer > 0 && ((size_t)answer > len || get(f->rx, buf, (size_t)answer) != 0)) {
        return PE_PORT_IO;
    }
    return answer;
}

static void fifo_close(void *ctx)
{
    int32_t answer;
    (void)request((pe_fifo_port_t *)ctx, 'X', NULL, 0, 0, 0, &answer);
}

static int64_t fifo_time(void *ctx)
{
    (void)ctx;
    return pe_cortexm_wall_clock();
}

static uint32_t fifo_ms(void *ctx)
{
    (void)ctx;
    return (uint32_t)pe_cortexm_uptime_ms();
}

static void fifo_sleep(void *ctx, uint32_t ms)
{
    uint64_t end = pe_cortexm_uptime_ms() + ms;
    (void)ctx;
    while (pe_cortexm_uptime_ms() < end) {
        __asm__ volatile("wfi");
    }
}

static pe_status_t fifo_random(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    return psa_generate_random(buf, len) == PSA_SUCCESS ? PE_OK : PE_ERR_CRYPTO;
}

int pe_fifo_port_init(pe_fifo_port_t *f, pe_port_t *port, const char *tx_path,
                      const char *rx_path)
{
    f->tx = sh_open(tx_path, PE_SH_OPEN_WB);
    if (f->tx < 0) {
        return -1;
    }
    f->rx = sh_open(rx_path, PE_SH_OPEN_RB);
    if (f->rx < 0) {
        return -1;
    }
    port->connect = fifo_connect;
    port->send = fifo_send;
    port->recv = fifo_recv;
    port->close = fifo_close;
    port->time_utc = fifo_time;
    port->monotonic_ms = fifo_ms;
    port->sleep_ms = fifo_sleep;
    port->random = fifo_random;
    port->ctx = f;
    return 0;
}

void pe_fifo_port_end(pe_fifo_port_t *f)
{
    const uint8_t head[16] = {'Q'};
    (void)put(f->tx, head, sizeof head);
    (void)pe_semihost(PE_SH_SYS_CLOSE, &f->tx);
    (void)pe_semihost(PE_SH_SYS_CLOSE, &f->rx);
}
