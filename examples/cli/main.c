/*
 * pinpoint-email - the command line a Linux-board user scripts with.
 *
 *   pinpoint-email [--region REGION] [--endpoint-url URL] [--dry-run]
 *                  <command> [--cli-input-json JSON|file://PATH]
 *
 * <command> is the AWS CLI's kebab-case name of an operation; the input is
 * the AWS CLI v2's --cli-input-json form. With --dry-run the exact bytes
 * of the signed HTTP/1.1 request are printed and nothing is sent.
 * Exit codes follow the AWS CLI: 252 usage, 253 configuration (no
 * credentials), 254 service error, 255 other failure.
 *
 * This program uses only the public headers; it may use the heap (the
 * library never does).
 */
#include "pe_http.h"
#include "pe_ops.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXIT_USAGE 252
#define EXIT_CONFIG 253

static const char usage_text[] =
    "usage: pinpoint-email [--region REGION] [--endpoint-url URL] [--dry-run]\n"
    "                      <command> [--cli-input-json JSON|file://PATH]\n"
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

static int die(int code, const char *fmt, ...)
{
    va_list ap;
    fputs("pinpoint-email: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("pinpoint-email: out of memory\n", stderr);
        exit(255);
    }
    return p;
}

/* Reads a whole file; NULL on failure. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f) {
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            char *nb;
            cap = cap ? cap * 2 : 65536;
            nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            break;
        }
    }
    if (ferror(f)) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = n;
    return buf;
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

/* Host header value from an https:// endpoint URL (default port dropped). */
static char *endpoint_host(const char *url)
{
    const char *h, *end;
    size_t n;
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
    n = (size_t)(end - h);
    if (n > 4 && memcmp(end - 4, ":443", 4) == 0) {
        n -= 4;
    }
    host = xmalloc(n + 1);
    memcpy(host, h, n);
    host[n] = '\0';
    return host;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

int main(int argc, char **argv)
{
    const char *region = NULL, *endpoint = NULL, *command = NULL;
    const char *input_arg = NULL;
    bool dry_run = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (strcmp(a, "--dry-run") == 0) {
            dry_run = true;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "help") == 0) {
            print_usage(stdout);
            return 0;
        }
        if (strcmp(a, "--region") == 0) {
            slot = &region;
        } else if (strcmp(a, "--endpoint-url") == 0) {
            slot = &endpoint;
        } else if (strcmp(a, "--cli-input-json") == 0) {
            slot = &input_arg;
        } else if (strncmp(a, "--", 2) == 0) {
            print_usage(stderr);
            return die(EXIT_USAGE, "unknown option: %s", a);
        } else if (!command) {
            command = a;
            continue;
        } else {
            print_usage(stderr);
            return die(EXIT_USAGE, "unexpected argument: %s", a);
        }
        if (i + 1 >= argc) {
            return die(EXIT_USAGE, "option %s needs a value", a);
        }
        *slot = argv[++i];
    }
    if (!command) {
        print_usage(stderr);
        return die(EXIT_USAGE, "a command is required");
    }
    const pe_operation_t *op = is_kebab(command) ? pe_operation_find(command) : NULL;
    if (!op) {
        print_usage(stderr);
        return die(EXIT_USAGE, "unknown command: %s", command);
    }

    if (!region) {
        region = env("AWS_REGION");
    }
    if (!region) {
        region = env("AWS_DEFAULT_REGION");
    }
    if (!region) {
        region = "us-east-1";
    }
    if (!valid_region(region)) {
        return die(EXIT_USAGE, "invalid region: %s", region);
    }
    char *host;
    if (endpoint) {
        host = endpoint_host(endpoint);
        if (!host) {
            return die(EXIT_USAGE,
                       "invalid --endpoint-url %s (expected https://HOST[:PORT])",
                       endpoint);
        }
    } else {
        size_t n = strlen(region) + sizeof "email..amazonaws.com";
        host = xmalloc(n);
        snprintf(host, n, "email.%s.amazonaws.com", region);
    }

    /* the input, as the AWS CLI takes it */
    char *json;
    size_t json_len;
    if (!input_arg) {
        input_arg = "{}";
    }
    if (strncmp(input_arg, "file://", 7) == 0) {
        json = read_file(input_arg + 7, &json_len);
        if (!json) {
            return die(EXIT_USAGE, "cannot read %s", input_arg + 7);
        }
    } else {
        json_len = strlen(input_arg);
        json = xmalloc(json_len);
        memcpy(json, input_arg, json_len);
    }
    void *input = xmalloc(op->input->size);
    size_t arena_cap = 0, arena_needed = 0;
    void *arena = NULL;
    pe_diag_t diag;
    pe_status_t st;
    char path[256];
    size_t path_len;
    /* the decoder tells how much arena it needs; grow until it fits */
    for (;;) {
        st = pe_json_decode(op->input, json, json_len, input, arena, arena_cap,
                            &arena_needed, &diag);
        if (st != PE_ERR_BUFFER_TOO_SMALL) {
            break;
        }
        free(arena);
        arena_cap = arena_needed;
        arena = xmalloc(arena_cap);
    }
    if (st != PE_OK) {
        if (pe_diag_path(&diag, path, sizeof path, &path_len) == PE_OK &&
            path_len > 0) {
            return die(EXIT_USAGE, "--cli-input-json: %s %s", path,
                       diag.reason ? diag.reason : "is malformed");
        }
        return die(EXIT_USAGE, "--cli-input-json: %s", pe_strerror(st));
    }

    size_t req_len = 0;
    pe_request_t req;
    st = pe_build(op, input, NULL, 0, &req_len, NULL, &diag);
    char *req_buf = NULL;
    if (st == PE_ERR_BUFFER_TOO_SMALL) {
        req_buf = xmalloc(req_len);
        st = pe_build(op, input, req_buf, req_len, &req_len, &req, &diag);
    }
    if (st != PE_OK) {
        if (pe_diag_path(&diag, path, sizeof path, &path_len) != PE_OK) {
            strcpy(path, "?");
        }
        return die(EXIT_USAGE, "%s: parameter %s %s (%s)", command, path,
                   diag.reason ? diag.reason : "is invalid", pe_strerror(st));
    }

    const char *key_id = env("AWS_ACCESS_KEY_ID");
    const char *secret = env("AWS_SECRET_ACCESS_KEY");
    if (!key_id || !secret) {
        return die(EXIT_CONFIG, "Unable to locate credentials: set "
                                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    }
    pe_sigv4_signer_t signer;
    st = pe_sigv4_init(&signer, key_id, secret, env("AWS_SESSION_TOKEN"));
    if (st != PE_OK) {
        return die(EXIT_CONFIG, "invalid credentials: %s", pe_strerror(st));
    }

    int64_t now = (int64_t)time(NULL);
    size_t head_len = 0;
    st = pe_http_signed_head(&signer, &req, host, region, now, NULL, 0, &head_len);
    char *head = NULL;
    if (st == PE_ERR_BUFFER_TOO_SMALL) {
        head = xmalloc(head_len + 1);
        st = pe_http_signed_head(&signer, &req, host, region, now, head,
                                 head_len + 1, &head_len);
    }
    pe_sigv4_deinit(&signer);
    if (st != PE_OK) {
        return die(255, "cannot sign the request: %s", pe_strerror(st));
    }

    if (!dry_run) {
        return die(EXIT_USAGE, "only --dry-run is available in this version "
                               "(the network transport is not there yet)");
    }
    fwrite(head, 1, head_len, stdout);
    if (req.body) {
        fwrite(req.body, 1, req.body_len, stdout);
    }
    if (fflush(stdout) != 0) {
        return die(255, "cannot write the request to stdout");
    }
    free(head);
    free(req_buf);
    free(arena);
    free(input);
    free(json);
    free(host);
    return 0;
}
