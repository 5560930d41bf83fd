/* statedir.h - the state directory ($HOLDFAST_DIR, default ~/.holdfast), its checks, and
 * the per-session files inside sessions/: <id>.sock and <id>.meta.
 *
 * After statedir_enter() the process's working directory is the sessions directory, and
 * every session file is named relative to it: socket paths stay short however deep the
 * home directory is (sun_path holds about 100 bytes). */
#ifndef HF_STATEDIR_H
#define HF_STATEDIR_H

#include <sys/types.h>

#include "util.h"

struct hf_state {
    char *base;     /* $HOLDFAST_DIR as given (or ~/.holdfast), for messages */
    char *sessions; /* base/sessions */
};

/* Session metadata, written once by the master when the session is ready. */
struct hf_meta {
    char id[40];
    char name[80];      /* "" when none */
    char command[4096]; /* display form: argv joined by spaces */
    char created[32];   /* ISO-8601 UTC */
    long pid;           /* master */
    long child;         /* the command (process group leader) */
    char request[HF_REQUEST_MAX + 1]; /* `new --request` token; "" when none */
};

/* The directories entered last (kept reachable for the process's lifetime). */
extern struct hf_state statedir_current;

/* Creates (0700) and checks the directories, then chdir()s into sessions/. On any problem
 * prints a one-line message with the fix and exits non-zero. */
void statedir_enter(struct hf_state *st);

/* Checks one directory: owned by us, mode 0700. Returns NULL or a malloc'd message. */
char *statedir_problem(const char *path);

/* Writes <id>.meta atomically (temp file + rename). 0, or an errno value. */
int meta_write(const struct hf_meta *m);
/* Reads <id>.meta. 0, or -1. */
int meta_read(const char *id, struct hf_meta *m);

/* Removes the session's socket and metadata. */
void statedir_remove(const char *id);

/* Connects to <id>.sock (blocking). Returns the fd, or -1 with errno. */
int statedir_connect(const char *id);

/* Turns a command-line ID (an id, or a unique --name) into an id. Dies with a message
 * when there is no such session. */
void statedir_resolve(const char *arg, char *id_out);

/* Lists ids having a socket, newest scan order; returns the count (ids malloc'd). */
int statedir_list(char ***ids);

#endif
