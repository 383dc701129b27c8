/*
 * net.c - sends one call through the client (pe_client.h) over verified
 * TLS and reports what came back, as the AWS CLI does: the response as
 * JSON on stdout (exit 0), a service error on stderr (exit 254), anything
 * else on stderr (exit 255).
 *
 * The client works inside one buffer. It starts at 64 KiB (more when the
 * request is bigger) and grows when a response does not fit, by calling
 * again - except for POST operations: a POST that went out may have been
 * carried out (SendEmail must never send twice), so those get a generous
 * buffer up front and an error instead of a second call.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "pe_client.h"
#include "pe_port_posix.h"

#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#define WORK_MIN ((size_t)64 * 1024)
#define WORK_MAX ((size_t)64 * 1024 * 1024)
#define POST_RESPONSE_ROOM ((size_t)256 * 1024)
#define IO_TIMEOUT_MS 60000u /* the AWS CLI's read timeout */

static bool is_post(const pe_operation_t *op)
{
    return strcmp(op->method, "POST") == 0;
}

/* The first buffer: the request always fits; a POST gets room for any
 * response it may have. PE_CLI_WORK_ROOM=N (bytes beyond the request)
 * overrides this, for tests of the paths below. */
static size_t first_size(const cli_call_t *call)
{
    const char *room_text = getenv("PE_CLI_WORK_ROOM");
    if (room_text && *room_text) {
        return call->request_size + (size_t)strtoul(room_text, NULL, 10);
    }
    size_t room = is_post(call->op) ? POST_RESPONSE_ROOM : 0;
    size_t size = call->request_size + room;
    return size < WORK_MIN ? WORK_MIN : size;
}

/* The next buffer size after a response that did not fit, 0 when none. */
static size_t grown(size_t size, size_t needed)
{
    size_t next = size * 2;
    if (needed > next) {
        next = needed + 1024;
    }
    if (size >= WORK_MAX) {
        return 0;
    }
    return next > WORK_MAX ? WORK_MAX : next;
}

/* "\nAn error occurred (Code) when calling the Op operation: message" */
static int service_error(const cli_call_t *call, const pe_error_t *err)
{
    char status[8];
    const char *code = err->code_text;
    if (!code || !*code) {
        snprintf(status, sizeof status, "%u", (unsigned)err->http_status);
        code = status; /* what botocore falls back to */
    }
    fprintf(stderr, "\nAn error occurred (%s) when calling the %s operation: %s\n",
            code, call->op->name, err->message ? err->message : "");
    return CLI_EXIT_SERVICE;
}

static int transport_error(const cli_call_t *call,
                           const pe_posix_port_t *posix, pe_status_t st,
                           size_t work_size, const pe_error_t *err)
{
    char detail[160] = "";
    switch (st) {
    case PE_ERR_DNS:
        snprintf(detail, sizeof detail, " (%s)", gai_strerror(posix->last_gai_error));
        break;
    case PE_ERR_CONNECT:
    case PE_ERR_IO:
    case PE_ERR_TIMEOUT:
    case PE_ERR_CLOSED:
        if (posix->last_errno) {
            snprintf(detail, sizeof detail, " (%s)", strerror(posix->last_errno));
        }
        break;
    case PE_ERR_CERT_VERIFY:
        snprintf(detail, sizeof detail, " (trusted CAs from %s; see --ca-bundle)",
                 call->ca_bundle);
        break;
    case PE_ERR_BUFFER_TOO_SMALL:
        snprintf(detail, sizeof detail, ": the response did not fit in %zu bytes",
                 work_size);
        if (err->http_status >= 200 && err->http_status <= 299) {
            /* the service said it was done: no "may have been" below */
            cli_die(CLI_EXIT_OTHER, "%s to %s: the service carried it out (HTTP %u), "
                    "but its answer did not fit in %zu bytes; it was not sent again",
                    call->op->name, call->url, (unsigned)err->http_status,
                    work_size);
            return CLI_EXIT_OTHER;
        }
        break;
    default:
        break;
    }
    cli_die(CLI_EXIT_OTHER, "%s to %s failed: %s%s", call->op->name, call->url,
            pe_strerror(st), detail);
    /* a POST that went out may have been carried out */
    if (is_post(call->op) &&
        (st == PE_ERR_TIMEOUT || st == PE_ERR_CLOSED || st == PE_ERR_IO ||
         st == PE_ERR_MALFORMED_RESPONSE || st == PE_ERR_BUFFER_TOO_SMALL)) {
        cli_die(CLI_EXIT_OTHER, "the request may have been carried out; "
                                "it was not sent again");
    }
    return CLI_EXIT_OTHER;
}

