import { readFile } from 'node:fs/promises';
import { Emulator, type EmulatorOptions } from './emulator.js';
import { generateScenario } from './scenario/generate.js';
import { type LoadSummary, loadScenario } from './scenario/load.js';
import { parseScenario, ScenarioError } from './scenario/schema.js';

export { Emulator } from './emulator.js';
export type { EmulatorOptions, PlatformConfig, RealismConfig } from './emulator.js';
export { generateScenario, HISTORY_PERSONAS, PERSONAS } from './scenario/generate.js';
export { parseScenario, ScenarioError } from './scenario/schema.js';
export { signPayload } from './webhooks.js';

export interface StartOptions extends EmulatorOptions {
  port?: number;
  host?: string;
  /** Generate a business with this many customers… */
  customers?: number;
  /** …in live mode, with this share of customers holding a second (add-on) subscription, and 18 months of churn (`long`). */
  generate?: { livemode?: boolean; addOnRate?: number; history?: 'recent' | 'long' };
  /** …or load this scenario file (JSON). */
  scenarioFile?: string;
  /** …or this scenario object. */
  scenario?: unknown;
  /** Restore a state file saved earlier. */
  stateFile?: string;
}

export interface RunningEmulator {
  emulator: Emulator;
  url: string;
  port: number;
  loaded: LoadSummary | null;
  close(): Promise<void>;
}

/** Starts an emulator on a port (0 = any free one) with a generated business, a scenario or a saved state. */
export async function startEmulator(options: StartOptions = {}): Promise<RunningEmulator> {
  const emulator = new Emulator(options);
  let loaded: LoadSummary | null = null;
  if (options.stateFile) {
    await emulator.loadFrom(options.stateFile);
  } else if (options.scenarioFile || options.scenario) {
    let raw: unknown = options.scenario;
    if (options.scenarioFile) {
      try {
        raw = JSON.parse(await readFile(options.scenarioFile, 'utf8'));
      } catch (err) {
        throw new ScenarioError(`Cannot read scenario ${options.scenarioFile}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    loaded = loadScenario(emulator, parseScenario(raw, emulator.now()));
  } else if (options.customers !== undefined && options.customers > 0) {
    loaded = loadScenario(
      emulator,
      parseScenario(generateScenario({ customers: options.customers, seed: options.seed ?? 42, ...options.generate }), emulator.now()),
    );
  }
  const { url, port } = await emulator.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return { emulator, url, port, loaded, close: () => emulator.close() };
}
