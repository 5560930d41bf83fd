/* relay.h - relays stdin/stdout with a connected socket (relay.c). */
#ifndef HF_RELAY_H
#define HF_RELAY_H

/* Said on stderr, with the number of bytes written to stdout, once the socket's read side
 * ended and stdout was closed: "holdfast-agent: end of output at N". */
#define RELAY_END_MARK "end of output at"

/* Until both directions ended: 0, or -1 when the relay broke (said on stderr, naming
 * `what`, e.g. "nc: connection to db port 5432"). Closes sock. */
int relay_run(int sock, const char *what);

#endif
