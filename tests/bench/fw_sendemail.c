/*
 * fw_sendemail.c - the smallest firmware that sends an email, for the
 * code-size figure sendemail_lib_text_cortex_m4: pe_client_init and
 * pe_send_email of the reference request, over a port whose functions are
 * stubs. Linked with --gc-sections against lib/ built with
 * -ffunction-sections -fdata-sections; the figure is the .text and .rodata
 * of lib/'s input sections that the linker map shows kept. It is never run.
 */
#include "pe_client.h"

#include <mbedtls/build_info.h>
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
#include <mbedtls/memory_buffer_alloc.h>
#endif
#if defined(MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG)
#include <psa/crypto.h>
#endif
#if defined(MBEDTLS_PLATFORM_MS_TIME_ALT)
#include <mbedtls/platform_time.h>
#endif

#include <string.h>

/* ------------------------------------------------------------ port stubs */

static volatile uint32_t ticks; /* a board would count SysTick here */

static pe_status_t stub_connect(void *ctx, const char *host, uint16_t port,
                                uint32_t timeout_ms)
{
    (void)ctx;
    (void)host;
    (void)port;
    (void)timeout_ms;
    return PE_OK;
}

static int32_t stub_send(void *ctx, const uint8_t *buf, size_t len,
                         uint32_t timeout_ms)
{
    (void)ctx;
    (void)buf;
    (void)timeout_ms;
    return (int32_t)len;
}

static int32_t stub_recv(void *ctx, uint8_t *buf, size_t len,
                         uint32_t timeout_ms)
{
    (void)ctx;
    (void)buf;
    (void)len;
    (void)timeout_ms;
    return PE_PORT_CLOSED;
}

static void stub_close(void *ctx) { (void)ctx; }

static int64_t stub_time(void *ctx)
{
    (void)ctx;
    return INT64_C(1700000000);
}

static uint32_t stub_ms(void *ctx)
{
    (void)ctx;
    return ticks;
}

static void stub_sleep(void *ctx, uint32_t ms)
{
    (void)ctx;
    ticks += ms;
}

static pe_status_t stub_random(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    memset(buf, 0x5a, len); /* a board reads its TRNG */
    return PE_OK;
}

static const pe_port_t port = {stub_connect, stub_send, stub_recv,
                               stub_close, stub_time, stub_ms,
                               stub_sleep, stub_random, NULL};

/* ------------------------------------------------------------ mbedTLS's needs */

#if defined(MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG)
psa_status_t mbedtls_psa_external_get_random(
    mbedtls_psa_external_random_context_t *context, uint8_t *output,
    size_t output_size, size_t *output_length)
{
    (void)context;
    memset(output, 0x5a, output_size);
    *output_length = output_size;
    return PSA_SUCCESS;
}
#endif

#if defined(MBEDTLS_PLATFORM_MS_TIME_ALT)
mbedtls_ms_time_t mbedtls_ms_time(void)
{
    return (mbedtls_ms_time_t)ticks;
}
#endif

/* ------------------------------------------------------------ the email */

static const unsigned char ca[] = {0x30}; /* a board holds its root in flash */
static char work[2048];
static pe_tls_t tls;
static pe_client_t client;
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
static unsigned char arena[36 * 1024];
#endif

int main(void)
{
    static const char *const to[] = {"recipient@example.com"};
    static const pe_content_t subject = {"Anchor measurement test message", "UTF-8"};
    static const pe_content_t text = {"Hello from a microcontroller.", "UTF-8"};
    static const pe_body_t body = {&text, NULL};
    static const pe_message_t message = {&subject, &body};
    pe_email_content_t content;
    pe_destination_t destination;
    pe_send_email_input_t in;
    pe_send_email_output_t out;
    pe_error_t err;
    pe_config_t cfg;

#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
    mbedtls_memory_buffer_alloc_init(arena, sizeof arena);
#endif
    memset(&cfg, 0, sizeof cfg);
    cfg.region = "us-east-1";
    cfg.access_key_id = "AKIDEXAMPLE";
    cfg.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    cfg.port = &port;
    cfg.tls = &tls;
    cfg.ca = ca;
    cfg.ca_len = sizeof ca;
    if (pe_client_init(&client, &cfg, work, sizeof work) != PE_OK) {
        return 1;
    }
    memset(&content, 0, sizeof content);
    memset(&destination, 0, sizeof destination);
    memset(&in, 0, sizeof in);
    content.simple = &message;
    destination.to_addresses.items = to;
    destination.to_addresses.count = 1;
    in.from_email_address = "sender@example.com";
    in.destination = &destination;
    in.content = &content;
    return pe_send_email(&client, &in, &out, &err) == PE_OK ? 0 : 1;
}
