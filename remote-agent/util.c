/* util.c - helpers shared by every role (see util.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void hf_vmsg(const char *fmt, va_list ap)
{
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    fprintf(stderr, HF_PROG ": %s\n", line);
}

void hf_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hf_vmsg(fmt, ap);
    va_end(ap);
    exit(1);
}

void hf_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hf_vmsg(fmt, ap);
    va_end(ap);
}

uint64_t hf_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int hf_set_nonblock(int fd, int on)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -1;
    fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
    return fcntl(fd, F_SETFL, fl);
}

int hf_set_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFD);
    if (fl < 0)
        return -1;
    return fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

#if defined(__linux__) && !defined(F_SETPIPE_SZ)
#define F_SETPIPE_SZ 1031 /* Linux 2.6.35; glibc hides it without _GNU_SOURCE */
#endif

void hf_grow_pipe(int fd, size_t bytes)
{
#ifdef F_SETPIPE_SZ
    if (fcntl(fd, F_SETPIPE_SZ, (int)bytes) < 0) {
        /* not a pipe, or over the limit: keep the default */
    }
#else
    (void)fd;
    (void)bytes;
#endif
}

int hf_disk_full(int err)
{
    return err == ENOSPC || err == EDQUOT;
}

/* Room for HF_FDS_MAX descriptors in one control message. */
union hf_fd_cmsg {
    struct cmsghdr align;
    char buf[CMSG_SPACE(HF_FDS_MAX * sizeof(int))];
};

int hf_send_fds(int sock, const void *p, size_t n, const int *fds, size_t nfds)
{
    union hf_fd_cmsg u;
    struct iovec iov;
    struct msghdr msg;
    struct cmsghdr *cm;
    ssize_t k;
    if (nfds == 0 || nfds > HF_FDS_MAX)
        return -1;
    memset(&msg, 0, sizeof msg);
    memset(&u, 0, sizeof u);
    iov.iov_base = (void *)p;
    iov.iov_len = n;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = u.buf;
    msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
    cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
    memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
    do
        k = sendmsg(sock, &msg, 0);
    while (k < 0 && errno == EINTR);
    return k == (ssize_t)n ? 0 : -1;
}

ssize_t hf_recv_fds(int sock, void *p, size_t n, int *fds, size_t max, size_t *nfds)
{
    union hf_fd_cmsg u;
    struct iovec iov;
    struct msghdr msg;
    struct cmsghdr *cm;
    ssize_t k;
    *nfds = 0;
    memset(&msg, 0, sizeof msg);
    iov.iov_base = p;
    iov.iov_len = n;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = u.buf;
    msg.msg_controllen = sizeof u.buf;
    do
        k = recvmsg(sock, &msg, 0);
    while (k < 0 && errno == EINTR);
    if (k < 0)
        return k;
    /* one header's worth of room: the kernel closes whatever did not fit */
    cm = CMSG_FIRSTHDR(&msg);
    if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
        size_t i, got = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (i = 0; i < got; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
            hf_set_cloexec(fd);
            if (*nfds < max)
                fds[(*nfds)++] = fd;
            else
                close(fd);
        }
    }
    return k;
}

int hf_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t k = write(fd, c, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

int hf_random(void *p, size_t n)
{
    char *c = p;
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0)
        return -1;
    while (n > 0) {
        ssize_t k = read(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            close(fd);
            return -1;
        }
        c += k;
        n -= (size_t)k;
    }
    close(fd);
    return 0;
}

int hf_random_id(char *out)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    unsigned char raw[HF_ID_LEN];
    int i;
    if (hf_random(raw, sizeof raw) < 0)
        return -1;
    for (i = 0; i < HF_ID_LEN; i++)
        out[i] = alphabet[raw[i] & 31];
    out[HF_ID_LEN] = '\0';
    return 0;
}

int hf_valid_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9')))
            return 0;
    return n >= 1 && n <= HF_ID_MAX;
}

void hf_iso_time(time_t t, char *out, size_t cap)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void str_add(struct hf_str *s, const char *p, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        char *q;
        while (cap < s->len + n + 1)
            cap *= 2;
        q = realloc(s->p, cap);
        if (!q)
            hf_die("out of memory; free some memory and retry");
        s->p = q;
        s->cap = cap;
    }
    memcpy(s->p + s->len, p, n);
    s->len += n;
    s->p[s->len] = '\0';
}

void str_adds(struct hf_str *s, const char *z)
{
    str_add(s, z, strlen(z));
}

void str_addf(struct hf_str *s, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        str_add(s, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void str_add_json(struct hf_str *s, const char *z)
{
    str_add(s, "\"", 1);
    for (; *z; z++) {
        unsigned char c = (unsigned char)*z;
        if (c == '"' || c == '\\') {
            char e[2] = { '\\', (char)c };
            str_add(s, e, 2);
        } else if (c < 0x20) {
            str_addf(s, "\\u%04x", c);
        } else {
            str_add(s, (const char *)&c, 1);
        }
    }
    str_add(s, "\"", 1);
}

void str_free(struct hf_str *s)
{
    free(s->p);
    s->p = NULL;
    s->len = s->cap = 0;
}

/* Parses the JSON string literal at p (just past the opening quote). */
static char *hf_json_string(const char *p)
{
    struct hf_str out = { 0 };
    str_add(&out, "", 0);
    while (*p && *p != '"') {
        if (*p != '\\') {
            str_add(&out, p++, 1);
            continue;
        }
        p++;
        switch (*p) {
        case 'n': str_adds(&out, "\n"); break;
        case 't': str_adds(&out, "\t"); break;
        case 'r': str_adds(&out, "\r"); break;
        case 'b': str_adds(&out, "\b"); break;
        case 'f': str_adds(&out, "\f"); break;
        case 'u': {
            char hex[5] = { 0 };
            unsigned long v;
            if (strlen(p + 1) < 4)
                goto bad;
            memcpy(hex, p + 1, 4);
            v = strtoul(hex, NULL, 16);
            /* Only what the agent itself escapes (control chars) needs decoding; anything
             * else is shown as '?'. */
            str_add(&out, v < 0x80 ? (const char *)&(char){ (char)v } : "?", 1);
            p += 4;
            break;
        }
        case '\0': goto bad;
        default: str_add(&out, p, 1); break;
        }
        p++;
    }
    if (*p != '"')
        goto bad;
    return out.p;
bad:
    str_free(&out);
    return NULL;
}

char *hf_json_get(const char *json, const char *key)
{
    size_t klen = strlen(key);
    const char *p = json;
    while ((p = strchr(p, '"')) != NULL) {
        const char *v;
        if (strncmp(p + 1, key, klen) != 0 || p[1 + klen] != '"') {
            /* skip this string literal entirely */
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1])
                    p++;
            if (*p)
                p++;
            continue;
        }
        v = p + 2 + klen;
        while (*v == ' ')
            v++;
        if (*v != ':') {
            p = v;
            continue;
        }
        v++;
        while (*v == ' ')
            v++;
        if (*v == '"')
            return hf_json_string(v + 1);
        {
            size_t n = strspn(v, "-0123456789.eE+");
            struct hf_str out = { 0 };
            if (n == 0)
                return NULL;
            str_add(&out, v, n);
            return out.p;
        }
    }
    return NULL;
}
