#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-require-imports */
/* global require, process */
'use strict'
// Runs the TypeScript CLI in place: tsx's CommonJS hook (https://tsx.is/dev-api/register-cjs) compiles cli/*.ts on require.

// `pipeline executions | head` closes stdout early: a reader that left is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => process.exit(error && error.code === 'EPIPE' ? (process.exitCode ?? 0) : 1))
}

try {
  require('tsx/cjs/api').register()
  require('./main.ts')
    .main(process.argv.slice(2))
    .then(
      // exitCode, not exit(): process.exit can cut off output still queued for a pipe.
      (code) => {
        process.exitCode = code
      },
      (error) => {
        process.stderr.write(`pipeline: ${error && error.message ? error.message : error}\n`)
        process.exitCode = 1
      },
    )
} catch (error) {
  process.stderr.write(`pipeline: cannot start: ${error && error.message ? error.message : error}\n`)
  process.exitCode = 1
}
