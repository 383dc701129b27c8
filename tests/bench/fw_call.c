/*
 * fw_call.c - the reference SendEmail from the emulated Cortex-M4 (QEMU
 * mps2-an386) to the live local service, for make bench: the real client,
 * mbedTLS 3.6 on its static arena, the TCP bytes carried to the host by
 * tests/firmware/pe_fifo_port.c and tests/bench/fifo_relay.py.
 *
 *   fw_call.elf CA_PEM TX_FIFO RX_FIFO HOST PORT BODY_JSON   (QEMU -append)
 *
 * It prints (semihosting console):
 *   stack_build_sign: N      painted stack below main's frame used by
 *                            pe_build of the reference SendEmail +
 *                            pe_sigv4_init + pe_http_signed_head (checked:
 *                            the body is BODY_JSON byte for byte and the
 *                            signature is botocore's)
 *   MessageId: ...           the service's answer
 *   stack_call: N            the same for pe_client_init + pe_send_email
 *                            (handshake, request, reading the answer)
 *   arena_peak: N            mbedtls_memory_buffer_alloc_max_get()
 *   arena_in_use_at_exit: N  after pe_client_deinit and psa_crypto_free
 *   expired_clock: ok        a second client, with mbedTLS's clock 30
 *                            years ahead, is refused with PE_ERR_CERT_VERIFY
 * and exits 0 when everything worked. Certificate dates are checked
 * against the host's time (semihosting SYS_TIME, registered with
 * mbedtls_platform_set_time). Needs mbedTLS with MBEDTLS_MEMORY_DEBUG.
 */
#include "pe_client.h"
#include "pe_fifo_port.h"
#include "pe_http.h"
#include "pe_model.h"
#include "pe_ops.h"
#include "pe_sigv4.h"

#include "pe_cortexm_board.h"
#include "pe_semihosting.h"
#include "support/ref_email.h"

#include <mbedtls/build_info.h>
#include <mbedtls/memory_buffer_alloc.h>
#include <mbedtls/platform_time.h>
#include <psa/crypto.h>

#include <stdlib.h>
#include <string.h>

#if !defined(MBEDTLS_MEMORY_DEBUG) || !defined(MBEDTLS_PLATFORM_TIME_ALT)
#error "fw_call needs the firmware config with PE_MBEDTLS_ARENA_STATS"
#endif

void pe_cortexm_test_rng_seed(const void *seed, size_t len);
mbedtls_time_t pe_cortexm_mbedtls_time(mbedtls_time_t *t);


static unsigned char arena[64 * 1024];
static unsigned char ca[8 * 1024];
static char ref_body[2048];
static char build_buf[2048];
static char head_buf[1024];
static char work[4096];
static pe_fifo_port_t fifo;
static pe_port_t port;
static pe_tls_t tls;
static pe_client_t client;
static pe_sigv4_signer_t signer;

static pe_send_email_input_t input; /* the reference SendEmail */

/* ------------------------------------------------------------ output */

static void say(const char *s) { pe_sh_write0(s); }

static void say_num(const char *name, uint32_t v)
{
    say(name);
    pe_sh_write_dec(v);
    say("\n");
}

static int fail(const char *what, pe_status_t st)
{
    say("fw_call: ");
    say(what);
    say(": ");
    say(pe_strerror(st));
    say("\n");
    return 1;
}

/* ------------------------------------------------------------ the stack */

extern uint32_t __stack_limit[];

