/* test_lastline.c - the sessions list's preview: the last visible line of raw output. */
#include <string.h>

#include "lastline.h"
#include "test.h"

static int last_is(const char *raw, const char *want)
{
    char out[HF_LASTLINE_MAX + 1];
    lastline_extract((const uint8_t *)raw, strlen(raw), out);
    if (strcmp(out, want) != 0) {
        fprintf(stderr, "lastline: got \"%s\", want \"%s\"\n", out, want);
        return 0;
    }
    return 1;
}

void test_lastline(void)
{
    char longline[400], want[HF_LASTLINE_MAX + 1];
    size_t i;

    CHECK(last_is("", ""));
    CHECK(last_is("one\r\ntwo\r\n", "two"));
    CHECK(last_is("marker-123\r\n\r\n   \r\n", "marker-123"));
    /* an unfinished line (a prompt) counts */
    CHECK(last_is("done\r\n\x1b]0;user@host: ~\x07\x1b[01;32muser@host\x1b[00m:~$ ",
                  "user@host:~$"));
    /* colours, cursor keys, charset switches, bracketed paste: all skipped */
    CHECK(last_is("\x1b[1m\x1b[31merror\x1b[0m: bad \x1b(Bthing\x1b[?2004h\r\n", "error: bad thing"));
    /* OSC ended by ST, DCS */
    CHECK(last_is("a\x1b]133;A\x1b\\b\x1bPq#0\x1b\\c\r\n", "abc"));
    /* progress bars: CR alone starts the line over */
    CHECK(last_is(" 10%\r 50%\r100% done\r\n", "100% done"));
    CHECK(last_is("abx\bc\r\n", "abc"));
    CHECK(last_is("caf\xc3\xa9\b\bx\r\n", "cax"));
    CHECK(last_is("\tindented\t\r\n", "indented"));
    /* capped, never cutting a UTF-8 character in half */
    for (i = 0; i < 150; i++)
        memcpy(longline + 2 * i, "\xc3\xa9", 2); /* e-acute: 2 bytes, 120 = 60 of them */
    longline[300] = '\0';
    memcpy(want, longline, HF_LASTLINE_MAX);
    want[HF_LASTLINE_MAX] = '\0';
    CHECK(last_is(longline, want));
    memmove(longline + 1, longline, 301); /* shifted by one: the cap falls mid-character */
    longline[0] = 'x';
    memcpy(want, longline, HF_LASTLINE_MAX - 1);
    want[HF_LASTLINE_MAX - 1] = '\0';
    CHECK(last_is(longline, want));
}
