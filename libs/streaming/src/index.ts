export * from './channels.js';
export * from './dialUpgrade.js';
export * from './remoteCommand.js';
export { SpdySession, SpdyStream, type SpdyRole } from './spdy/spdySession.js';
export { SPDY3_DICTIONARY } from './spdy/dictionary.js';
export * from './proxyUpgrade.js';
