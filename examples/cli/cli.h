/*
 * cli.h - what the parts of the pinpoint-email command line share.
 *
 *   main.c   arguments, the --cli-input-json input, --dry-run
 *   net.c    the call through the client (pe_client.h) and its errors
 *   print.c  a response as JSON, walking the public tables of pe_model.h
 */
#ifndef PE_CLI_H
#define PE_CLI_H

#include "pe_model.h"
#include "pe_posix_env.h"

#include <stdio.h>

/* Exit codes, as the AWS CLI's. */
#define CLI_EXIT_USAGE 252   /* bad command line or input */
#define CLI_EXIT_CONFIG 253  /* no (usable) credentials */
#define CLI_EXIT_SERVICE 254 /* the service answered with an error */
#define CLI_EXIT_OTHER 255   /* transport and everything else */

/** Prints "pinpoint-email: <message>" to stderr; returns code. */
int cli_die(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/** malloc that exits (255) when memory runs out. */
void *cli_xmalloc(size_t n);

/** Reports a parameter the builder refused (diag names it); returns the
 *  usage exit code. */
int cli_parameter_error(const char *what, pe_status_t st, const pe_diag_t *diag);

/** One call to send. */
typedef struct {
    const pe_operation_t *op;
    const void *input;       /**< the operation's decoded input struct */
    const char *region;
    const char *url;         /**< the endpoint, for messages */
    const char *host;        /**< host to connect to and verify */
    uint16_t port;
    const char *ca_bundle;   /**< PEM file of the trusted CAs */
    const pe_posix_credentials_t *creds;
    size_t request_size;     /**< work bytes the signed request takes */
    bool debug;              /**< log the client's work on stderr */
} cli_call_t;

/** Sends the call, prints its result (stdout) or error (stderr); returns
 *  the exit code. */
int cli_send(const cli_call_t *call);

/** Prints `value` (a struct of `shape`) as `aws --output json` would:
 *  4-space indented JSON and a newline, or nothing at all when no member
 *  is present. Returns 0, or -1 when writing failed. */
int cli_print_json(FILE *f, const pe_shape_t *shape, const void *value);

#endif /* PE_CLI_H */
