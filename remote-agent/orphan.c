/* orphan.c - the orphan grace of a session started with `new --orphan-grace SECONDS`
 * (PROTOCOL.md "Exit and grace").
 *
 * A session normally never ends for lack of a client (DESIGN.md invariant 3): a build or
 * a `pg_dump > file` keeps running while the laptop sleeps. A forwarded connection is not
 * such a job: its `nc` serves one client socket on the laptop, and once that client is
 * gone for good (the app crashed, the laptop never came back) the nc would hold its
 * target's connection for ever. The client that starts such a session gives it a grace:
 * once no live client has been attached for that long, the command gets TERM and HUP,
 * KILL ORPHAN_KILL_MS later if it is still there, and the master ends without keeping the
 * status (nobody came for it in the whole grace; nobody will). An attached client whose
 * link went silent is not live (mclient_is_live), so a half-open link that sshd keeps
 * open does not hold the command for ever either. */
#include <signal.h>
#include <syslog.h>

#include "master.h"

#define ORPHAN_KILL_MS 3000 /* after TERM: what `kill --wait` gives a command to clean up */

static void orphan_wake(uint64_t *wake, uint64_t at)
{
    if (at < *wake)
        *wake = at;
}

/* When the last live attached client stops counting as live; 0 when none is live now. */
static uint64_t orphan_live_until(const struct master *m, uint64_t now)
{
    uint64_t until = 0;
    int i;
    for (i = 0; i < m->nclients; i++) {
        const struct client *c = m->clients[i];
        if (!c || c->state != CL_ATTACHED || !mclient_is_live(m, c, now))
            continue;
        if (mclient_live_until(c) > until)
            until = mclient_live_until(c);
    }
    return until;
}

int orphan_check(struct master *m, uint64_t now, uint64_t *wake)
{
    uint64_t live, deadline;
    if (!m->orphan_grace_ms || m->exited)
        return 0;
    if (m->orphan_kill_at) {
        if (now < m->orphan_kill_at) {
            orphan_wake(wake, m->orphan_kill_at);
            return 0;
        }
        if (!m->child_done) /* it ignored TERM: the group goes, then the master */
            pty_signal(m, SIGKILL);
        return 1;
    }
    live = orphan_live_until(m, now);
    if (live) {
        m->orphan_since = 0;
        orphan_wake(wake, live);
        return 0;
    }
    if (!m->orphan_since)
        m->orphan_since = now;
    deadline = m->orphan_since + m->orphan_grace_ms;
    if (now < deadline) {
        orphan_wake(wake, deadline);
        return 0;
    }
    syslog(LOG_USER | LOG_INFO,
           HF_PROG ": session %s (master pid %ld): no client for %lu s (--orphan-grace); "
                   "ending its command",
           m->id, (long)m->pid, (unsigned long)(m->orphan_grace_ms / 1000));
    pty_signal(m, SIGTERM);
    pty_signal(m, SIGHUP);
    m->orphan_kill_at = now + ORPHAN_KILL_MS;
    orphan_wake(wake, m->orphan_kill_at);
    return 0;
}

int orphan_ended(const struct master *m)
{
    return m->orphan_kill_at != 0;
}
