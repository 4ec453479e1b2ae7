// flagd's own evaluator (@openfeature/flagd-core) for tests/flagd_differential.rs.
//
// Reads JSON lines on stdin. A line {"config": <flagd flag document>} loads flags; a line
// {"flag": <key>, "context": <evaluation context>} resolves that flag and writes one JSON
// line {"variant", "value", "reason", "errorCode"} to stdout, in the order read.
import { createInterface } from 'node:readline';
import { FlagdCore } from '@openfeature/flagd-core';

// flagd-core logs its debug reasons through this; the test reads only stdout.
const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const core = new FlagdCore(undefined, quiet);
const out = [];

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (line.trim() === '') continue;
  const request = JSON.parse(line);
  if ('config' in request) {
    core.setConfigurations(JSON.stringify(request.config));
    continue;
  }
  const details = core.resolveStringEvaluation(request.flag, '<no value>', request.context ?? {}, quiet);
  out.push(
    JSON.stringify({
      variant: details.variant ?? null,
      value: details.value,
      reason: details.reason,
      errorCode: details.errorCode ?? null,
    }),
  );
}
process.stdout.write(out.length ? out.join('\n') + '\n' : '');
