/* attach.c - `attach ID [-e KEY]`: the agent's own terminal client (dtach/abduco style).
 *
 * Raw mode while attached (restored on every way out), the screen redrawn on attach
 * (ATTACH REDRAW|FROM_END), the window size following the terminal, and a detach key
 * (Ctrl-\ unless -e picks another). On every way out the terminal modes a program in the
 * session may have switched on are switched off again, as tmux and abduco do: else the
 * user's shell is left with mouse reports as input, a hidden cursor, or the wrong screen. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "client.h"
#include "cmd.h"
#include "opts.h"
#include "statedir.h"
#include "util.h"

#define ATTACH_DEFAULT_KEY 0x1c /* Ctrl-\ */

/* Scroll region (between save and restore cursor: setting it homes the cursor), text
 * attributes and character set, cursor shown, autowrap, normal cursor keys and keypad,
 * mouse tracking and its encodings, focus reporting, bracketed paste. Each is harmless
 * when already off. */
static const char ATTACH_RESET[] = "\0337\033[r\0338\033(B\033[m\033[?25h\033[?7h\033[?1l\033>"
                                   "\033[?1000l\033[?1002l\033[?1003l\033[?1005l\033[?1006l"
                                   "\033[?1015l\033[?1004l\033[?2004l";

static struct termios g_saved;
static int g_raw;
static int g_sig_w = -1;
static uint64_t g_shown;               /* output before it is written to the terminal */

/* Version 3: output shown and not yet said (bytes) before a SHOWN goes out. A frame per
 * read would cost a frame per 4 KiB; an eighth of the session's window keeps it flowing. */
#define ATTACH_SHOWN_BATCH (HF_SHOWN_WINDOW / 8)

/* Whether the output put the terminal on the alternate screen (private modes 47, 1047,
 * 1049), followed through CSI ? Pn;...h/l split anywhere across OUTPUT frames. Leaving it
 * with 1049 also restores the cursor saved on entry: the way out is told to leave only a
 * screen it entered, by the mode that entered it, else the cursor jumps to a stale place. */
static struct {
    int state;      /* 0 text, 1 after ESC, 2 after ESC [, 3 in ESC [ ? parameters */
    unsigned param;
    unsigned named; /* an alternate screen mode among this sequence's parameters, or 0 */
    unsigned on;    /* the mode that entered the alternate screen, 0 when not on it */
} g_alt;

static void attach_track_alt(const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char ch = p[i];
        if (ch == 0x1b) {
            g_alt.state = 1;
        } else if (g_alt.state == 1) {
            if (ch == 'c')
                g_alt.on = 0; /* RIS: full reset */
            g_alt.state = ch == '[' ? 2 : 0;
        } else if (g_alt.state == 2) {
            g_alt.state = ch == '?' ? 3 : 0;
            g_alt.param = 0;
            g_alt.named = 0;
        } else if (g_alt.state == 3 && ch >= '0' && ch <= '9') {
            if (g_alt.param < 100000)
                g_alt.param = g_alt.param * 10 + (unsigned)(ch - '0');
        } else if (g_alt.state == 3) {
            if (g_alt.param == 47 || g_alt.param == 1047 || g_alt.param == 1049)
                g_alt.named = g_alt.param;
            g_alt.param = 0;
            if (ch == ';')
                continue;
            if (g_alt.named && (ch == 'h' || ch == 'l'))
                g_alt.on = ch == 'h' ? g_alt.named : 0;
            g_alt.state = 0;
        }
    }
}

static void attach_restore(void)
{
    if (g_raw) {
        if (g_alt.on) {
            char leave[16];
            int n = snprintf(leave, sizeof leave, "\033[?%ul", g_alt.on);
            hf_write_all(1, leave, (size_t)n);
        }
        hf_write_all(1, ATTACH_RESET, sizeof ATTACH_RESET - 1);
        tcsetattr(0, TCSADRAIN, &g_saved);
        g_raw = 0;
    }
}

static void attach_on_signal(int sig)
{
    char c = (char)sig;
    int saved = errno;
    if (write(g_sig_w, &c, 1) < 0) {
        /* a wakeup is already pending */
    }
    errno = saved;
}

