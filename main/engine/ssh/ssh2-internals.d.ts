// ssh2's packet sender, which its public API does not export (pipelined.ts sends an
// SSH_MSG_IGNORE with it).
declare module 'ssh2/lib/protocol/utils.js' {
  const utils: { sendPacket(proto: unknown, packet: Buffer, bypass?: boolean): void };
  export default utils;
}
