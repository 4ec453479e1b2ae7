// A real OpenFeature client of `cpl serve`, for tests/serve/openfeature.rs: the server
// SDK with its OFREP provider evaluates each case (single evaluation), and ofrep-core's
// API client asks for every flag at once (bulk evaluation, as the web provider does).
//
// Standard input: {"baseUrl": "...", "cases": [{"key", "type", "default", "context"}],
// "bulkContext": {...}}. Standard output: {"single": [...details], "bulk": {...}}.
import { OpenFeature } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OFREPApi } from '@openfeature/ofrep-core';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));

await OpenFeature.setProviderAndWait(new OFREPProvider({ baseUrl: request.baseUrl }));
const client = OpenFeature.getClient();

const getters = {
  boolean: (k, d, c) => client.getBooleanDetails(k, d, c),
  string: (k, d, c) => client.getStringDetails(k, d, c),
  number: (k, d, c) => client.getNumberDetails(k, d, c),
  object: (k, d, c) => client.getObjectDetails(k, d, c),
};

const single = [];
for (const c of request.cases) {
  const details = await getters[c.type](c.key, c.default, c.context);
  single.push({
    key: details.flagKey,
    value: details.value,
    variant: details.variant ?? null,
    reason: details.reason ?? null,
    errorCode: details.errorCode ?? null,
  });
}

const api = new OFREPApi(request.baseUrl);
const bulk = await api.postBulkEvaluateFlags({ context: request.bulkContext });

process.stdout.write(JSON.stringify({ single, bulk: { status: bulk.httpStatus, body: bulk.value } }));
await OpenFeature.close();
