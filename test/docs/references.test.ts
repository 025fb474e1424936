/**
 * docs/api.md and docs/cli.md are generated from the OpenAPI document and from the CLI's usage
 * lines; committed pages that no longer match are stale (run `npm run docs`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { cliReference } from '../../src/cli/cli-reference.ts';
import { USAGE } from '../../src/cli/usage.ts';
import { apiReference } from '../../src/http/api-reference.ts';
import { openApiDocument } from '../../src/http/openapi-document.ts';

const committed = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

test('docs/api.md lists every endpoint of the OpenAPI document (run `npm run docs` after changing a route)', async () => {
  const doc = await openApiDocument();
  assert.equal(committed('api.md'), apiReference(doc), 'docs/api.md is out of date: run `npm run docs` and commit the result');
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of Object.keys(item).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))) {
      assert.ok(committed('api.md').includes(`| \`${method.toUpperCase()}\` | \`${path}\` |`), `${method} ${path} is missing`);
    }
  }
});

test('docs/cli.md shows `tonic help` and every command usage (run `npm run docs` after changing src/cli/usage.ts)', () => {
  assert.equal(committed('cli.md'), cliReference(), 'docs/cli.md is out of date: run `npm run docs` and commit the result');
  for (const usage of Object.values(USAGE)) assert.ok(committed('cli.md').includes(`- \`${usage}\``), usage);
});
