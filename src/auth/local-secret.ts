import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type TokenSettings } from './tokens.js';

/**
 * The secret a gateway without AUTH_JWT_SECRET or AUTH_JWKS_URL signs and verifies its tokens with:
 * made once, readable by its owner only, and kept in the data folder so that `lakegate token` and
 * later runs use the same one.
 */
export function localSecret(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(file), { recursive: true });
  try {
    writeFileSync(file, `${randomBytes(48).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    // another process made it first: use theirs
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}

/** The configured token settings, with the local secret read (or made) when none is configured. */
export function resolveTokenSettings(auth: TokenSettings & { localSecretFile?: string }): TokenSettings {
  const { localSecretFile, ...settings } = auth;
  return localSecretFile ? { ...settings, secret: localSecret(localSecretFile) } : settings;
}
