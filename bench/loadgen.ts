import { sendAll } from './webhook-events.js';

/** The webhook load generator, run as its own process so that it does not share the server's CPU. */
const [url, rate] = process.argv.slice(2);
if (!url) {
  process.stderr.write('usage: loadgen.ts <url> [events per second]\n');
  process.exit(2);
}
const result = await sendAll(url, Number(rate ?? 1000));
process.stdout.write(`${JSON.stringify(result)}\n`);
