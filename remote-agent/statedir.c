/* statedir.c - state directory checks and session files (see statedir.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "authfwd.h"
#include "push.h"
#include "statedir.h"
#include "util.h"

struct hf_state statedir_current; /* the paths live as long as the process */

static char *sd_join(const char *a, const char *b)
{
    struct hf_str s = { 0 };
    str_adds(&s, a);
    if (s.len == 0 || s.p[s.len - 1] != '/')
        str_adds(&s, "/");
    str_adds(&s, b);
    return s.p;
}

static char *sd_default_base(void)
{
    const char *home = getenv("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        if (!pw || !pw->pw_dir)
            hf_die("cannot find your home directory; set HOME or HOLDFAST_DIR");
        home = pw->pw_dir;
    }
    return sd_join(home, ".holdfast");
}

char *statedir_problem(const char *path)
{
    struct stat st;
    struct hf_str msg = { 0 };
    if (stat(path, &st) < 0) {
        str_addf(&msg, "cannot use %s: %s; create it with: mkdir -m 700 %s", path,
                 strerror(errno), path);
    } else if (!S_ISDIR(st.st_mode)) {
        str_addf(&msg, "%s is not a directory; remove it or point HOLDFAST_DIR elsewhere",
                 path);
    } else if (st.st_uid != geteuid()) {
        str_addf(&msg, "%s is owned by uid %ld, not by you (uid %ld); fix with: chown %ld %s",
                 path, (long)st.st_uid, (long)geteuid(), (long)geteuid(), path);
    } else if ((st.st_mode & 07777) != 0700) {
        str_addf(&msg, "%s is mode %04o, expected 0700; fix with: chmod 700 %s", path,
                 (unsigned)(st.st_mode & 07777), path);
    }
    return msg.p;
}

/* The home directory from the password database (as OpenSSH's safe_path() takes pw_dir),
 * canonical; NULL when unknown. */
static char *sd_real_home(void)
{
    struct passwd *pw = getpwuid(geteuid());
    return (pw && pw->pw_dir && *pw->pw_dir) ? realpath(pw->pw_dir, NULL) : NULL;
}

/* One directory above the state directory: whoever owns it, or may write it, can rename
 * or replace what it holds, and with it the state directory (a session would run on
 * unlisted). So, as OpenSSH's safe_path(): owned by root or by us, and not writable by
 * group or others, except with the sticky bit (as /tmp), which lets only an entry's own
 * owner rename it. Returns NULL or a malloc'd message naming the path and the fix. */
static char *sd_parent_problem(const char *dir, const char *base)
{
    struct stat st;
    struct hf_str msg = { 0 };
    uid_t me = geteuid();
    if (stat(dir, &st) < 0) {
        str_addf(&msg, "cannot check %s, a parent of %s: %s", dir, base, strerror(errno));
    } else if (st.st_uid != 0 && st.st_uid != me) {
        str_addf(&msg,
                 "%s, a parent of %s, is owned by uid %ld (neither you nor root), who could "
                 "rename or replace it; set HOLDFAST_DIR to a directory under your home",
                 dir, base, (long)st.st_uid);
    } else if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
        str_addf(&msg,
                 "%s, a parent of %s, is mode %04o: other users could rename or replace it; "
                 "fix with: chmod go-w %s (or chmod +t %s, as /tmp), or set HOLDFAST_DIR to "
                 "a directory under your home",
                 dir, base, (unsigned)(st.st_mode & 07777), dir, dir);
    }
    return msg.p;
}

/* Checks every directory above base, canonical (symbolic links resolved), from its parent
 * up to the root, or up to and including the home directory when base lies under it (as
 * OpenSSH does: what holds the home is the administrator's). Dies with the first problem.
 * A parent that does not exist yet is left to mkdir's own message. */
static void sd_check_parents(const char *base)
{
    char *parent = strdup(base), *real, *home, *slash, *problem = NULL;
    if (!parent)
        hf_die("out of memory; free some memory and retry");
    slash = strrchr(parent, '/');
    if (!slash)
        strcpy(parent, ".");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    real = realpath(parent, NULL);
    free(parent);
    if (!real)
        return;
    home = sd_real_home();
    for (;;) {
        problem = sd_parent_problem(real, base);
        if (problem || strcmp(real, "/") == 0 || (home && strcmp(real, home) == 0))
            break;
        slash = strrchr(real, '/');
        if (slash == real)
            real[1] = '\0';
        else
            *slash = '\0';
    }
    free(real);
    free(home);
    if (problem)
        hf_die("%s", problem);
}

/* Creates path (mode 0700) when missing, then checks it. */
static void sd_ensure(const char *path)
{
    char *problem;
    if (mkdir(path, 0700) == 0) {
        /* umask may have taken bits we want; never more than 0700 though */
        chmod(path, 0700);
    } else if (hf_disk_full(errno)) {
        hf_die("cannot create the state directory: " HF_DISK_FULL, path, strerror(errno));
    } else if (errno != EEXIST) {
        hf_die("cannot create %s: %s; create it with: mkdir -m 700 %s", path,
               strerror(errno), path);
    }
    problem = statedir_problem(path);
    if (problem)
        hf_die("%s", problem);
}

