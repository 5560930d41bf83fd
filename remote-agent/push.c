/* push.c - resume sockets (push.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "master.h"
#include "push.h"
#include "util.h"

void push_name(const char *sid, const uint8_t *id, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    char h[2 * HF_PUSH_ID_BYTES + 1];
    int i;
    for (i = 0; i < HF_PUSH_ID_BYTES; i++) {
        h[2 * i] = hex[id[i] >> 4];
        h[2 * i + 1] = hex[id[i] & 15];
    }
    h[2 * HF_PUSH_ID_BYTES] = '\0';
    snprintf(out, cap, "%s.%s.sock", sid, h);
}

static void push_drop(struct push_sock *p)
{
    if (p->fd < 0)
        return;
    close(p->fd);
    unlink(p->path);
    p->fd = -1;
}

static struct push_sock *push_find(struct master *m, const uint8_t *id)
{
    int i;
    for (i = 0; i < m->npush; i++)
        if (memcmp(m->push[i].id, id, HF_CLIENT_ID_LEN) == 0)
            return &m->push[i];
    return NULL;
}

void push_offer(struct master *m, const struct client *c)
{
    const uint8_t *id = m->dedup.s[c->dedup].id;
    struct push_sock *p;
    struct sockaddr_un sa;
    int fd;
    struct stat st;
    if (m->pipes || c->version < HF_PROTO_PUSH)
        return;
    p = push_find(m, id);
    if (p && lstat(p->path, &st) == 0 && S_ISSOCK(st.st_mode))
        return;
    if (p) { /* its file was removed: listen anew (the client found no socket) */
        push_drop(p);
        memmove(p, p + 1, (size_t)(m->npush - 1 - (p - m->push)) * sizeof *p);
        m->npush--;
    }
    if (m->npush == HF_PUSH_MAX) { /* the oldest goes: its client attaches the usual way */
        push_drop(&m->push[0]);
        memmove(&m->push[0], &m->push[1], (HF_PUSH_MAX - 1) * sizeof m->push[0]);
        m->npush--;
    }
    p = &m->push[m->npush];
    push_name(m->id, id, p->path, sizeof p->path);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", p->path);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return;
    unlink(p->path); /* left by a master of this session killed before it could clean up */
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, HF_LISTEN_BACKLOG) < 0) {
        close(fd); /* no room (a full disk takes the inode too): it attaches the usual way */
        return;
    }
    chmod(p->path, 0600);
    hf_set_nonblock(fd, 1);
    hf_set_cloexec(fd);
    p->fd = fd;
    memcpy(p->id, id, HF_CLIENT_ID_LEN);
    m->npush++;
}

int push_poll_fill(struct master *m, struct pollfd *p)
{
    int i;
    for (i = 0; i < m->npush; i++) {
        p[i].fd = m->push[i].fd;
        p[i].events = POLLIN;
        p[i].revents = 0;
    }
    return m->npush;
}

void push_poll_done(struct master *m, const struct pollfd *p, int n)
{
    int i;
    for (i = 0; i < n && i < m->npush; i++) {
        struct push_sock *s = &m->push[i];
        int fd;
        if (!(p[i].revents & POLLIN) || p[i].fd != s->fd)
            continue;
        while ((fd = accept(s->fd, NULL, NULL)) >= 0) {
            hf_set_nonblock(fd, 1);
            hf_set_cloexec(fd);
            master_push_attach(m, fd, s->id);
        }
    }
}

void push_close_all(struct master *m)
{
    int i;
    for (i = 0; i < m->npush; i++)
        push_drop(&m->push[i]);
    m->npush = 0;
}

void push_remove_files(const char *sid)
{
    size_t n = strlen(sid), hexlen = 2 * HF_PUSH_ID_BYTES;
    DIR *d = opendir(".");
    struct dirent *e;
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strlen(name) == n + 1 + hexlen + 5 && strncmp(name, sid, n) == 0 && name[n] == '.' &&
            strspn(name + n + 1, "0123456789abcdef") == hexlen &&
            strcmp(name + n + 1 + hexlen, ".sock") == 0)
            unlink(name);
    }
    closedir(d);
}
