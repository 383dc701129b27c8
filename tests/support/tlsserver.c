/* tlsserver.c - see tlsserver.h. */
#include "tlsserver.h"

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

#define SCRIPT "tests/tls_server.py"

static const char *python(void)
{
    const char *p = getenv("PYTHON");
    return p && p[0] ? p : "/usr/bin/python3";
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void say(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
}

/* fork + exec of python with argv; in_fd/out_fd (may be -1) become the
 * child's stdin/stdout. Returns the pid, or -1. */
static pid_t spawn(char *const *argv, int in_fd, int out_fd, int close1,
                   int close2)
{
    pid_t parent = getpid();
    pid_t pid;
    fflush(stdout); /* nothing buffered may be written twice */
    pid = fork();
    if (pid != 0) {
        return pid;
    }
#ifdef __linux__
    (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) {
        _exit(126);
    }
#else
    (void)parent;
#endif
    if (close1 >= 0) {
        close(close1);
    }
    if (close2 >= 0) {
        close(close2);
    }
    if ((in_fd >= 0 && dup2(in_fd, STDIN_FILENO) < 0) ||
        (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)) {
        _exit(126);
    }
    execv(argv[0], argv);
    _exit(127);
}

static int reap(pid_t pid, long deadline)
{
    int status = 0;
    pid_t r;
    while ((r = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < deadline) {
        struct timespec pause = {0, 10 * 1000000L};
        nanosleep(&pause, NULL);
    }
    if (r == 0) {
        (void)kill(pid, SIGKILL);
        while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
        }
        return -1;
    }
    return r == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool pe_tlssrv_certs(char dir[PE_TLSSRV_PATH_MAX], char *why, size_t why_cap)
{
    char *argv[5];
    pid_t pid;
    int rc;
    strcpy(dir, "/tmp/pe-tlsf-XXXXXX");
    if (!mkdtemp(dir)) {
        say(why, why_cap, "mkdtemp: %s", strerror(errno));
        dir[0] = '\0';
        return false;
    }
    argv[0] = (char *)(uintptr_t)python();
    argv[1] = (char *)SCRIPT;
    argv[2] = (char *)"certs";
    argv[3] = dir;
    argv[4] = NULL;
    pid = spawn(argv, -1, -1, -1, -1);
    if (pid < 0) {
        say(why, why_cap, "fork: %s", strerror(errno));
        return false;
    }
    rc = reap(pid, now_ms() + 30000);
    if (rc != 0) {
        say(why, why_cap, "%s %s certs exited with %d", argv[0], SCRIPT, rc);
        return false;
    }
    return true;
}

void pe_tlssrv_remove_certs(const char *dir)
{
    DIR *d;
    struct dirent *e;
    char file[PE_TLSSRV_PATH_MAX * 2];
    if (!dir || !dir[0]) {
        return;
    }
    d = opendir(dir);
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(file, sizeof file, "%s/%s", dir, e->d_name);
            (void)unlink(file);
        }
    }
    if (d) {
        closedir(d);
    }
    (void)rmdir(dir);
}

/* Reads what is there (waiting up to wait_ms); false at end of output. */
static bool read_more(pe_tlssrv_t *s, int wait_ms)
{
    struct pollfd p = {s->out_fd, POLLIN, 0};
    ssize_t got;
    int r = poll(&p, 1, wait_ms);
    if (r <= 0) {
        return true; /* nothing yet (or EINTR) */
    }
    if (s->out_len + 1 >= sizeof s->out) {
        return false;
    }
    got = read(s->out_fd, s->out + s->out_len, sizeof s->out - 1 - s->out_len);
    if (got < 0 && errno == EINTR) {
        return true;
    }
    if (got <= 0) {
        return false;
    }
    s->out_len += (size_t)got;
    s->out[s->out_len] = '\0';
    return true;
}