void statedir_enter(struct hf_state *st)
{
    const char *env = getenv("HOLDFAST_DIR");
    size_t n;
    st->base = (env && *env) ? strdup(env) : sd_default_base();
    if (!st->base)
        hf_die("out of memory; free some memory and retry");
    n = strlen(st->base);
    while (n > 1 && st->base[n - 1] == '/')
        st->base[--n] = '\0';
    st->sessions = sd_join(st->base, "sessions");
    statedir_current = *st;
    sd_check_parents(st->base);
    sd_ensure(st->base);
    sd_ensure(st->sessions);
    if (chdir(st->sessions) < 0)
        hf_die("cannot enter %s: %s; check its permissions", st->sessions, strerror(errno));
}

static void sd_name(char *out, size_t cap, const char *id, const char *ext)
{
    snprintf(out, cap, "%s.%s", id, ext);
}

int meta_write(const struct hf_meta *m)
{
    char tmp[64], final[64];
    struct hf_str s = { 0 };
    int fd, err = 0;

    sd_name(final, sizeof final, m->id, "meta");
    snprintf(tmp, sizeof tmp, ".%s.meta.tmp", m->id);
    str_addf(&s, "id %s\nname %s\ncreated %s\npid %ld\nchild %ld\n", m->id, m->name,
             m->created, m->pid, m->child);
    if (m->request[0]) /* only `new --request` writes the line: other metadata is unchanged */
        str_addf(&s, "request %s\n", m->request);
    str_adds(&s, "command ");
    str_adds(&s, m->command);
    str_adds(&s, "\n");
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        err = errno;
    } else {
        if (hf_write_all(fd, s.p, s.len) < 0)
            err = errno;
        if (close(fd) < 0 && !err)
            err = errno;
        if (!err && rename(tmp, final) < 0)
            err = errno;
        if (err)
            unlink(tmp);
    }
    str_free(&s);
    return err;
}

/* Copies the value of "key value" lines into out. */
static void sd_field(const char *text, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    const char *p = text;
    out[0] = '\0';
    while (p && *p) {
        if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
            const char *v = p + klen + 1, *e = strchr(v, '\n');
            size_t n = e ? (size_t)(e - v) : strlen(v);
            if (n >= cap)
                n = cap - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
}

int meta_read(const char *id, struct hf_meta *m)
{
    char name[64], num[32], buf[8192];
    ssize_t n;
    int fd;

    sd_name(name, sizeof name, id, "meta");
    fd = open(name, O_RDONLY);
    if (fd < 0)
        return -1;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    memset(m, 0, sizeof *m);
    sd_field(buf, "id", m->id, sizeof m->id);
    sd_field(buf, "name", m->name, sizeof m->name);
    sd_field(buf, "created", m->created, sizeof m->created);
    sd_field(buf, "command", m->command, sizeof m->command);
    sd_field(buf, "request", m->request, sizeof m->request);
    sd_field(buf, "pid", num, sizeof num);
    m->pid = atol(num);
    sd_field(buf, "child", num, sizeof num);
    m->child = atol(num);
    return strcmp(m->id, id) == 0 ? 0 : -1;
}

void statedir_remove(const char *id)
{
    char name[64];
    sd_name(name, sizeof name, id, "sock");
    unlink(name);
    sd_name(name, sizeof name, id, "meta");
    unlink(name);
    afwd_remove_files(id);
    push_remove_files(id);
}

int statedir_connect(const char *id)
{
    struct sockaddr_un sa;
    int fd, err;

    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    sd_name(sa.sun_path, sizeof sa.sun_path, id, "sock");
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    hf_set_cloexec(fd);
    while (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        if (errno == EINTR)
            continue;
        err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

int statedir_list(char ***ids)
{
    DIR *d = opendir(".");
    struct dirent *e;
    char **out = NULL;
    int n = 0, cap = 0;

    *ids = NULL;
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        char id[HF_ID_MAX + 1];
        if (len < 6 || len - 5 > HF_ID_MAX || strcmp(e->d_name + len - 5, ".sock") != 0)
            continue;
        memcpy(id, e->d_name, len - 5);
        id[len - 5] = '\0';
        if (!hf_valid_id(id))
            continue;
        if (n == cap) {
            char **q;
            cap = cap ? cap * 2 : 16;
            q = realloc(out, (size_t)cap * sizeof *out);
            if (!q)
                hf_die("out of memory; free some memory and retry");
            out = q;
        }
        out[n] = strdup(id);
        if (!out[n])
            hf_die("out of memory; free some memory and retry");
        n++;
    }
    closedir(d);
    *ids = out;
    return n;
}

void statedir_resolve(const char *arg, char *id_out)
{
    char **ids;
    int n, i, found = 0;
    struct stat st;
    char name[64];

    if (hf_valid_id(arg)) {
        sd_name(name, sizeof name, arg, "sock");
        if (lstat(name, &st) == 0) {
            strcpy(id_out, arg);
            return;
        }
    }
    n = statedir_list(&ids);
    for (i = 0; i < n; i++) {
        struct hf_meta m;
        if (meta_read(ids[i], &m) == 0 && m.name[0] && strcmp(m.name, arg) == 0) {
            if (found++ == 0)
                strcpy(id_out, ids[i]);
        }
        free(ids[i]);
    }
    free(ids);
    if (found == 1)
        return;
    if (found > 1)
        hf_die("more than one session is named '%s'; use its id (see: " HF_PROG " ls)", arg);
    hf_die("no session '%s'; list sessions with: " HF_PROG " ls", arg);
}