static uintptr_t stack_pointer(void)
{
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* Paints the free stack from its limit up to 64 bytes below this
 * function's own frame. */
__attribute__((noinline)) static void paint_stack(void)
{
    uint32_t *p = __stack_limit;
    uint32_t *end = (uint32_t *)(stack_pointer() - 64u);
    while (p < end) {
        *p++ = PE_CORTEXM_STACK_PAINT;
    }
}

/* Bytes under `top` (the caller's stack pointer when it painted) that no
 * longer hold the paint. */
static uint32_t stack_used_below(uintptr_t top)
{
    const uint32_t *p = __stack_limit;
    while ((uintptr_t)p < top && *p == PE_CORTEXM_STACK_PAINT) {
        p++;
    }
    return (uint32_t)(top - (uintptr_t)p);
}

/* ------------------------------------------------------------ files */

/* Reads a host file into buf (at most cap - 1 bytes, then a NUL); its
 * length, or -1. */
static long read_host_file(const char *path, void *buf, size_t cap)
{
    const uint32_t open_block[3] = {(uint32_t)(uintptr_t)path, PE_SH_OPEN_RB,
                                    (uint32_t)strlen(path)};
    int32_t h = pe_semihost(PE_SH_SYS_OPEN, open_block);
    int32_t len, left;
    if (h < 0) {
        return -1;
    }
    len = pe_semihost(PE_SH_SYS_FLEN, &h);
    if (len <= 0 || (size_t)len >= cap) {
        (void)pe_semihost(PE_SH_SYS_CLOSE, &h);
        return -1;
    }
    {
        const uint32_t read_block[3] = {(uint32_t)h, (uint32_t)(uintptr_t)buf,
                                        (uint32_t)len};
        left = pe_semihost(PE_SH_SYS_READ, read_block);
    }
    (void)pe_semihost(PE_SH_SYS_CLOSE, &h);
    if (left != 0) {
        return -1;
    }
    ((char *)buf)[len] = '\0';
    return (long)len;
}

/* ------------------------------------------------------------ the measurements */

/* The build + sign of the reference request, as a device signing on its
 * own would (no I/O). 0 when body and signature are the reference's. */
__attribute__((noinline)) static int build_and_sign(size_t ref_len)
{
    pe_request_t req;
    size_t needed = 0;
    pe_status_t st = pe_build(&pe_op_send_email, &input, build_buf, sizeof build_buf,
                              &needed, &req, NULL);
    if (st != PE_OK) {
        return fail("pe_build", st);
    }
    if (req.body_len != ref_len || memcmp(req.body, ref_body, ref_len) != 0) {
        say("fw_call: the built body differs from the reference\n");
        return 1;
    }
    st = pe_sigv4_init(&signer, PE_REF_KEY_ID, PE_REF_SECRET, NULL);
    if (st == PE_OK) {
        st = pe_http_signed_head(&signer, &req, "email.us-east-1.amazonaws.com",
                                 "us-east-1", PE_REF_TIME, head_buf, sizeof head_buf,
                                 &needed);
    }
    pe_sigv4_deinit(&signer);
    if (st != PE_OK) {
        return fail("pe_http_signed_head", st);
    }
    if (strstr(head_buf, PE_REF_SIGNATURE) == NULL) {
        say("fw_call: not the reference signature:\n");
        say(head_buf);
        return 1;
    }
    return 0;
}

static pe_status_t send_once(const pe_config_t *cfg, pe_send_email_output_t *out,
                             pe_error_t *err)
{
    pe_status_t st = pe_client_init(&client, cfg, work, sizeof work);
    if (st != PE_OK) {
        return st;
    }
    return pe_send_email(&client, &input, out, err);
}

/* mbedTLS's clock 30 years ahead of the host's. */
static mbedtls_time_t clock_ahead(mbedtls_time_t *t)
{
    mbedtls_time_t now = pe_cortexm_mbedtls_time(NULL) + (mbedtls_time_t)946080000;
    if (t != NULL) {
        *t = now;
    }
    return now;
}

int main(int argc, char **argv)
{
    pe_config_t cfg;
    pe_send_email_output_t out;
    pe_error_t err;
    pe_status_t st;
    uintptr_t top;
    uint32_t used;
    size_t peak, peak_blocks, cur, cur_blocks;
    long ca_len, ref_len;
    int64_t now;

    mbedtls_memory_buffer_alloc_init(arena, sizeof arena);
    if (argc != 7) {
        say("usage: fw_call.elf CA_PEM TX_FIFO RX_FIFO HOST PORT BODY_JSON\n");
        return 2;
    }
    ca_len = read_host_file(argv[1], ca, sizeof ca);
    ref_len = read_host_file(argv[6], ref_body, sizeof ref_body);
    if (ca_len < 0 || ref_len < 0) {
        say("fw_call: cannot read the CA or the body file\n");
        return 2;
    }
    now = pe_cortexm_wall_clock();
    pe_cortexm_test_rng_seed(&now, sizeof now); /* runs differ */
    (void)mbedtls_platform_set_time(pe_cortexm_mbedtls_time); /* the RTC */

    pe_ref_email(&input);

    /* 1. build + sign */
    top = stack_pointer();
    paint_stack();
    if (build_and_sign((size_t)ref_len) != 0) {
        return 1;
    }
    used = stack_used_below(top);
    say_num("stack_build_sign: ", used);

    /* 2. the call, over the relay */
    if (pe_fifo_port_init(&fifo, &port, argv[2], argv[3]) != 0) {
        say("fw_call: cannot open the pipes\n");
        return 2;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.region = "us-east-1";
    cfg.access_key_id = PE_REF_KEY_ID;
    cfg.secret_access_key = PE_REF_SECRET;
    cfg.endpoint_host = argv[4];
    cfg.endpoint_port = (uint16_t)strtoul(argv[5], NULL, 10);
    cfg.port = &port;
    cfg.tls = &tls;
    cfg.ca = ca;
    cfg.ca_len = (size_t)ca_len + 1; /* PEM: with its NUL */
    cfg.max_attempts = 1;

    top = stack_pointer();
    paint_stack();
    st = send_once(&cfg, &out, &err);
    used = stack_used_below(top);
    if (st != PE_OK) {
        if (st == PE_ERR_SERVICE && err.message != NULL) {
            say(err.message);
            say("\n");
        }
        pe_fifo_port_end(&fifo);
        return fail("SendEmail", st);
    }
    say("MessageId: ");
    say(out.message_id != NULL ? out.message_id : "(none)");
    say("\n");
    say_num("stack_call: ", used);
    mbedtls_memory_buffer_alloc_max_get(&peak, &peak_blocks);
    say_num("arena_peak: ", (uint32_t)peak);
    say_num("arena_peak_blocks: ", (uint32_t)peak_blocks);
    pe_client_deinit(&client);

    /* 3. the dates are checked: with mbedTLS's clock 30 years ahead the
     * service's certificates have expired. */
    (void)mbedtls_platform_set_time(clock_ahead);
    st = send_once(&cfg, &out, &err);
    pe_client_deinit(&client);
    (void)mbedtls_platform_set_time(pe_cortexm_mbedtls_time);
    pe_fifo_port_end(&fifo);
    if (st != PE_ERR_CERT_VERIFY) {
        return fail("expired clock: expected a certificate failure, got", st);
    }
    say("expired_clock: ok\n");

    mbedtls_psa_crypto_free();
    mbedtls_memory_buffer_alloc_cur_get(&cur, &cur_blocks);
    say_num("arena_in_use_at_exit: ", (uint32_t)cur);
    return 0;
}
