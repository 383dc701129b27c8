/* pe_posix_env.c - credentials and CA files on a POSIX host. */
#define _POSIX_C_SOURCE 200809L
#include "pe_posix_env.h"

#include <mbedtls/platform_util.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool set(char *dst, size_t cap, const char *src, size_t len)
{
    if (len >= cap) {
        return false;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
    return true;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static char *trim(char *s, size_t *len)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    *len = strlen(s);
    while (*len > 0 && strchr(" \t\r\n", s[*len - 1])) {
        (*len)--;
    }
    return s;
}

/* Reads `profile` of an INI-style credentials file. */
static pe_status_t from_file(const char *path, const char *profile,
                             pe_posix_credentials_t *out)
{
    FILE *f = fopen(path, "r");
    char line[4352];
    bool in_profile = false;
    pe_status_t st = PE_OK;
    if (!f) {
        return PE_ERR_UNSUPPORTED;
    }
    while (st == PE_OK && fgets(line, sizeof line, f)) {
        size_t len;
        char *s = trim(line, &len);
        if (len == 0 || s[0] == '#' || s[0] == ';') {
            continue;
        }
        if (s[0] == '[') {
            size_t n = strlen(profile);
            in_profile = len == n + 2 && s[len - 1] == ']' &&
                         memcmp(s + 1, profile, n) == 0;
            continue;
        }
        const char *eq = memchr(s, '=', len);
        if (!in_profile || !eq) {
            continue;
        }
        size_t klen = (size_t)(eq - s), vlen;
        while (klen > 0 && (s[klen - 1] == ' ' || s[klen - 1] == '\t')) {
            klen--;
        }
        char *v = s + (eq + 1 - s);
        v[len - (size_t)(eq + 1 - s)] = '\0';
        const char *value = trim(v, &vlen);
        bool ok = true;
        if (klen == 17 && memcmp(s, "aws_access_key_id", 17) == 0) {
            ok = set(out->access_key_id, sizeof out->access_key_id, value, vlen);
        } else if (klen == 21 && memcmp(s, "aws_secret_access_key", 21) == 0) {
            ok = set(out->secret_access_key, sizeof out->secret_access_key,
                     value, vlen);
        } else if (klen == 17 && memcmp(s, "aws_session_token", 17) == 0) {
            ok = set(out->session_token, sizeof out->session_token, value, vlen);
        }
        if (!ok) {
            st = PE_ERR_INVALID_ARGUMENT;
        }
    }
    mbedtls_platform_zeroize(line, sizeof line);
    (void)fclose(f);
    if (st == PE_OK && (!out->access_key_id[0] || !out->secret_access_key[0])) {
        st = PE_ERR_UNSUPPORTED;
    }
    return st;
}

pe_status_t pe_posix_load_credentials(pe_posix_credentials_t *out)
{
    const char *id = env("AWS_ACCESS_KEY_ID");
    const char *secret = env("AWS_SECRET_ACCESS_KEY");
    const char *token = env("AWS_SESSION_TOKEN");
    pe_status_t st;
    memset(out, 0, sizeof *out);
    if (id && secret) {
        if (!set(out->access_key_id, sizeof out->access_key_id, id, strlen(id)) ||
            !set(out->secret_access_key, sizeof out->secret_access_key, secret,
                 strlen(secret)) ||
            (token && !set(out->session_token, sizeof out->session_token, token,
                           strlen(token)))) {
            pe_posix_credentials_wipe(out);
            return PE_ERR_INVALID_ARGUMENT;
        }
        return PE_OK;
    }
    const char *path = env("AWS_SHARED_CREDENTIALS_FILE");
    char buf[1024];
    if (!path) {
        const char *home = env("HOME");
        if (!home || (size_t)snprintf(buf, sizeof buf, "%s/.aws/credentials",
                                      home) >= sizeof buf) {
            return PE_ERR_UNSUPPORTED;
        }
        path = buf;
    }
    st = from_file(path, env("AWS_PROFILE") ? env("AWS_PROFILE") : "default", out);
    if (st != PE_OK) {
        pe_posix_credentials_wipe(out);
    }
    return st;
}

void pe_posix_credentials_wipe(pe_posix_credentials_t *creds)
{
    mbedtls_platform_zeroize(creds, sizeof *creds);
}

unsigned char *pe_posix_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f) {
        return NULL;
    }
    for (;;) {
        if (cap - n < 2) {
            unsigned char *nb = realloc(buf, cap ? cap * 2 : 65536);
            if (!nb) {
                free(buf);
                (void)fclose(f);
                return NULL;
            }
            cap = cap ? cap * 2 : 65536;
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            break;
        }
    }
    if (ferror(f)) {
        free(buf);
        (void)fclose(f);
        return NULL;
    }
    (void)fclose(f);
    buf[n] = '\0';
    *len = n + 1;
    return buf;
}
