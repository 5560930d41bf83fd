// The stored settings of the app: the local echo setting is read back as saved, and a
// missing or broken value falls back to the default (auto: predict on a slow link).

import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../renderer/src/state/settings';

function storageWith(value: unknown): Storage {
  const text = JSON.stringify(value);
  return { getItem: () => text } as unknown as Storage;
}

describe('settings: local echo', () => {
  it('defaults to auto', () => {
    expect(loadSettings(undefined).predictEcho).toBe('auto');
  });

  it('keeps a saved choice', () => {
    expect(loadSettings(storageWith({ predictEcho: 'never' })).predictEcho).toBe('never');
    expect(loadSettings(storageWith({ predictEcho: 'always' })).predictEcho).toBe('always');
  });

  it('falls back to auto for a value it does not know', () => {
    expect(loadSettings(storageWith({ predictEcho: 'sometimes' })).predictEcho).toBe('auto');
  });
});
