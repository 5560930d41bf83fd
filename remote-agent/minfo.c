/* minfo.c - the live part of a session's INFO_REPLY (and so of `ls --json`): what runs
 * in the PTY's foreground now, where, what it printed last, how long ago. Read when asked,
 * never polled: a session nobody lists costs nothing. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lastline.h"
#include "master.h"

#define MINFO_CMDLINE_MAX 256 /* foreground command shown in a list: its start is enough */

#ifdef __linux__
/* /proc/PID/cmdline with the NULs between arguments turned into spaces; 0 if unreadable
 * (the group leader has gone while the rest of the group runs on). */
static size_t minfo_cmdline(pid_t pid, char *out, size_t cap)
{
    char path[64];
    ssize_t n;
    int fd, i;
    snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = read(fd, out, cap - 1);
    close(fd);
    if (n <= 0)
        return 0;
    while (n > 0 && out[n - 1] == '\0')
        n--;
    for (i = 0; i < n; i++)
        if (out[i] == '\0')
            out[i] = ' ';
    out[n] = '\0';
    return (size_t)n;
}

static size_t minfo_cwd(pid_t pid, char *out, size_t cap)
{
    char path[64];
    ssize_t n;
    snprintf(path, sizeof path, "/proc/%ld/cwd", (long)pid);
    n = readlink(path, out, cap - 1);
    if (n <= 0)
        return 0;
    out[n] = '\0';
    return (size_t)n;
}
#endif

/* The ring's last HF_LASTLINE_TAIL bytes, copied out (they may wrap). */
static size_t minfo_tail(const struct ring *r, uint8_t *out)
{
    uint64_t off = r->end - r->start > HF_LASTLINE_TAIL ? r->end - HF_LASTLINE_TAIL : r->start;
    size_t got = 0;
    while (off < r->end) {
        const uint8_t *p;
        size_t k = ring_peek(r, off, HF_LASTLINE_TAIL - got, &p);
        if (k == 0)
            break;
        memcpy(out + got, p, k);
        got += k;
        off += k;
    }
    return got;
}

void minfo_add_live(struct master *m, struct hf_str *out, uint64_t now)
{
    uint8_t tail[HF_LASTLINE_TAIL];
    char line[HF_LASTLINE_MAX + 1];
    uint64_t last = m->output_ms ? m->output_ms : m->started_ms;

    str_addf(out, ",\"child_pid\":%ld", (long)m->child);
    if (!m->exited && m->pty >= 0) {
        pid_t fg = tcgetpgrp(m->pty);
        if (fg > 0) {
#ifdef __linux__
            char buf[4096];
#endif
            str_addf(out, ",\"fg_pid\":%ld", (long)fg);
#ifdef __linux__
            if (minfo_cmdline(fg, buf, MINFO_CMDLINE_MAX + 1)) {
                str_adds(out, ",\"fg_command\":");
                str_add_json(out, buf);
            }
            if (minfo_cwd(fg, buf, sizeof buf)) {
                str_adds(out, ",\"cwd\":");
                str_add_json(out, buf);
            }
#endif
        }
    }
    lastline_extract(tail, minfo_tail(&m->ring, tail), line);
    str_adds(out, ",\"last_line\":");
    str_add_json(out, line);
    str_addf(out, ",\"idle_ms\":%llu,\"age_ms\":%llu",
             (unsigned long long)(now > last ? now - last : 0),
             (unsigned long long)(now > m->started_ms ? now - m->started_ms : 0));
}
