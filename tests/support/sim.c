/* sim.c - see sim.h. */
#include "sim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define SIM_RUN "tests/sim/run"
#define MAX_ARGS 32
#define STOP_WAIT_MS 5000

static void say(pe_sim_t *sim, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sim->error, sizeof sim->error, fmt, ap);
    va_end(ap);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The value after "key " on one of the start-up lines, copied into out. */
static bool line_value(const char *text, const char *key, char *out,
                       size_t cap)
{
    size_t klen = strlen(key);
    for (const char *line = text; *line; line += strcspn(line, "\n") + 1) {
        size_t n = strcspn(line, "\n");
        if (n > klen && strncmp(line, key, klen) == 0 && line[klen] == ' ') {
            n -= klen + 1;
            if (n >= cap) {
                return false;
            }
            memcpy(out, line + klen + 1, n);
            out[n] = '\0';
            return true;
        }
        if (line[n] == '\0') {
            break;
        }
    }
    return false;
}

/* Reads until `lines` whole lines arrived, EOF or the deadline. */
static bool read_lines(pe_sim_t *sim, char *buf, size_t cap, int lines,
                       unsigned timeout_ms)
{
    size_t len = 0;
    long deadline = now_ms() + (long)timeout_ms;
    buf[0] = '\0';
    for (;;) {
        int seen = 0;
        for (size_t i = 0; i < len; i++) {
            seen += buf[i] == '\n';
        }
        if (seen >= lines) {
            return true;
        }
        long left = deadline - now_ms();
        if (left <= 0) {
            say(sim, "no start-up lines within %u ms (got: \"%s\")",
                timeout_ms, buf);
            return false;
        }
        struct pollfd p = {sim->out_fd, POLLIN, 0};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            continue; /* the deadline check above reports it */
        }
        if (len + 1 >= cap) {
            say(sim, "start-up output too long");
            return false;
        }
        ssize_t got = read(sim->out_fd, buf + len, cap - 1 - len);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            say(sim, "the service exited before it was ready (got: \"%s\")",
                buf);
            return false;
        }
        len += (size_t)got;
        buf[len] = '\0';
    }
}

static bool parse_startup(pe_sim_t *sim, const char *text)
{
    char endpoint[128];
    const char *prefix = "https://127.0.0.1:";
    long port;
    if (!line_value(text, "endpoint", endpoint, sizeof endpoint) ||
        strncmp(endpoint, prefix, strlen(prefix)) != 0) {
        say(sim, "no endpoint line in \"%s\"", text);
        return false;
    }
    port = strtol(endpoint + strlen(prefix), NULL, 10);
    if (port <= 0 || port > 65535) {
        say(sim, "bad endpoint %s", endpoint);
        return false;
    }
    sim->port = (uint16_t)port;
    strcpy(sim->host, "127.0.0.1");
    if (!line_value(text, "ca-bundle", sim->ca_path, sizeof sim->ca_path) ||
        !line_value(text, "outbox", sim->outbox, sizeof sim->outbox) ||
        !line_value(text, "control-token", sim->token, sizeof sim->token)) {
        say(sim, "missing start-up lines in \"%s\"", text);
        return false;
    }
    return true;
}

/* The child: stdout into the pipe, then exec. Async-signal-safe only. */
static void exec_child(int out_fd, pid_t parent, char *const *argv)
{
#ifdef __linux__
    (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) {
        _exit(126); /* the test already died */
    }
#else
    (void)parent;
#endif
    if (dup2(out_fd, STDOUT_FILENO) < 0) {
        _exit(126);
    }
    close(out_fd);
    execv(argv[0], argv);
    _exit(127);
}

