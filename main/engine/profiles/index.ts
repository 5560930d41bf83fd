// Saved host profiles: what the app, the CLI and the tests use of main/engine/profiles.
export { ProfileStore, findProfile, type LoadOutcome, type ProfileStoreOptions } from './store';
export {
  PROFILES_FORMAT_VERSION,
  PROFILE_LIMITS,
  ProfileSchema,
  ProfileInputSchema,
  type Profile,
  type ProfileAuth,
  type ProfileInput,
} from './schema';
export type { BrokenFileNotice, FieldError, ProfilesError } from './errors';
export { configDir, profilesFile, PROFILES_FILE } from './paths';
export {
  NoKeychainSecretStore,
  secretKeyFor,
  type SecretStore,
  type SecretStoreAvailability,
} from './secrets';
export {
  mergeWithProfile,
  profileSession,
  profileSshOptions,
  profileToDestination,
  resolveProfileDestination,
  type ProfileResolution,
  type ProfileSession,
  type ProfileSource,
} from './profileDestination';
export { exportSshConfig, profileToSshConfig } from './sshConfigExport';
export { planImport, readSshConfigHosts, type ImportReport } from './sshConfigImport';
export { validateProfileInput, type KeyFileCheck } from './validateInput';
