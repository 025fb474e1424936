// The entry of the built bundle (dist/tonic.mjs, `npm start`): the same command line as bin/tonic.js.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
