/** The SSH layer of the engine: resolve a destination, dial it, verify, authenticate. */
export { connectBudget, dial, DIAL_DEFAULTS, type Client, type DialOptions } from './dial';
export {
  resolveHost,
  resolveJumpChain,
  displayPath,
  HOLDFAST_DEFAULTS,
  type ResolveHostInput,
  type ResolvedHost,
  type StrictHostKeyChecking,
  type AuthMethodName,
} from './config';
export { CredentialCache, type CredentialKey } from './credentials';
export { sessionEnvironment } from './environment';
export { connectionKey, SHARING, type SharingDecision } from './connectionKey';
export { createAuthSession, type AuthSession, type AuthOptions } from './auth';
export {
  createHostVerifier,
  type HostVerification,
  type HostVerifierOptions,
} from './hostVerifier';
export {
  decideHostKey,
  hostKeyIdentity,
  type HostKeyDecision,
  type PresentedKey,
} from './hostKeyPolicy';
export { checkHostKey, addHostKey, knownKeyTypes } from './knownHosts';
export {
  parseKnownHosts,
  knownHostsName,
  hashHostName,
  type HostKeyCheck,
  type KnownHostsNote,
} from './knownHostsParse';
export { fingerprint, keyTypeOfBlob } from './fingerprint';
export { parseDestination, parseJumpHop, type Destination } from './destination';
export {
  classifyError,
  configError,
  type AuthAttempt,
  type ConfigError,
  type DialError,
  type DialErrorKind,
  type KnownKeyRef,
} from './errors';
export { ok, fail, type Result } from './result';
