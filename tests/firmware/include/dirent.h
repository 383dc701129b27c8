/*
 * dirent.h - opendir/readdir for test programs on the Cortex-M test board
 * (newlib has none, and semihosting cannot list a directory).
 *
 * The listing comes from a file the host writes before the run
 * (tests/firmware/run.sh: `find ../shared -printf '%y %p\n'`), named by
 * PE_FW_DIRLIST, read through semihosting: one entry per line, its type
 * ('d' directory, 'f' file, ...) and its path as the program names it.
 * A directory is openable when it has a 'd' line; readdir() gives the
 * entries whose parent is that path, in the listing's order, without "."
 * and "..". No listing file: every opendir() fails with ENOENT, as for a
 * missing directory.
 */
#ifndef PE_FW_DIRENT_H
#define PE_FW_DIRENT_H

#define DT_UNKNOWN 0
#define DT_DIR 4
#define DT_REG 8

struct dirent {
    unsigned char d_type;
    char d_name[256];
};

typedef struct pe_fw_dir DIR;

DIR *opendir(const char *path);
struct dirent *readdir(DIR *dir);
int closedir(DIR *dir);

#endif /* PE_FW_DIRENT_H */