bool pe_sim_start(pe_sim_t *sim, const char *const *args, unsigned timeout_ms)
{
    char *argv[MAX_ARGS + 4];
    char outbox_arg[PE_SIM_PATH_MAX + 16];
    char startup[4096];
    int fds[2];
    size_t n = 0;

    memset(sim, 0, sizeof *sim);
    sim->out_fd = -1;
    strcpy(sim->tmp_dir, "/tmp/pe-sim-XXXXXX");
    if (!mkdtemp(sim->tmp_dir)) {
        say(sim, "mkdtemp: %s", strerror(errno));
        sim->tmp_dir[0] = '\0';
        return false;
    }
    snprintf(outbox_arg, sizeof outbox_arg, "%s/outbox", sim->tmp_dir);
    argv[n++] = (char *)SIM_RUN;
    argv[n++] = (char *)"--outbox";
    argv[n++] = outbox_arg;
    for (size_t i = 0; args && args[i]; i++) {
        if (n >= MAX_ARGS + 3) {
            say(sim, "too many arguments");
            pe_sim_stop(sim);
            return false;
        }
        argv[n++] = (char *)(uintptr_t)args[i];
    }
    argv[n] = NULL;

    if (pipe(fds) != 0) {
        say(sim, "pipe: %s", strerror(errno));
        pe_sim_stop(sim);
        return false;
    }
    fflush(stdout); /* nothing buffered may be written twice */
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        say(sim, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        pe_sim_stop(sim);
        return false;
    }
    if (pid == 0) {
        close(fds[0]);
        exec_child(fds[1], parent, argv);
    }
    close(fds[1]);
    sim->pid = pid;
    sim->out_fd = fds[0];
    (void)fcntl(sim->out_fd, F_SETFD, FD_CLOEXEC);
    if (!read_lines(sim, startup, sizeof startup, 4, timeout_ms) ||
        !parse_startup(sim, startup)) {
        char why[sizeof sim->error];
        memcpy(why, sim->error, sizeof why);
        pe_sim_stop(sim);
        memcpy(sim->error, why, sizeof why);
        return false;
    }
    return true;
}

/* Empties and removes a folder of plain files (the outbox). */
static void remove_dir(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        char file[PE_SIM_PATH_MAX * 2];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                snprintf(file, sizeof file, "%s/%s", path, e->d_name);
                (void)unlink(file);
            }
        }
        closedir(d);
    }
    (void)rmdir(path);
}

int pe_sim_stop(pe_sim_t *sim)
{
    int result = -1;
    if (sim->pid > 0) {
        int status;
        pid_t r = 0;
        long deadline = now_ms() + STOP_WAIT_MS;
        (void)kill(sim->pid, SIGTERM);
        while ((r = waitpid(sim->pid, &status, WNOHANG)) == 0 &&
               now_ms() < deadline) {
            struct timespec pause = {0, 20 * 1000000L};
            nanosleep(&pause, NULL);
        }
        if (r == 0) {
            (void)kill(sim->pid, SIGKILL);
            while ((r = waitpid(sim->pid, &status, 0)) < 0 && errno == EINTR) {
            }
        }
        if (r == sim->pid && WIFEXITED(status)) {
            result = WEXITSTATUS(status);
        }
        sim->pid = 0;
    }
    if (sim->out_fd >= 0) {
        close(sim->out_fd);
        sim->out_fd = -1;
    }
    if (sim->tmp_dir[0]) {
        char outbox[PE_SIM_PATH_MAX + 16];
        snprintf(outbox, sizeof outbox, "%s/outbox", sim->tmp_dir);
        remove_dir(outbox);
        (void)rmdir(sim->tmp_dir);
        sim->tmp_dir[0] = '\0';
    }
    return result;
}

unsigned char *pe_sim_outbox_file(const pe_sim_t *sim, const char *name,
                                  size_t *len)
{
    char path[PE_SIM_PATH_MAX * 2];
    unsigned char *data = NULL;
    long size;
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", sim->outbox, name);
    f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 &&
        (data = malloc((size_t)size + 1)) != NULL) {
        *len = fread(data, 1, (size_t)size, f);
        data[*len] = '\0';
    }
    fclose(f);
    return data;
}

/* ---------------------------------------------------------------- controls
 * The control endpoint described as operations, so the client builds,
 * signs and sends them like API calls. Their answers are not decoded. */

static const pe_shape_t no_output = {NULL, 0, sizeof(pe_empty_t)};

typedef struct {
    const char *kind;
    pe_opt_int_t count;
    pe_opt_int_t ms;
    pe_opt_int_t retry_after;
} fault_input_t;

static const pe_member_t fault_members[] = {
    {"kind", offsetof(fault_input_t, kind), PE_T_STRING, PE_M_REQUIRED, NULL},
    {"count", offsetof(fault_input_t, count), PE_T_INT, 0, &pe_kind_int},
    {"ms", offsetof(fault_input_t, ms), PE_T_INT, 0, &pe_kind_int},
    {"retry_after", offsetof(fault_input_t, retry_after), PE_T_INT, 0,
     &pe_kind_int},
};
static const pe_shape_t fault_shape = {fault_members, 4,
                                       sizeof(fault_input_t)};
static const pe_operation_t fault_op = {"SimFault", "POST", "/_sim/faults",
                                        &fault_shape, &no_output, NULL};

typedef struct {
    const char *identity;
    const char *status;
} verify_input_t;

