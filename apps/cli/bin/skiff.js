#!/usr/bin/env node
// Runs the compiled CLI (dist/cli.js), compiling it first when it is missing or older than the
// sources, so `skiff` works straight from a clone.
import { ensureCompiled } from '../../../scripts/build.mjs';

process.setSourceMapsEnabled(true);
await ensureCompiled();
await import('../../../dist/cli.js');
