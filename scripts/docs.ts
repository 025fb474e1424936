// `npm run docs`: regenerates the reference pages of docs/ from their sources: configuration.md
// from the configuration schema, api.md from the OpenAPI document, cli.md from the CLI's usage.
// Tests (src/config/config-reference.test.ts, test/docs/references.test.ts) fail when a committed
// page is out of date.
import { writeFileSync } from 'node:fs';
import { cliReference } from '../src/cli/cli-reference.ts';
import { configReference } from '../src/config/config-reference.ts';
import { apiReference } from '../src/http/api-reference.ts';
import { openApiDocument } from '../src/http/openapi-document.ts';

const pages: [string, string][] = [
  ['configuration.md', configReference()],
  ['api.md', apiReference(await openApiDocument())],
  ['cli.md', cliReference()],
];
for (const [name, text] of pages) {
  const target = new URL(`../docs/${name}`, import.meta.url);
  writeFileSync(target, text);
  console.log(`wrote ${target.pathname}`);
}
