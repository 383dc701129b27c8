/*
 * pinpoint-email - the command line a Linux-board user scripts with.
 *
 *   pinpoint-email [--region REGION] [--endpoint-url URL] [--dry-run]
 *                  [--ca-bundle FILE] <command>
 *                  [--cli-input-json JSON|file://PATH]
 *
 * <command> is the AWS CLI's kebab-case name of an operation; the input is
 * the AWS CLI v2's --cli-input-json form. The call is sent through the
 * client over verified TLS (net.c) and its answer printed as the AWS
 * CLI's JSON (print.c). With --dry-run the exact bytes of the signed
 * HTTP/1.1 request are printed and nothing is sent.
 * Exit codes follow the AWS CLI: 252 usage, 253 configuration (no
 * credentials), 254 service error, 255 other failure.
 *
 * The CA certificates come from --ca-bundle, else AWS_CA_BUNDLE, else the
 * system's bundle; credentials from the environment or ~/.aws/credentials
 * (pe_posix_load_credentials). PE_CLI_WORK_ROOM=N makes the client's work
 * buffer the request's size plus N bytes at first (tests).
 *
 * This program uses only the public headers; it may use the heap (the
 * library never does).
 */
#include "cli.h"
#include "pe_http.h"
#include "pe_ops.h"
#include "pe_posix_env.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
    "usage: pinpoint-email [--region REGION] [--endpoint-url URL] [--dry-run]\n"
    "                      [--ca-bundle FILE] [--debug] <command>\n"
    "                      [--cli-input-json JSON|file://PATH]\n"
    "commands:";

static void print_usage(FILE *f)
{
    fputs(usage_text, f);
    for (const pe_operation_t *const *op = pe_operations; *op; op++) {
        fputs(" ", f);
        for (const char *c = (*op)->name; *c; c++) {
            if (*c >= 'A' && *c <= 'Z') {
                if (c != (*op)->name) {
                    fputc('-', f);
                }
                fputc(*c - 'A' + 'a', f);
            } else {
                fputc(*c, f);
            }
        }
    }
    fputc('\n', f);
}

int cli_die(int code, const char *fmt, ...)
{
    va_list ap;
    fputs("pinpoint-email: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

void *cli_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("pinpoint-email: out of memory\n", stderr);
        exit(CLI_EXIT_OTHER);
    }
    return p;
}

static bool is_kebab(const char *s)
{
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || *s == '-')) {
            return false;
        }
    }
    return true;
}

static bool valid_region(const char *r)
{
    if (!*r || strlen(r) > PE_SIGV4_MAX_SCOPE_NAME) {
        return false;
    }
    for (; *r; r++) {
        if (!((*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9') || *r == '-')) {
            return false;
        }
    }
    return true;
}

/* An endpoint URL "https://HOST[:PORT][/]": the host to connect to (a
 * name or an IPv4 address) and the port; NULL when it is not one. */
static char *parse_endpoint(const char *url, uint16_t *port)
{
    const char *h, *end, *colon;
    char *host;
    if (strncmp(url, "https://", 8) != 0) {
        return NULL;
    }
    h = url + 8;
    end = h + strcspn(h, "/?#");
    if (end == h || (*end && strcmp(end, "/") != 0) ||
        memchr(h, '@', (size_t)(end - h)) || strpbrk(h, " \r\n\t")) {
        return NULL;
    }
    colon = memchr(h, ':', (size_t)(end - h));
    *port = 443;
    if (colon) {
        unsigned long p = 0;
        const char *d = colon + 1;
        if (d == end || (size_t)(end - d) > 5) {
            return NULL;
        }
        for (; d < end; d++) {
            if (*d < '0' || *d > '9') {
                return NULL; /* also an IPv6 literal: not supported */
            }
            p = p * 10 + (unsigned long)(*d - '0');
        }
        if (p == 0 || p > 65535) {
            return NULL;
        }
        *port = (uint16_t)p;
        end = colon;
    }
    if (end == h) {
        return NULL;
    }
    host = cli_xmalloc((size_t)(end - h) + 1);
    memcpy(host, h, (size_t)(end - h));
    host[end - h] = '\0';
    return host;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

int cli_parameter_error(const char *what, pe_status_t st, const pe_diag_t *diag)
{
    char path[256];
    size_t path_len;
    if (pe_diag_path(diag, path, sizeof path, &path_len) != PE_OK) {
        strcpy(path, "?");
    }
    return cli_die(CLI_EXIT_USAGE, "%s: parameter %s %s (%s)", what, path,
                   diag->reason ? diag->reason : "is invalid", pe_strerror(st));
}

/* The command line. */
typedef struct {
    const char *region;
    const char *endpoint;
    const char *ca_bundle;
    const char *command;
    const char *input_arg;
    bool dry_run;
    bool debug;
} args_t;

/* Returns -1 when the arguments are usable, else the exit code. */
static int parse_args(int argc, char **argv, args_t *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char **slot = NULL;
        if (strcmp(arg, "--dry-run") == 0) {
            a->dry_run = true;
            continue;
        }
        if (strcmp(arg, "--debug") == 0) {
            a->debug = true; /* the client's log on stderr, debug level */
            continue;
        }
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "help") == 0) {
            print_usage(stdout);
            return 0;
        }
        if (strcmp(arg, "--region") == 0) {
            slot = &a->region;
        } else if (strcmp(arg, "--endpoint-url") == 0) {
            slot = &a->endpoint;
        } else if (strcmp(arg, "--ca-bundle") == 0) {
            slot = &a->ca_bundle;
        } else if (strcmp(arg, "--cli-input-json") == 0) {
            slot = &a->input_arg;
        } else if (strncmp(arg, "--", 2) == 0) {
            print_usage(stderr);
            return cli_die(CLI_EXIT_USAGE, "unknown option: %s", arg);
        } else if (!a->command) {
            a->command = arg;
            continue;
        } else {
            print_usage(stderr);
            return cli_die(CLI_EXIT_USAGE, "unexpected argument: %s", arg);
        }
        if (i + 1 >= argc) {
            return cli_die(CLI_EXIT_USAGE, "option %s needs a value", arg);
        }
        *slot = argv[++i];
    }
    if (!a->command) {
        print_usage(stderr);
        return cli_die(CLI_EXIT_USAGE, "a command is required");
    }
    if (!a->region) {
        a->region = env("AWS_REGION");
    }
    if (!a->region) {
        a->region = env("AWS_DEFAULT_REGION");
    }
    if (!a->region) {
        a->region = "us-east-1";
    }
    return -1;
}

