/**
 * Profiles → an ssh_config snippet: one `Host <name>` block per profile with what
 * ssh_config can say (HostName, Port, User, IdentityFile, ProxyJump, keepalives), so
 * `ssh -F snippet name` (or `holdfast -F snippet name`) reaches the same place as the
 * profile. What ssh_config has no word for (group, color, colour scheme, notes, scrollback) is left out;
 * a profile that follows an alias is already in ssh_config and appears as a comment.
 */
import { profileSshOptions } from './profileDestination';
import type { Profile } from './schema';

/** ssh_config quoting: a value with spaces (or quotes, or #) goes in double quotes. */
function quote(value: string): string {
  return /[\s"#\\]/.test(value) ? `"${value.replace(/(["\\])/g, '\\$1')}"` : value;
}

/** One Host block (or a comment for an alias profile), without a trailing blank line. */
export function profileToSshConfig(profile: Profile): string {
  if (profile.alias !== undefined) {
    return `# ${profile.name}: follows Host ${profile.alias} of your ssh_config`;
  }
  const lines = [`Host ${profile.name}`, `  HostName ${quote(profile.host ?? profile.name)}`];
  if (profile.port !== undefined) lines.push(`  Port ${profile.port}`);
  if (profile.user !== undefined) lines.push(`  User ${quote(profile.user)}`);
  if (profile.auth?.method === 'key') lines.push(`  IdentityFile ${quote(profile.auth.keyFile)}`);
  if (profile.jump !== undefined) lines.push(`  ProxyJump ${profile.jump.join(',')}`);
  for (const option of profileSshOptions(profile)) {
    const eq = option.indexOf('=');
    // Holdfast's own keyword: OpenSSH reads the snippet too, and must skip it.
    if (option.startsWith('HoldfastDir=')) lines.push('  IgnoreUnknown HoldfastDir');
    lines.push(`  ${option.slice(0, eq)} ${option.slice(eq + 1)}`);
  }
  return lines.join('\n');
}

/** The snippet for `profiles`, in their order, with a header saying where it came from. */
export function exportSshConfig(profiles: readonly Profile[]): string {
  const blocks = profiles.map(profileToSshConfig);
  return `# Exported from Holdfast profiles\n\n${blocks.join('\n\n')}\n`;
}
