// Where a forward listens, by ssh's rules (OpenSSH channels.c channel_fwd_bind_addr and
// ssh(1) -L/-R): pure.
//
// Local listeners (-L, -D):
//   no bind address      loopback, or every interface with GatewayPorts yes
//   "*" or ""            every interface (the user asked for it explicitly)
//   "localhost"          loopback
//   anything else        that address
// Loopback is 127.0.0.1 and ::1, as ssh binds both; the forward is up when at least one
// of them listens (a machine without IPv6 has no ::1).
//
// Remote listeners (-R) are bound by sshd: the client only says what it asked for, and the
// server's GatewayPorts decides (an address other than loopback needs
// `GatewayPorts clientspecified` there).

/** Addresses to listen on for a local forward's bind address; '' is every interface. */
export function localBindAddresses(host: string | undefined, gatewayPorts: boolean): string[] {
  if (host === undefined) return gatewayPorts ? [ANY] : LOOPBACK;
  if (host === '' || host === '*') return [ANY];
  if (host.toLowerCase() === 'localhost') return LOOPBACK;
  return [host];
}

const LOOPBACK = ['127.0.0.1', '::1'];
/** Every interface, both families where the machine has IPv6 (Node's default listen). */
export const ANY = '';

/** The bind address a -R forward sends to the server, as ssh sends it. */
export function remoteBindAddress(host: string | undefined): string {
  if (host === undefined) return 'localhost';
  if (host === '*') return '';
  return host;
}
