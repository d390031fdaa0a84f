import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeRefusals, takePulseScoreRefusals } from '../emulator/audit.js';
import { alertsBench } from './alerts.bench.js';
import { backtestBench } from './backtest.bench.js';
import { emulatorBench } from './emulator.bench.js';
import { ingestBench } from './ingest.bench.js';
import { scoringBench } from './scoring.bench.js';
import { stripeSyncBench } from './stripe-sync.bench.js';
import { webhooksBench } from './webhooks.bench.js';
import type { Benchmark, BenchResult } from './types.js';
import { nodeArgs } from './node-args.js';

/** Every benchmark, by name; `npm run bench -- <name>` runs one. */
const BENCHMARKS: Benchmark[] = [emulatorBench, stripeSyncBench, webhooksBench, scoringBench, alertsBench, ingestBench, backtestBench];

function verdict(r: BenchResult): string {
  const ok = r.direction === 'max' ? r.value <= r.target : r.value >= r.target;
  return ok ? 'ok' : 'MISSED';
}

async function runInChild(name: string): Promise<BenchResult[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-result-'));
  const file = path.join(dir, 'result.json');
  const child = spawn(process.execPath, [...nodeArgs('bench/run.ts'), name], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_RESULT_FILE: file },
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`benchmark ${name} failed (exit ${code})`);
  return JSON.parse(await readFile(file, 'utf8')) as BenchResult[];
}

async function main() {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !BENCHMARKS.some((b) => b.name === w));
  if (unknown.length > 0) {
    process.stderr.write(`Unknown benchmark: ${unknown.join(', ')}. Available: ${BENCHMARKS.map((b) => b.name).join(', ')}\n`);
    process.exit(2);
  }
  const selected = wanted.length > 0 ? BENCHMARKS.filter((b) => wanted.includes(b.name)) : BENCHMARKS;
  const results: BenchResult[] = [];
  const resultFile = process.env.BENCH_RESULT_FILE;
  if (resultFile) {
    // A child run: one benchmark, results handed back through a file.
    const bench = selected[0]!;
    const benchResults = await bench.run();
    // A benchmark whose PulseScore made a request Stripe would refuse measured something that cannot happen.
    const refused = takePulseScoreRefusals();
    if (refused.length > 0) throw new Error(`the Stripe emulator refused PulseScore requests:\n${describeRefusals(refused)}`);
    await writeFile(resultFile, JSON.stringify(benchResults));
    return;
  }
  for (const bench of selected) {
    process.stdout.write(`▶ ${bench.name}: ${bench.description}\n`);
    // Each benchmark in a process of its own, so that one's memory (or JIT state) never counts against another.
    results.push(...(await runInChild(bench.name)));
  }
  const rows = results.map((r) => [
    r.name,
    `${r.value} ${r.unit}`,
    `${r.direction === 'max' ? '≤' : '≥'} ${r.target} ${r.unit}`,
    verdict(r),
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[['benchmark', 'value', 'target', ''], ...rows].map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  process.stdout.write(
    `\n${line(['benchmark', 'value', 'target', ''])}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`,
  );
  await writeFile('bench-results.json', `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write('\nWrote bench-results.json\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
