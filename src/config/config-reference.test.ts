import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configReference } from './config-reference.ts';

test('docs/configuration.md is the reference generated from the schema (run `npm run docs` after changing the schema)', () => {
  const committed = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(committed, configReference(), 'docs/configuration.md is out of date: run `npm run docs` and commit the result');
});

test('every key of the schema appears with its type, and defaults stated in descriptions are pulled out', () => {
  const reference = configReference();
  assert.match(reference, /^## `systems\[\]`$/m);
  assert.match(reference, /^## `systems\[\]\.environments\.uat\.deploy \(driver: command\)`$/m);
  assert.match(reference, /^\| `timeZone` \| string \| yes \| {2}\| `Asia\/Hong_Kong` \| IANA time zone/m);
  assert.match(reference, /^\| `minGapMinutes` \| integer \(0–720\) \| {2}\| 60 \| `60` \| Least time from T1 to T2 for validation\. \|$/m);
  assert.match(reference, /^\| `t2` \| string \| yes \| {2}\| `22:00` \|/m);
});
