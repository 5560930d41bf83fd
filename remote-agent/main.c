/* main.c - holdfast-agent: command line and dispatch.
 *
 * `--version` prints one line, exactly:
 *     holdfast-agent <version> build <sum> protocols <list>
 * e.g. "holdfast-agent 0.1.0 build 3f2a9c0d1e4b5a6f protocols 1,2", where <sum> is the first
 * 16 hex digits of the sha256 of the agent's sources (see the Makefile) and <list> the
 * protocol versions spoken, comma-separated. Clients compare it after uploading a binary. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "proto.h"
#include "util.h"

static const char usage[] =
    "usage: " HF_PROG " COMMAND [OPTIONS]\n"
    "\n"
    "Holds shells that survive the network (one master process per session).\n"
    "\n"
    "commands:\n"
    "  new [--name NAME] [--cols C] [--rows R] [--cwd DIR] [--env K=V]...\n"
    "      [--scrollback BYTES] [--request TOKEN] [--forward-agent] [--pipes]\n"
    "      [--orphan-grace SECONDS] [--hold SECONDS] [-- COMMAND ARGS...]\n"
    "                     start a detached session (default: your login shell);\n"
    "                     --pipes: no terminal, stdin/stdout/stderr held as pipes;\n"
    "                     --orphan-grace: end the command once no client has been\n"
    "                     attached for SECONDS (default: it runs without one);\n"
    "                     --hold: keep all output until a client first attaches\n"
    "                     (at most SECONDS; the command waits a window ahead);\n"
    "                     prints its id once it is ready; with a TOKEN a live\n"
    "                     session already has, prints that session's id instead\n"
    "  ls [--json]        list sessions\n"
    "  attach ID [-e KEY] attach this terminal; Ctrl-\\ (or KEY, e.g. ^Q) detaches\n"
    "  kill ID [--signal SIG] [--wait]\n"
    "                     signal the session's command (default TERM, then HUP);\n"
    "                     --wait: until it has gone, then end the session at once\n"
    "                     unless a client is attached to collect its exit status\n"
    "  rename ID NAME     give the session another name (ls shows it; ID may be it)\n"
    "  bridge ID          relay stdin/stdout to the session's socket (for clients)\n"
    "  nc HOST PORT       connect to HOST:PORT and relay stdin/stdout with it\n"
    "                     (forwarded ports); exit 3 unresolved, 4 refused,\n"
    "                     5 unreachable, 6 timed out, 7 other, 8 broken relay\n"
    "  listen [--bind ADDR] PORT TOKEN\n"
    "                     listen on ADDR:PORT (loopback; * for all; 0: any port) for\n"
    "                     a remote forward: prints 'listening PORT', then 'conn N\n"
    "                     ADDR PORT' per connection, held 30 s for 'take'; ends at\n"
    "                     end of stdin; exit 9 port in use, 10 denied, 11 other\n"
    "  take TOKEN N       relay stdin/stdout with connection N of listener TOKEN\n"
    "                     (exit 3 no such connection, 8 broken relay)\n"
    "  --version          print version, build checksum and protocol versions\n"
    "  --help             print this help\n"
    "\n"
    "ID is a session id or a session's --name. State lives in $HOLDFAST_DIR\n"
    "(default ~/.holdfast), which must be a directory of yours with mode 0700.\n";

/* fds 0..2 always open, so no pipe or socket ever lands on them */
static void main_std_fds(void)
{
    int fd;
    while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2) {
    }
    if (fd > 2)
        close(fd);
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    main_std_fds();
    /* a session that ends while we talk to it must give an error, not kill us */
    signal(SIGPIPE, SIG_IGN);
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        int v;
        printf(HF_PROG " " HF_VERSION " build " HF_BUILD_SUM " protocols");
        for (v = HF_PROTO_MIN; v <= HF_PROTO_MAX; v++)
            printf("%c%d", v == HF_PROTO_MIN ? ' ' : ',', v);
        printf("\n");
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(cmd, "new") == 0)
        return cmd_new(argc - 2, argv + 2);
    if (strcmp(cmd, "ls") == 0 || strcmp(cmd, "list") == 0)
        return cmd_ls(argc - 2, argv + 2);
    if (strcmp(cmd, "attach") == 0)
        return cmd_attach(argc - 2, argv + 2);
    if (strcmp(cmd, "kill") == 0)
        return cmd_kill(argc - 2, argv + 2);
    if (strcmp(cmd, "rename") == 0)
        return cmd_rename(argc - 2, argv + 2);
    if (strcmp(cmd, "bridge") == 0)
        return cmd_bridge(argc - 2, argv + 2);
    if (strcmp(cmd, "nc") == 0)
        return cmd_nc(argc - 2, argv + 2);
    if (strcmp(cmd, "listen") == 0)
        return cmd_listen(argc - 2, argv + 2);
    if (strcmp(cmd, "take") == 0)
        return cmd_take(argc - 2, argv + 2);
    if (!*cmd)
        hf_die("no command given; see: " HF_PROG " --help");
    if (cmd[0] == '-')
        hf_die("unknown option '%s'; see: " HF_PROG " --help", cmd);
    hf_die("unknown command '%s'; see: " HF_PROG " --help", cmd);
    return 1;
}