static void attach_raw(void)
{
    struct termios t;
    if (tcgetattr(0, &g_saved) < 0)
        hf_die("cannot read the terminal settings: %s; run attach from a terminal",
               strerror(errno));
    t = g_saved;
    t.c_iflag &= (tcflag_t) ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag &= (tcflag_t)~OPOST;
    t.c_lflag &= (tcflag_t) ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= (tcflag_t) ~(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    g_raw = 1;
    atexit(attach_restore);
    tcsetattr(0, TCSADRAIN, &t);
}

/* "^X", "^?", "^\" or a single character. */
static int attach_parse_key(const char *s)
{
    if (s[0] == '^' && s[1] && !s[2]) {
        if (s[1] == '?')
            return 0x7f;
        return s[1] & 0x1f;
    }
    if (s[0] && !s[1])
        return (unsigned char)s[0];
    hf_die("-e takes a key like ^X or ^] (got '%s'); e.g. " HF_PROG " attach ID -e ^Q", s);
    return 0;
}

static void attach_send(struct cli_conn *c, struct hf_msg *m, const char *id)
{
    if (cli_send(c, m) < 0) {
        attach_restore();
        hf_die("lost the connection to session %s: %s; reattach with: " HF_PROG " attach %s", id,
               strerror(errno), id);
    }
}

static void attach_resize(struct cli_conn *c, const char *id)
{
    struct winsize ws;
    struct hf_msg m;
    if (ioctl(0, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0 || ws.ws_row == 0)
        return;
    memset(&m, 0, sizeof m);
    m.type = MSG_RESIZE;
    m.cols = ws.ws_col > HF_MAX_WINSIZE ? HF_MAX_WINSIZE : ws.ws_col;
    m.rows = ws.ws_row > HF_MAX_WINSIZE ? HF_MAX_WINSIZE : ws.ws_row;
    attach_send(c, &m, id);
}

/* Handles one frame from the session; returns only while still attached. */
static void attach_frame(const struct hf_msg *m, const char *id)
{
    char note[128];
    int n;
    switch (m->type) {
    case MSG_OUTPUT:
        if (hf_write_all(1, m->data, m->data_len) < 0) {
            attach_restore();
            exit(1);
        }
        attach_track_alt(m->data, m->data_len);
        g_shown = m->offset + m->data_len;
        break;
    case MSG_GAP:
        n = snprintf(note, sizeof note, "\r\n[holdfast: %llu bytes of output skipped]\r\n",
                     (unsigned long long)(m->to - m->from));
        hf_write_all(1, note, (size_t)n);
        g_shown = m->to;
        break;
    case MSG_EXIT:
        attach_restore();
        printf("\n[session %s exited with status %d]\n", id, (int)m->status);
        fflush(stdout);
        exit(m->status & 0xff);
    case MSG_ERROR:
        attach_restore();
        hf_die("session %s ended the attach: %.*s; check it with: " HF_PROG " ls", id,
               (int)m->data_len, (const char *)m->data);
        break;
    default: break; /* ACK, PONG */
    }
}

static void attach_loop(struct cli_conn *c, const char *id, int key)
{
    struct hf_msg m;
    uint64_t seq = 0, keepalive_at = 0, shown_said = 0;
    int sp[2];
    struct sigaction sa;

    if (pipe(sp) < 0)
        hf_die("cannot create a pipe: %s; too many open files?", strerror(errno));
    hf_set_nonblock(sp[0], 1);
    hf_set_nonblock(sp[1], 1);
    g_sig_w = sp[1];
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = attach_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGWINCH, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    for (;;) {
        struct pollfd p[3];
        uint64_t now = hf_now_ms();
        int k;
        if (c->version >= 2 && now >= keepalive_at) {
            /* a sign of life: the session waits for us while we are slow to read */
            memset(&m, 0, sizeof m);
            m.type = MSG_KEEPALIVE;
            attach_send(c, &m, id);
            keepalive_at = now + HF_KEEPALIVE_MS;
        }
        p[0].fd = 0;
        p[0].events = POLLIN;
        p[1].fd = c->fd;
        p[1].events = POLLIN;
        p[2].fd = sp[0];
        p[2].events = POLLIN;
        k = poll(p, 3, c->version >= 2 ? (int)(keepalive_at - now) : -1);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            attach_restore();
            hf_die("poll failed: %s; reattach with: " HF_PROG " attach %s", strerror(errno), id);
        }
        if (p[2].revents) {
            char sigs[32];
            ssize_t k = read(sp[0], sigs, sizeof sigs), j;
            for (j = 0; j < k; j++) {
                if (sigs[j] == SIGWINCH) {
                    attach_resize(c, id);
                } else {
                    attach_restore();
                    printf("\n[detached from session %s]\n", id);
                    exit(0);
                }
            }
        }
        if (p[0].revents) {
            unsigned char buf[4096];
            ssize_t k = read(0, buf, sizeof buf);
            unsigned char *cut;
            size_t len;
            if (k <= 0) {
                attach_restore();
                printf("\n[detached from session %s]\n", id);
                exit(0);
            }
            cut = memchr(buf, key, (size_t)k);
            len = cut ? (size_t)(cut - buf) : (size_t)k;
            if (len > 0) {
                memset(&m, 0, sizeof m);
                m.type = MSG_INPUT;
                m.seq = ++seq;
                m.data = buf;
                m.data_len = len;
                attach_send(c, &m, id);
            }
            if (cut) {
                memset(&m, 0, sizeof m);
                m.type = MSG_DETACH;
                attach_send(c, &m, id);
                attach_restore();
                printf("\n[detached from session %s]\n", id);
                exit(0);
            }
        }
        if (p[1].revents) {
            int r = cli_fill(c);
            if (r <= 0 && !(r < 0 && errno == EAGAIN))
                break;
            while ((r = cli_parse(c, &m)) == 1)
                attach_frame(&m, id);
            if (r < 0)
                break;
            if (c->version >= 3 && g_shown - shown_said >= ATTACH_SHOWN_BATCH) {
                /* written to the terminal (blocking): the session may read that much more */
                memset(&m, 0, sizeof m);
                m.type = MSG_SHOWN;
                m.offset = shown_said = g_shown;
                attach_send(c, &m, id);
            }
        }
    }
    attach_restore();
    hf_die("lost the connection to session %s; reattach with: " HF_PROG " attach %s", id, id);
}

int cmd_attach(int argc, char **argv)
{
    struct hf_state st;
    struct cli_conn c;
    struct hf_msg m;
    const char *arg = NULL;
    char id[HF_ID_MAX + 1], err[512];
    int i, key = ATTACH_DEFAULT_KEY, r;

    for (i = 0; i < argc; i++) {
        const char *v;
        if ((v = opt_value(argc, argv, &i, "-e")))
            key = attach_parse_key(v);
        else if (argv[i][0] == '-' || arg)
            opt_unknown("attach", argv[i]);
        else
            arg = argv[i];
    }
    if (!arg)
        hf_die("attach needs a session id; e.g. " HF_PROG " attach ID (see: " HF_PROG " ls)");
    if (!isatty(0) || !isatty(1))
        hf_die("attach needs a terminal, but %s is not a TTY; run it from a terminal, or "
               "use '" HF_PROG " bridge ID' from programs",
               isatty(0) ? "stdout" : "stdin");
    statedir_enter(&st);
    statedir_resolve(arg, id);
    if (cli_open(&c, id, err, sizeof err) < 0 || cli_hello(&c, err, sizeof err) < 0)
        hf_die("%s", err);
    memset(&m, 0, sizeof m);
    m.type = c.version >= 2 ? MSG_ATTACH_V2 : MSG_ATTACH;
    if (hf_random(m.client_id, sizeof m.client_id) < 0)
        hf_die("cannot read /dev/urandom: %s; check that /dev is mounted", strerror(errno));
    m.flags = HF_ATTACH_REDRAW | HF_ATTACH_FROM_END;
    attach_send(&c, &m, id);
    attach_resize(&c, id);
    r = cli_recv(&c, &m, 5000);
    if (r == 1 && m.type == MSG_ERROR)
        hf_die("session %s refused the attach: %.*s; check it with: " HF_PROG " ls", id,
               (int)m.data_len, (const char *)m.data);
    if (r != 1 || m.type != MSG_ATTACHED)
        hf_die("session %s did not accept the attach; its master may be hung", id);
    attach_raw();
    hf_set_nonblock(c.fd, 1);
    /* frames that arrived with ATTACHED */
    while ((r = cli_parse(&c, &m)) == 1)
        attach_frame(&m, id);
    attach_loop(&c, id, key);
    return 1;
}
