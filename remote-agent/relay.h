/* relay.h - relays stdin/stdout with a connected socket (relay.c). */
#ifndef HF_RELAY_H
#define HF_RELAY_H

/* Until both directions ended: 0, or -1 when the relay broke (said on stderr, naming
 * `what`, e.g. "nc: connection to db port 5432"). Closes sock. */
int relay_run(int sock, const char *what);

#endif