static const pe_member_t verify_members[] = {
    {"identity", offsetof(verify_input_t, identity), PE_T_STRING,
     PE_M_REQUIRED, NULL},
    {"status", offsetof(verify_input_t, status), PE_T_STRING, 0, NULL},
};
static const pe_shape_t verify_shape = {verify_members, 2,
                                        sizeof(verify_input_t)};
static const pe_operation_t verify_op = {"SimVerify", "POST", "/_sim/verify",
                                         &verify_shape, &no_output, NULL};

static const pe_member_t account_members[] = {
    {"ProductionAccessEnabled",
     offsetof(pe_sim_account_t, production_access_enabled), PE_T_BOOL, 0,
     &pe_kind_bool},
    {"SendingEnabled", offsetof(pe_sim_account_t, sending_enabled), PE_T_BOOL,
     0, &pe_kind_bool},
    {"ResetSent", offsetof(pe_sim_account_t, reset_sent), PE_T_BOOL, 0,
     &pe_kind_bool},
    {"EnforcementStatus", offsetof(pe_sim_account_t, enforcement_status),
     PE_T_STRING, 0, NULL},
};
static const pe_shape_t account_shape = {account_members, 4,
                                         sizeof(pe_sim_account_t)};
static const pe_operation_t account_op = {"SimAccount", "POST",
                                          "/_sim/account", &account_shape,
                                          &no_output, NULL};

static pe_status_t control(pe_client_t *c, const pe_operation_t *op,
                           const void *in)
{
    pe_empty_t out;
    pe_error_t err;
    pe_status_t st = pe_client_call(c, op, in, &out, &err);
    if (st != PE_OK) {
        fprintf(stderr, "sim control %s: %s (HTTP %u %s: %s)\n", op->path,
                pe_strerror(st), (unsigned)err.http_status,
                err.code_text ? err.code_text : "-",
                err.message ? err.message : "-");
    }
    return st;
}

pe_status_t pe_sim_fault(pe_client_t *c, const char *kind, int64_t count,
                         int64_t ms)
{
    fault_input_t in = {kind, {true, count}, {ms > 0, ms}, {false, 0}};
    return control(c, &fault_op, &in);
}

pe_status_t pe_sim_throttle(pe_client_t *c, int64_t count, int64_t retry_after)
{
    fault_input_t in = {"429", {true, count}, {false, 0}, {true, retry_after}};
    return control(c, &fault_op, &in);
}

typedef struct {
    pe_opt_int_t skew;
} clock_input_t;

static const pe_member_t clock_members[] = {
    {"skew", offsetof(clock_input_t, skew), PE_T_INT, PE_M_REQUIRED,
     &pe_kind_int},
};
static const pe_shape_t clock_shape = {clock_members, 1, sizeof(clock_input_t)};
static const pe_operation_t clock_op = {"SimClock", "POST", "/_sim/clock",
                                        &clock_shape, &no_output, NULL};

pe_status_t pe_sim_clock(pe_client_t *c, int64_t skew_seconds)
{
    clock_input_t in = {{true, skew_seconds}};
    return control(c, &clock_op, &in);
}

pe_status_t pe_sim_verify(pe_client_t *c, const char *identity,
                          const char *status)
{
    verify_input_t in = {identity, status};
    return control(c, &verify_op, &in);
}

typedef struct {
    const char *version;
    pe_bool_t resumed;
} connection_output_t;

static const pe_member_t connection_members[] = {
    {"Version", offsetof(connection_output_t, version), PE_T_STRING, 0, NULL},
    {"Resumed", offsetof(connection_output_t, resumed), PE_T_BOOL, 0,
     &pe_kind_bool},
};
static const pe_shape_t connection_shape = {connection_members, 2,
                                            sizeof(connection_output_t)};
static const pe_operation_t connection_op = {"SimConnection", "GET",
                                             "/_sim/connection", &no_output,
                                             &connection_shape, NULL};

pe_status_t pe_sim_connection(pe_client_t *c, char *version, size_t cap,
                              bool *resumed)
{
    pe_empty_t in = {0};
    connection_output_t out;
    pe_error_t err;
    pe_status_t st = pe_client_call(c, &connection_op, &in, &out, &err);
    if (st != PE_OK) {
        return st;
    }
    if (!out.version || strlen(out.version) >= cap) {
        return PE_ERR_MALFORMED_RESPONSE;
    }
    memcpy(version, out.version, strlen(out.version) + 1);
    *resumed = out.resumed == PE_TRUE;
    return PE_OK;
}

pe_status_t pe_sim_account(pe_client_t *c, const pe_sim_account_t *changes)
{
    return control(c, &account_op, changes);
}
