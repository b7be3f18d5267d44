#!/usr/bin/env node
// Runs one TypeScript file (a benchmark or a script) through tsx's ESM hook.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

register();
const [file, ...rest] = process.argv.slice(2);
if (!file) { console.error('usage: run-ts.mjs FILE.ts [args…]'); process.exit(2); }
process.argv = [process.argv[0], file, ...rest];
await import(pathToFileURL(resolve(file)).href);
