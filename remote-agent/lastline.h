/* lastline.h - the last non-empty line a terminal would show, from raw PTY output: the
 * sessions list's preview of what a job is doing. Pure: bytes in, text out. */
#ifndef HF_LASTLINE_H
#define HF_LASTLINE_H

#include <stddef.h>
#include <stdint.h>

#define HF_LASTLINE_MAX 120  /* preview length in bytes: one row of a list, not a screen */
#define HF_LASTLINE_TAIL 4096 /* output scanned from the end: a few screen lines, however
                                 chatty the escape sequences around them */

/* Writes the last line of p[0..n) holding something visible into out (NUL-terminated,
 * at most HF_LASTLINE_MAX bytes plus the NUL, cut on a UTF-8 character boundary):
 * escape sequences (CSI, OSC, DCS...) and control characters removed, a carriage return
 * not followed by a line feed starts the line over (progress bars), backspace erases,
 * blanks trimmed. "" when there is none. Returns the length written. */
size_t lastline_extract(const uint8_t *p, size_t n, char *out);

#endif