/* The operation's input decoded from the --cli-input-json form: the typed
 * struct, and the buffers its members point into. */
typedef struct {
    void *input;
    char *json;
    void *arena;
} input_t;

/* Returns -1 when the input is decoded, else the exit code. */
static int read_input(const pe_operation_t *op, const char *arg, input_t *in)
{
    size_t json_len;
    size_t arena_cap = 0, arena_needed = 0;
    pe_diag_t diag;
    pe_status_t st;
    char path[256];
    size_t path_len;

    if (!arg) {
        arg = "{}";
    }
    if (strncmp(arg, "file://", 7) == 0) {
        in->json = (char *)pe_posix_read_file(arg + 7, &json_len);
        if (!in->json) {
            return cli_die(CLI_EXIT_USAGE, "cannot read %s", arg + 7);
        }
        json_len--; /* the NUL the reader adds */
    } else {
        json_len = strlen(arg);
        in->json = cli_xmalloc(json_len);
        memcpy(in->json, arg, json_len);
    }
    in->input = cli_xmalloc(op->input->size);
    in->arena = NULL;
    /* the decoder tells how much arena it needs; grow until it fits */
    for (;;) {
        st = pe_json_decode(op->input, in->json, json_len, in->input, in->arena,
                            arena_cap, &arena_needed, &diag);
        if (st != PE_ERR_BUFFER_TOO_SMALL) {
            break;
        }
        free(in->arena);
        arena_cap = arena_needed;
        in->arena = cli_xmalloc(arena_cap);
    }
    if (st != PE_OK) {
        if (pe_diag_path(&diag, path, sizeof path, &path_len) == PE_OK &&
            path_len > 0) {
            return cli_die(CLI_EXIT_USAGE, "--cli-input-json: %s %s", path,
                           diag.reason ? diag.reason : "is malformed");
        }
        return cli_die(CLI_EXIT_USAGE, "--cli-input-json: %s", pe_strerror(st));
    }
    return -1;
}

/* Prints the signed request (head and body) and sends nothing. */
static int dry_run(pe_sigv4_signer_t *signer, const pe_request_t *req,
                   const char *host_header, const char *region, size_t head_len)
{
    char *head = cli_xmalloc(head_len + 1);
    pe_status_t st = pe_http_signed_head(signer, req, host_header, region,
                                         (int64_t)time(NULL), head,
                                         head_len + 1, &head_len);
    if (st != PE_OK) {
        return cli_die(CLI_EXIT_OTHER, "cannot sign the request: %s",
                       pe_strerror(st));
    }
    fwrite(head, 1, head_len, stdout);
    if (req->body) {
        fwrite(req->body, 1, req->body_len, stdout);
    }
    free(head);
    if (fflush(stdout) != 0) {
        return cli_die(CLI_EXIT_OTHER, "cannot write the request to stdout");
    }
    return 0;
}