/* --debug: the client's log lines on stderr, as `aws --debug` does. */
static void log_to_stderr(void *ctx, pe_log_level_t level, const char *line,
                          size_t len)
{
    static const char *const names[] = {"", "ERROR", "WARN", "INFO", "DEBUG"};
    (void)ctx;
    fprintf(stderr, "pinpoint-email %s: %.*s\n", names[level], (int)len, line);
}

int cli_send(const cli_call_t *call)
{
    const char *ca_file = call->ca_bundle;
    size_t ca_len;
    unsigned char *ca = pe_posix_read_file(ca_file, &ca_len);
    if (!ca) {
        return cli_die(CLI_EXIT_OTHER, "cannot read the CA bundle %s", ca_file);
    }

    static pe_tls_t tls;
    static pe_client_t client;
    pe_posix_port_t posix;
    pe_port_t port;
    pe_posix_port_init(&posix, &port);
    const pe_posix_credentials_t *cr = call->creds;
    pe_config_t cfg = {
        .region = call->region,
        .endpoint_host = call->host,
        .endpoint_port = call->port,
        .access_key_id = cr->access_key_id,
        .secret_access_key = cr->secret_access_key,
        .session_token = cr->session_token[0] ? cr->session_token : NULL,
        .port = &port,
        .tls = &tls,
        .ca = ca,
        .ca_len = ca_len,
        .io_timeout_ms = IO_TIMEOUT_MS,
        .log = call->debug ? log_to_stderr : NULL,
        .log_level = PE_LOG_DEBUG,
    };

    void *output = cli_xmalloc(call->op->output->size);
    size_t size = first_size(call);
    char *work = NULL;
    pe_error_t err;
    pe_status_t st;
    for (;;) {
        free(work);
        work = cli_xmalloc(size);
        st = pe_client_init(&client, &cfg, work, size);
        if (st != PE_OK) {
            free(ca);
            if (st == PE_ERR_CERT_VERIFY) {
                return cli_die(CLI_EXIT_OTHER, "no CA certificate could be read from %s",
                               ca_file);
            }
            return cli_die(CLI_EXIT_USAGE, "cannot use the endpoint %s: %s",
                           call->url, pe_strerror(st));
        }
        st = pe_client_call(&client, call->op, call->input, output, &err);
        size_t next = grown(size, err.needed);
        /* The request fitted, so the response did not: only a repeatable
         * call is sent again, with a bigger buffer. */
        if (st != PE_ERR_BUFFER_TOO_SMALL || is_post(call->op) || next == 0) {
            break;
        }
        pe_client_deinit(&client);
        size = next;
    }
    free(ca);

    int rc;
    if (st == PE_OK) {
        rc = cli_print_json(stdout, call->op->output, output) == 0
                 ? 0
                 : cli_die(CLI_EXIT_OTHER, "cannot write the response to stdout");
    } else if (st == PE_ERR_SERVICE) {
        rc = service_error(call, &err);
    } else if (st == PE_ERR_INVALID_ARGUMENT || st == PE_ERR_INVALID_UTF8) {
        rc = cli_parameter_error(call->op->name, st, &err.diag);
    } else {
        rc = transport_error(call, &posix, st, size, &err);
    }
    pe_client_deinit(&client); /* closes the connection, wipes the key */
    free(work);
    free(output);
    return rc;
}
