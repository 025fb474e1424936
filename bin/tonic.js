#!/usr/bin/env -S node --min-semi-space-size=16
// --min-semi-space-size (MB; also in `npm start`): a young generation that holds a request's rows
// from the start, so a page of bugs dies young instead of being promoted and kept until a full
// collection (paging through 100,000 bugs otherwise grew the server past 200 MB resident).
// The `tonic` command: TypeScript sources run through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
