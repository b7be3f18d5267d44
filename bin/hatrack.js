#!/usr/bin/env node
// Entry point of the `hatrack` command: the compiled JavaScript in dist/, which `npm run build`
// writes (and `prepare` on every `npm install` of a clone, `npm pack` for the package).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
