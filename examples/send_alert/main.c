/*
 * send_alert - the smallest program that sends an alert email through
 * Amazon Pinpoint Email. Copy it and adapt it.
 *
 *   send_alert --from sender@example.com --to ops@example.com \
 *              --subject "Pump 3 stopped" --text "Pressure fell below 1.2 bar"
 *
 * Settings from the environment:
 *   AWS_REGION (or AWS_DEFAULT_REGION)   region, default us-east-1
 *   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, or the
 *   profile AWS_PROFILE of ~/.aws/credentials
 *   PE_ENDPOINT    https://HOST[:PORT] of another endpoint (the local
 *                  service of tests/sim); unset: the real service
 *   PE_CA_BUNDLE   PEM file of trusted CAs; unset: the system bundle
 * The sender must be a verified identity of the account.
 */
#include "pe_client.h"
#include "pe_port_posix.h"
#include "pe_posix_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char work[4096]; /* the client's only buffer: request and response */

static const char *getenv_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}


int main(int argc, char **argv)
{
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
        fprintf(stderr, "usage: send_alert --from ADDR --to ADDR --subject S --text T\n");
        return 2;
    }

    /* the platform: POSIX sockets and clock, CAs, credentials */
    pe_posix_port_t posix;
    pe_port_t port;
    pe_posix_port_init(&posix, &port);
    size_t ca_len;
    const char *ca_file = getenv_or("PE_CA_BUNDLE", PE_POSIX_DEFAULT_CA_FILE);
    unsigned char *ca = pe_posix_read_file(ca_file, &ca_len);
    if (!ca) {
        fprintf(stderr, "send_alert: cannot read CA bundle %s\n", ca_file);
        return 1;
    }
    pe_posix_credentials_t creds;
    if (pe_posix_load_credentials(&creds) != PE_OK) {
        fprintf(stderr, "send_alert: no AWS credentials found\n");
        return 1;
    }

    /* the client */
    static pe_tls_t tls;
    char host[PE_MAX_HOST + 1];
    pe_config_t cfg = {
        .region = getenv_or("AWS_REGION", getenv_or("AWS_DEFAULT_REGION", "us-east-1")),
        .access_key_id = creds.access_key_id,
        .secret_access_key = creds.secret_access_key,
        .session_token = creds.session_token[0] ? creds.session_token : NULL,
        .port = &port,
        .tls = &tls,
        .ca = ca,
        .ca_len = ca_len,
    };
    const char *endpoint = getenv("PE_ENDPOINT");
    if (endpoint && *endpoint) {
        if (pe_posix_parse_endpoint(endpoint, host, sizeof host, &cfg.endpoint_port) != 0) {
            fprintf(stderr, "send_alert: bad PE_ENDPOINT %s\n", endpoint);
            return 1;
        }
        cfg.endpoint_host = host;
    }
    static pe_client_t client;
    pe_status_t st = pe_client_init(&client, &cfg, work, sizeof work);
    free(ca); /* mbedTLS keeps its own parsed copy */
    if (st != PE_OK) {
        fprintf(stderr, "send_alert: %s\n", pe_strerror(st));
        pe_posix_credentials_wipe(&creds);
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
        printf("MessageId: %s\n", out.message_id ? out.message_id : "(none)");
    } else if (st == PE_ERR_SERVICE) {
        fprintf(stderr, "send_alert: %s (HTTP %u): %s [request id %s]\n",
                err.code_text ? err.code_text : "unknown error",
                (unsigned)err.http_status, err.message ? err.message : "",
                err.request_id ? err.request_id : "-");
    } else {
        fprintf(stderr, "send_alert: %s\n", pe_strerror(st));
    }
    pe_client_deinit(&client);
    pe_posix_credentials_wipe(&creds);
    return st == PE_OK ? 0 : 1;
}
