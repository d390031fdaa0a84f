import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { generateScenario, ScenarioError, startEmulator } from './index.js';

const HELP = `PulseScore Stripe emulator

Usage: npm run emulator -- [options]

  --port N               port to listen on (default 12111; 0 = any free port)
  --host H               interface (default 127.0.0.1)
  --customers N          generate a business with N customers (default 500)
  --seed S               generator seed (default 42): the same seed gives the same business
  --live                 generate a live-mode business (rate limit 100/s instead of 25/s)
  --add-on-rate R        share of billed customers with a second, add-on subscription (0–1)
  --history recent|long  long: 18 months of history with voluntary and involuntary churn (the demo's business)
  --scenario FILE        load a scenario file instead of generating one (see emulator/README.md)
  --write-scenario FILE  write the generated scenario (with each customer's persona) and exit
  --state FILE           load state saved earlier; with --save, save it there on exit
  --save                 save the state to --state FILE on exit
  --client-id ID         platform OAuth client id
  --secret-key KEY       platform secret key (sk_test_… or sk_live_…)
  --webhook-secret S     signing secret for Connect webhooks sent to --webhook-url
  --webhook-url URL      the platform's Connect webhook endpoint
  --redirect-uri URL     registered OAuth redirect URI (repeatable)
  --rate-limit-live N    requests per second per live account (default 100)
  --rate-limit-test N    requests per second per test account (default 25)
  --no-rate-limit        turn rate limiting off
  --error-rate R         share of API requests answered 500 (0–1)
  --latency MS           added latency per API request
  --out-of-order MS      deliver webhooks up to MS late, so they arrive out of order
  --duplicates           deliver every webhook twice
`;

function number(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new ScenarioError(`--${name} must be a number between ${min} and ${max}`);
  return n;
}

async function main() {
  const { values } = parseArgs({
    options: {
      help: { type: 'boolean' },
      port: { type: 'string' },
      host: { type: 'string' },
      customers: { type: 'string' },
      seed: { type: 'string' },
      live: { type: 'boolean' },
      'add-on-rate': { type: 'string' },
      history: { type: 'string' },
      scenario: { type: 'string' },
      'write-scenario': { type: 'string' },
      state: { type: 'string' },
      save: { type: 'boolean' },
      'client-id': { type: 'string' },
      'secret-key': { type: 'string' },
      'webhook-secret': { type: 'string' },
      'webhook-url': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'rate-limit-live': { type: 'string' },
      'rate-limit-test': { type: 'string' },
      'no-rate-limit': { type: 'boolean' },
      'error-rate': { type: 'string' },
      latency: { type: 'string' },
      'out-of-order': { type: 'string' },
      duplicates: { type: 'boolean' },
    },
  });
  if (values.help) return void process.stdout.write(HELP);
  const customers = number('customers', values.customers, 0, 1_000_000) ?? 500;
  const seed = number('seed', values.seed, 0, 2 ** 31) ?? 42;
  if (values.history !== undefined && values.history !== 'recent' && values.history !== 'long')
    throw new Error(`--history must be "recent" or "long", not "${values.history}"`);
  const history = values.history as 'recent' | 'long' | undefined;
  if (values['write-scenario']) {
    await writeFile(
      values['write-scenario'],
      JSON.stringify(
        generateScenario({
          customers,
          seed,
          livemode: values.live,
          addOnRate: number('add-on-rate', values['add-on-rate'], 0, 1),
          history,
        }),
        null,
        2,
      ),
    );
    process.stdout.write(`Wrote a scenario with ${customers} customers (seed ${seed}) to ${values['write-scenario']}\n`);
    return;
  }
  const started = performance.now();
  const running = await startEmulator({
    port: number('port', values.port, 0, 65535) ?? 12111,
    host: values.host,
    seed,
    customers: values.scenario || (values.state && existsSync(values.state)) ? undefined : customers,
    generate: { livemode: values.live ?? false, addOnRate: number('add-on-rate', values['add-on-rate'], 0, 1) ?? 0, history },
    scenarioFile: values.scenario,
    stateFile: values.state && existsSync(values.state) ? values.state : undefined,
    platform: {
      ...(values['client-id'] ? { clientId: values['client-id'] } : {}),
      ...(values['secret-key'] ? { secretKey: values['secret-key'] } : {}),
      ...(values['webhook-secret'] ? { webhookSecret: values['webhook-secret'] } : {}),
      ...(values['webhook-url'] ? { webhookUrl: values['webhook-url'] } : {}),
      ...(values['redirect-uri'] ? { redirectUris: values['redirect-uri'] } : {}),
    },
    realism: {
      rateLimitEnabled: !values['no-rate-limit'],
      ...(values['rate-limit-live'] ? { rateLimitLive: number('rate-limit-live', values['rate-limit-live'], 1, 100000) } : {}),
      ...(values['rate-limit-test'] ? { rateLimitTest: number('rate-limit-test', values['rate-limit-test'], 1, 100000) } : {}),
      errorRate: number('error-rate', values['error-rate'], 0, 1) ?? 0,
      latencyMs: number('latency', values.latency, 0, 60000) ?? 0,
    },
    webhooks: { outOfOrderMs: number('out-of-order', values['out-of-order'], 0, 600000) ?? 0, duplicates: values.duplicates ?? false },
  });
  const { emulator } = running;
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  process.stdout.write(`Stripe emulator listening on ${running.url} (ready in ${seconds} s)\n`);
  process.stdout.write(`  platform client id: ${emulator.platform.clientId}\n  platform secret key: ${emulator.platform.secretKey}\n`);
  for (const a of running.loaded?.accounts ?? []) {
    process.stdout.write(
      `  ${a.id} "${a.name}" (${a.livemode ? 'live' : 'test'}): ${a.customers} customers, ${a.subscriptions} subscriptions, ${a.charges} charges, ${a.invoices} invoices\n`,
    );
  }
  process.stdout.write(`  switches and stats: ${running.url}/_emulator/config, ${running.url}/_emulator/stats\n`);
  const stop = async () => {
    if (values.save && values.state) await emulator.saveTo(values.state);
    await running.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
