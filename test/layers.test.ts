import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The lint step's layer check (`.dependency-cruiser.cjs`, run by `npm run lint`): it passes on this tree, and it
 * fails on a deliberately added import cycle and on a feature importing the composition root (`src/app/`).
 */
const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'node_modules', '.bin', 'depcruise');
const RULES = path.join(ROOT, '.dependency-cruiser.cjs');

// CI may force colours (FORCE_COLOR); the assertions read the words, so the child runs without them and any
// escape sequence that still slips through is removed.
const { FORCE_COLOR: _forced, ...INHERITED_ENV } = process.env;
const NO_COLOR_ENV = { ...INHERITED_ENV, NO_COLOR: '1' };
// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

async function cruise(cwd: string, ...dirs: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout } = await run(CLI, [...dirs, '--config', RULES, '--output-type', 'err'], { cwd, env: NO_COLOR_ENV });
    return { ok: true, output: plain(stdout) };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: plain(`${e.stdout ?? ''}${e.stderr ?? ''}`) };
  }
}

describe('layers', () => {
  it('finds no cycle and no upward import in the repository', async () => {
    const result = await cruise(ROOT, 'src', 'emulator', 'bench', 'e2e', 'test', 'scripts');
    expect(result.output).toContain('no dependency violations');
    expect(result.ok).toBe(true);
  }, 60_000);

  it('fails on an import cycle and on a feature importing src/app/', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'layers-'));
    const file = async (name: string, text: string) => {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), text);
    };
    await file(
      'tsconfig.json',
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', allowImportingTsExtensions: true } }),
    );
    await file('src/app/runtime.ts', 'export const wired = true;\n');
    await file('src/customers/customers.service.ts', "import { wired } from '../app/runtime.ts';\nexport const x = wired;\n");
    await file('src/core/a.ts', "import { b } from './b.ts';\nexport const a = () => b;\n");
    await file('src/core/b.ts', "import { a } from './a.ts';\nexport const b = () => a;\n");
    const result = await cruise(dir, 'src');
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/features-not-app: src\/customers\/customers\.service\.ts → src\/app\/runtime\.ts/);
    expect(result.output).toMatch(/no-circular: src\/core\/(a|b)\.ts/);
  }, 60_000);
});
