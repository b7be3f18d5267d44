#!/usr/bin/env node
// Entry point of the `hatrack` command: loads the TypeScript sources through tsx's ESM hook,
// so the same files run in development, tests and production without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