bool pe_tlssrv_start(pe_tlssrv_t *s, const char *dir, const char *kase,
                     unsigned timeout_ms)
{
    int in[2], out[2];
    char *argv[6];
    long deadline = now_ms() + (long)timeout_ms;
    memset(s, 0, sizeof *s);
    s->in_fd = s->out_fd = -1;
    if (pipe(in) != 0) {
        say(s->error, sizeof s->error, "pipe: %s", strerror(errno));
        return false;
    }
    if (pipe(out) != 0) {
        say(s->error, sizeof s->error, "pipe: %s", strerror(errno));
        close(in[0]);
        close(in[1]);
        return false;
    }
    argv[0] = (char *)(uintptr_t)python();
    argv[1] = (char *)SCRIPT;
    argv[2] = (char *)"serve";
    argv[3] = (char *)(uintptr_t)dir;
    argv[4] = (char *)(uintptr_t)kase;
    argv[5] = NULL;
    s->pid = spawn(argv, in[0], out[1], in[1], out[0]);
    close(in[0]);
    close(out[1]);
    s->in_fd = in[1];
    s->out_fd = out[0];
    (void)fcntl(s->in_fd, F_SETFD, FD_CLOEXEC);
    (void)fcntl(s->out_fd, F_SETFD, FD_CLOEXEC);
    if (s->pid < 0) {
        say(s->error, sizeof s->error, "fork: %s", strerror(errno));
        s->pid = 0;
        pe_tlssrv_finish(s, 0);
        return false;
    }
    while (!strchr(s->out, '\n')) {
        long left = deadline - now_ms();
        if (left <= 0 || !read_more(s, (int)left)) {
            say(s->error, sizeof s->error, "no port line (got \"%s\")", s->out);
            pe_tlssrv_finish(s, 1000);
            return false;
        }
    }
    {
        unsigned port = 0;
        if (sscanf(s->out, "port %u", &port) != 1 || port == 0 ||
            port > 65535) {
            say(s->error, sizeof s->error, "bad port line \"%s\"", s->out);
            pe_tlssrv_finish(s, 1000);
            return false;
        }
        s->port = (uint16_t)port;
    }
    return true;
}

/* Parses the "conn" and "done" lines. */
static void parse_reports(pe_tlssrv_t *s)
{
    const char *line = s->out;
    s->count = 0;
    s->done = false;
    while (*line) {
        size_t n = strcspn(line, "\n");
        char text[512];
        unsigned idx, done_n;
        char hs[8];
        pe_tlssrv_conn_t c;
        if (n < sizeof text) {
            memcpy(text, line, n);
            text[n] = '\0';
            memset(&c, 0, sizeof c);
            if (sscanf(text,
                       "conn %u handshake=%7s version=%15s app_bytes=%lu "
                       "raw_in=%lu raw_after=%lu reason=%63s",
                       &idx, hs, c.version, &c.app_bytes, &c.raw_in,
                       &c.raw_after, c.reason) == 7) {
                c.handshake_ok = strcmp(hs, "ok") == 0;
                if (s->count < PE_TLSSRV_MAX_CONNS) {
                    s->conns[s->count++] = c;
                }
            } else if (sscanf(text, "done connections=%u", &done_n) == 1) {
                s->done = true;
                s->done_count = done_n;
            }
        }
        line += n;
        if (*line == '\n') {
            line++;
        }
    }
}

bool pe_tlssrv_finish(pe_tlssrv_t *s, unsigned timeout_ms)
{
    long deadline = now_ms() + (long)timeout_ms;
    int rc = -1;
    if (s->in_fd >= 0) {
        close(s->in_fd); /* end of input: the server finishes */
        s->in_fd = -1;
    }
    while (s->out_fd >= 0 && now_ms() < deadline) {
        long left = deadline - now_ms();
        if (!read_more(s, (int)(left > 0 ? left : 0))) {
            break;
        }
    }
    if (s->out_fd >= 0) {
        close(s->out_fd);
        s->out_fd = -1;
    }
    if (s->pid > 0) {
        if (now_ms() >= deadline) {
            (void)kill(s->pid, SIGTERM);
        }
        rc = reap(s->pid, now_ms() + 2000);
        s->pid = 0;
    }
    parse_reports(s);
    return rc == 0 && s->done && s->done_count == s->count;
}
