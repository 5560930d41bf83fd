// The contract runs in the renderer (a browser) and in Node, so it may use only what both
// give it. Its room compiles with neither the DOM lib nor Node's types; these are the few
// globals it uses, each present in both.

declare class URL {
  constructor(url: string, base?: string);
  readonly protocol: string;
  readonly hostname: string;
}

declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

declare const console: { error(...data: unknown[]): void };
