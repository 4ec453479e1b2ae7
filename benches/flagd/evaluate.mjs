// flagd's own evaluator (@openfeature/flagd-core, installed in tests/flagd) on the flag of
// benches/flags.rs's `new_ai_model`: two targeting rules and a 25 % fractional rollout, in
// process, so that docs/performance.md can put cpl's in-process figure beside flagd's.
// Run: node benches/flagd/evaluate.mjs   (after `npm ci --prefix tests/flagd`)
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../tests/flagd/package.json', import.meta.url));
const { FlagdCore } = require('@openfeature/flagd-core');

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const core = new FlagdCore(undefined, quiet);
core.setConfigurations(JSON.stringify({
  flags: {
    'new-ai-model': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: {
        if: [
          { '==': [{ var: 'tenant.tier' }, 'enterprise'] }, 'on',
          { in: [{ var: 'tenant.id' }, ['tenant123', 'northwind']] }, 'on',
          { fractional: [{ cat: [{ var: '$flagd.flagKey' }, { var: 'tenant.id' }] }, ['on', 25], ['off', 75]] },
        ],
      },
    },
  },
}));
const context = { tenant: { id: 'tenant-42', tier: 'pro', region: 'eu' } };
const run = (n) => {
  for (let i = 0; i < n; i++) core.resolveBooleanEvaluation('new-ai-model', false, context, quiet);
};
run(200000); // warm-up: let the JIT compile the path
const n = 1000000;
const start = process.hrtime.bigint();
run(n);
const ns = Number(process.hrtime.bigint() - start) / n;
console.log(`flagd-core new-ai-model, prepared context: ${(ns / 1000).toFixed(3)} µs per evaluation`);
