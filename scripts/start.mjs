#!/usr/bin/env node
/**
 * `npm start` and `npm run skiff`: builds what is stale (scripts/build.mjs: a check of the build's
 * inputs when dist/ is current), then runs the compiled CLI, dist/cli.js, in this same process,
 * one Node start sooner than running it after the build's own process (ADR 021).
 *
 *   node --enable-source-maps scripts/start.mjs up ...     as `npm start -- ...`
 */
import { ensureCompiledOrExit } from './build.mjs';

await ensureCompiledOrExit();
await import('../dist/cli.js');
