#!/usr/bin/env node
// Entry point of the `hatrack` command: the compiled JavaScript in dist/, which `npm run build`
// writes (and `prepare` on every `npm install` of a clone, `npm pack` for the package).
// `hatrack creds` runs on every AWS CLI call: V8's code cache on disk (Node >= 22.1) spares it
// compiling the same modules each time.
process.getBuiltinModule('node:module').enableCompileCache?.();

const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
