export { DIST_DIR, ensureBuilt, isBuilt, PACKAGE_DIR, type EnsureBuiltResult } from './ensureBuilt.js';
