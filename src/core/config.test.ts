import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseEnv } from './config.js';

describe('configuration', () => {
  it('uses the documented defaults', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cfg-'));
    const config = await loadConfig({ DATA_DIR: dir });
    expect(config.port).toBe(3000);
    expect(config.appUrl).toBe('http://localhost:3000');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.stripe.demoMode).toBe(true);
    expect(config.encryptionKey).toHaveLength(32);
  });

  it('keeps generated development secrets between runs', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cfg-'));
    const a = await loadConfig({ DATA_DIR: dir });
    const b = await loadConfig({ DATA_DIR: dir });
    expect(b.sessionSecret).toBe(a.sessionSecret);
    expect(b.encryptionKey.equals(a.encryptionKey)).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ APP_URL: 'not a url' }, 'APP_URL'],
    [{ DATABASE_URL: '::' }, 'DATABASE_URL'],
    [{ ENCRYPTION_KEY: 'too-short' }, 'ENCRYPTION_KEY'],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('names the variable with a bad value: %o', (env, name) => {
    expect(() => parseEnv(env)).toThrow(ConfigError);
    expect(() => parseEnv(env)).toThrow(new RegExp(`${name}:`));
  });

  it('refuses to run in production without ENCRYPTION_KEY and SESSION_SECRET', () => {
    expect(() => parseEnv({ NODE_ENV: 'production' })).toThrow(/ENCRYPTION_KEY: required[\s\S]*SESSION_SECRET: required/);
    expect(() => parseEnv({ NODE_ENV: 'production', ENCRYPTION_KEY: 'ab'.repeat(32) })).toThrow(/SESSION_SECRET/);
    expect(parseEnv({ NODE_ENV: 'production', ENCRYPTION_KEY: 'ab'.repeat(32), SESSION_SECRET: 's'.repeat(32) }).NODE_ENV).toBe(
      'production',
    );
  });

  it('accepts the encryption key as hex or base64', () => {
    expect(() => parseEnv({ ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') })).not.toThrow();
    expect(() => parseEnv({ ENCRYPTION_KEY: 'ab'.repeat(32) })).not.toThrow();
  });
});
