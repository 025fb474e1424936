// `npm run docs`: regenerates docs/configuration.md from the configuration schema.
// A test (src/config/config-reference.test.ts) fails when the committed file is out of date.
import { writeFileSync } from 'node:fs';
import { configReference } from '../src/config/config-reference.ts';

const target = new URL('../docs/configuration.md', import.meta.url);
writeFileSync(target, configReference());
console.log(`wrote ${target.pathname}`);
