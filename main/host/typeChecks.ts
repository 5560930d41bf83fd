// Compile-time proof that the contract's schemas describe the engine's own types: the
// contract cannot import main/engine (the renderer compiles it), so it mirrors them, and
// this file fails `tsc` the day either side changes alone. No runtime code.

import type * as Api from '../contract/api';
import type * as Engine from '../engine/types';
import type * as Prompts from '../engine/prompts';

/** Compiles only when A and B are assignable both ways. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

export type Checks = [
  Assert<Same<Api.TabState, Engine.TabState>>,
  Assert<Same<Api.SessionInfo, Engine.SessionInfo>>,
  Assert<Same<Api.PromptRequest, Prompts.PromptRequest>>,
  Assert<Same<Api.PromptAnswer, Prompts.PromptAnswer>>,
  Assert<Same<Api.ResumeSnapshot, Engine.ResumeSnapshot>>,
  Assert<Same<Api.SignalName, Parameters<Engine.Tab['signal']>[0]>>,
  // Every field the UI may set is one the engine takes.
  Assert<Api.Destination extends Partial<Engine.Destination> ? true : false>,
];
