/* lastline.c - see lastline.h. A small terminal-ish state machine: enough of ECMA-48 to
 * skip what is not text, not a screen model (cursor moves are ignored). */
#include <string.h>

#include "lastline.h"

#define LL_LINE_CAP 512 /* text kept per line: more than the preview shows, so trimming
                           leading blanks still leaves a full preview */

enum { LL_TEXT, LL_ESC, LL_ESC_INTER, LL_CSI, LL_STRING, LL_STRING_ESC };

struct ll {
    int state;
    int cr;                     /* a CR was seen: the next byte decides (LF: end of line) */
    char line[LL_LINE_CAP];
    size_t len;
    char last[LL_LINE_CAP];
    size_t last_len;
};

static int ll_blank(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

static void ll_end_line(struct ll *l)
{
    if (!ll_blank(l->line, l->len)) {
        memcpy(l->last, l->line, l->len);
        l->last_len = l->len;
    }
    l->len = 0;
}

static void ll_text(struct ll *l, uint8_t b)
{
    if (l->cr) {
        l->cr = 0;
        if (b == '\n') {
            ll_end_line(l);
            return;
        }
        l->len = 0; /* CR alone: what follows overwrites the line */
    }
    if (b == '\n') {
        ll_end_line(l);
    } else if (b == '\r') {
        l->cr = 1;
    } else if (b == 0x1b) {
        l->state = LL_ESC;
    } else if (b == '\b') {
        while (l->len > 0 && ((uint8_t)l->line[l->len - 1] & 0xc0) == 0x80)
            l->len--; /* a whole UTF-8 character goes */
        if (l->len > 0)
            l->len--;
    } else if (b == '\t') {
        if (l->len < LL_LINE_CAP)
            l->line[l->len++] = ' ';
    } else if (b >= 0x20 && b != 0x7f) {
        if (l->len < LL_LINE_CAP)
            l->line[l->len++] = (char)b;
    }
}

static void ll_byte(struct ll *l, uint8_t b)
{
    switch (l->state) {
    case LL_TEXT: ll_text(l, b); break;
    case LL_ESC:
        if (b == '[')
            l->state = LL_CSI;
        else if (b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_')
            l->state = LL_STRING; /* OSC, DCS, SOS, PM, APC: up to BEL or ST */
        else if (b >= 0x20 && b <= 0x2f)
            l->state = LL_ESC_INTER; /* e.g. ESC ( B: one more byte after these */
        else
            l->state = LL_TEXT;
        break;
    case LL_ESC_INTER:
        if (b < 0x20 || b > 0x2f)
            l->state = LL_TEXT;
        break;
    case LL_CSI:
        if (b >= 0x40 && b <= 0x7e)
            l->state = LL_TEXT;
        break;
    case LL_STRING:
        if (b == 0x07)
            l->state = LL_TEXT;
        else if (b == 0x1b)
            l->state = LL_STRING_ESC;
        break;
    case LL_STRING_ESC: l->state = b == '\\' ? LL_TEXT : LL_STRING; break;
    default: l->state = LL_TEXT; break;
    }
}

size_t lastline_extract(const uint8_t *p, size_t n, char *out)
{
    struct ll l;
    const char *s;
    size_t i, len;

    memset(&l, 0, sizeof l);
    for (i = 0; i < n; i++)
        ll_byte(&l, p[i]);
    if (!ll_blank(l.line, l.len)) { /* an unfinished line (a prompt) is the last one */
        s = l.line;
        len = l.len;
    } else {
        s = l.last;
        len = l.last_len;
    }
    while (len > 0 && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len > HF_LASTLINE_MAX) {
        len = HF_LASTLINE_MAX;
        while (len > 0 && ((uint8_t)s[len] & 0xc0) == 0x80)
            len--; /* never half a character */
    }
    memcpy(out, s, len);
    out[len] = '\0';
    return len;
}
