import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { elfLinkage } from './elfLinkage.js';

describe('elfLinkage', () => {
  it('sees the loader a dynamically linked executable names', () => {
    // Node itself is a dynamically linked ELF executable on Linux.
    expect(elfLinkage(readFileSync(process.execPath))).toBe('dynamic');
  });

  it('finds no loader in a hand-made 64-bit ELF header without program headers', () => {
    const header = Buffer.alloc(64);
    header.writeUInt32BE(0x7f454c46, 0);
    header[4] = 2;
    header[5] = 1;
    expect(elfLinkage(header)).toBe('static');
  });

  it.each([
    ['a shell script', Buffer.from('#!/bin/sh\necho hi\n'.repeat(10))],
    ['an empty file', Buffer.alloc(0)],
  ])('says %s is not ELF', (_, content) => {
    expect(elfLinkage(content)).toBeUndefined();
  });

  it('gives up on program headers that run past the end of the file', () => {
    const header = Buffer.alloc(64);
    header.writeUInt32BE(0x7f454c46, 0);
    header[4] = 2;
    header[5] = 1;
    header.writeBigUInt64LE(64n, 0x20);
    header.writeUInt16LE(56, 0x36);
    header.writeUInt16LE(1, 0x38);
    expect(elfLinkage(header)).toBeUndefined();
  });
});
