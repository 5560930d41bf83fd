// How a connection carried by the resumable carrier (resumableCarrier.ts) looks as a
// session on the server, and how a session list tells one apart: it is a pipes session
// named `forward ... #tag` running `holdfast-agent nc HOST PORT` (-L, -D), or a remote
// forward's `holdfast-agent listen ...` or `take ...` (-R). Not a shell: a
// list of the user's sessions leaves it out (attaching to one would type into someone's
// database connection), and it lives only while its forward does.

/** Words of a carried session's name before the target. */
const NAME_PREFIX = 'forward ';

/** The session name for a connection to `target` (`host:port`); `tag` tells apart several. */
export function carriedSessionName(target: string, tag: string): string {
  return `${NAME_PREFIX}${target} #${tag}`;
}

/** Whether a listed session is a forwarded connection rather than a user's session. */
export function isCarriedSession(s: { name: string; command: string; pipes?: boolean }): boolean {
  return (
    s.pipes === true &&
    s.name.startsWith(NAME_PREFIX) &&
    /(^|\/)holdfast-agent (nc \S+ \d+|listen --bind \S+ \d+ \S+|take \S+ \d+)$/.test(s.command)
  );
}
