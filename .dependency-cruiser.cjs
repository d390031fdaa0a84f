/**
 * The layers you can see (ARCHITECTURE.md): a ground floor every feature may use, features above it, the
 * composition root on top. `npm run lint` runs this; `test/layers.test.ts` shows it failing on a cycle and on a
 * feature importing the composition root.
 */
const GROUND = '^src/(core|db|jobs|revenue)/';
/** Pure scoring: functions of data and a clock, ground floor although they live beside the scoring feature. */
const PURE_SCORING = '^src/scoring/(scoring\\.engine|scoring\\.config|customer-health|lifecycle|usage-factors|dispute-risk)\\.ts$';

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'No import cycles, anywhere.', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'features-not-app',
      comment: 'src/app/ is the composition root (wiring, server): only src/main.ts imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/app/', '^src/main\\.ts$'] },
      to: { path: '^src/app/' },
    },
    {
      name: 'ground-imports-no-feature',
      comment: 'The ground floor (core, db, jobs, revenue, pure scoring) imports nothing above it.',
      severity: 'error',
      from: { path: [GROUND, PURE_SCORING], pathNot: '\\.test\\.ts$' },
      to: { path: '^src/', pathNot: [GROUND, PURE_SCORING] },
    },
    {
      name: 'emulator-stands-alone',
      comment: 'The Stripe emulator is Stripe: it knows nothing of PulseScore.',
      severity: 'error',
      from: { path: '^emulator/' },
      to: { path: '^src/' },
    },
    {
      name: 'only-demo-starts-the-emulator',
      comment: 'PulseScore meets the emulator only as Stripe, over HTTP; demo mode starts it.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/demo/', '\\.test\\.ts$'] },
      to: { path: '^emulator/', pathNot: '^emulator/audit\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