/* What a run allocates, freed (and wiped) in one place. */
typedef struct {
    char *host;        /* to connect to */
    char *host_header; /* host, or host:port */
    char *url;         /* https://host_header */
    input_t in;
    char *req_buf;
    pe_posix_credentials_t creds;
} run_t;

/* Signs, then prints (--dry-run) or sends the built request. */
static int sign_and_go(const args_t *a, const pe_operation_t *op, run_t *r,
                       const pe_request_t *req, size_t req_len, uint16_t port)
{
    pe_sigv4_signer_t signer;
    pe_status_t st = pe_posix_load_credentials(&r->creds);
    if (st != PE_OK) {
        return cli_die(CLI_EXIT_CONFIG,
                       st == PE_ERR_INVALID_ARGUMENT
                           ? "invalid credentials: a value is too long"
                           : "Unable to locate credentials: set AWS_ACCESS_KEY_ID "
                             "and AWS_SECRET_ACCESS_KEY, or a profile in "
                             "~/.aws/credentials");
    }
    const pe_posix_credentials_t *cr = &r->creds;
    st = pe_sigv4_init(&signer, cr->access_key_id, cr->secret_access_key,
                       cr->session_token[0] ? cr->session_token : NULL);
    if (st != PE_OK) {
        return cli_die(CLI_EXIT_CONFIG, "invalid credentials: %s", pe_strerror(st));
    }
    size_t head_len = 0;
    pe_http_signed_head(&signer, req, r->host_header, a->region, 0, NULL, 0,
                        &head_len); /* size only */
    int rc;
    if (a->dry_run) {
        rc = dry_run(&signer, req, r->host_header, a->region, head_len);
    } else {
        const char *ca = a->ca_bundle ? a->ca_bundle : env("AWS_CA_BUNDLE");
        cli_call_t call = {
            .op = op,
            .input = r->in.input,
            .region = a->region,
            .url = a->endpoint ? a->endpoint : r->url,
            .host = r->host,
            .port = port,
            .ca_bundle = ca ? ca : PE_POSIX_DEFAULT_CA_FILE,
            .creds = cr,
            .request_size = req_len + head_len + 1, /* as the client lays it out */
            .debug = a->debug,
        };
        rc = cli_send(&call);
    }
    pe_sigv4_deinit(&signer);
    return rc;
}

static int run(const args_t *a, run_t *r)
{
    const pe_operation_t *op = is_kebab(a->command) ? pe_operation_find(a->command)
                                                    : NULL;
    if (!op) {
        print_usage(stderr);
        return cli_die(CLI_EXIT_USAGE, "unknown command: %s", a->command);
    }
    if (!valid_region(a->region)) {
        return cli_die(CLI_EXIT_USAGE, "invalid region: %s", a->region);
    }

    /* where to: the host to connect to, and the Host header */
    uint16_t port = 443;
    if (a->endpoint) {
        r->host = parse_endpoint(a->endpoint, &port);
        if (!r->host) {
            return cli_die(CLI_EXIT_USAGE,
                           "invalid --endpoint-url %s (expected https://HOST[:PORT])",
                           a->endpoint);
        }
    } else {
        size_t n = strlen(a->region) + sizeof "email..amazonaws.com";
        r->host = cli_xmalloc(n);
        snprintf(r->host, n, "email.%s.amazonaws.com", a->region);
    }
    size_t cap = strlen(r->host) + sizeof "https://:65535";
    r->host_header = cli_xmalloc(cap);
    snprintf(r->host_header, cap, port == 443 ? "%s" : "%s:%u", r->host,
             (unsigned)port);
    r->url = cli_xmalloc(cap);
    snprintf(r->url, cap, "https://%s", r->host_header);

    int rc = read_input(op, a->input_arg, &r->in);
    if (rc >= 0) {
        return rc;
    }

    /* built once here: checks the input, and sizes the request */
    size_t req_len = 0;
    pe_request_t req;
    pe_diag_t diag;
    pe_status_t st = pe_build(op, r->in.input, NULL, 0, &req_len, NULL, &diag);
    if (st == PE_ERR_BUFFER_TOO_SMALL) {
        r->req_buf = cli_xmalloc(req_len);
        st = pe_build(op, r->in.input, r->req_buf, req_len, &req_len, &req, &diag);
    }
    if (st != PE_OK) {
        return cli_parameter_error(a->command, st, &diag);
    }
    return sign_and_go(a, op, r, &req, req_len, port);
}

int main(int argc, char **argv)
{
    args_t a;
    static run_t r; /* zeroed */
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) {
        return rc;
    }
    rc = run(&a, &r);
    pe_posix_credentials_wipe(&r.creds);
    free(r.req_buf);
    free(r.in.arena);
    free(r.in.input);
    free(r.in.json);
    free(r.url);
    free(r.host_header);
    free(r.host);
    return rc;
}
