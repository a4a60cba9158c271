const PT_INTERP = 3;

/**
 * Whether an ELF executable needs a dynamic loader: it does exactly when it has a PT_INTERP
 * program header (the loader's path, e.g. /lib64/ld-linux-x86-64.so.2). A static binary runs in
 * an image that has no /lib at all. Returns undefined for anything that is not ELF.
 */
export function elfLinkage(binary: Buffer): 'static' | 'dynamic' | undefined {
  if (binary.length < 52 || binary.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const is64 = binary[4] === 2;
  const littleEndian = binary[5] === 1;
  const u16 = (offset: number) => (littleEndian ? binary.readUInt16LE(offset) : binary.readUInt16BE(offset));
  const u32 = (offset: number) => (littleEndian ? binary.readUInt32LE(offset) : binary.readUInt32BE(offset));
  const u64 = (offset: number) => Number(littleEndian ? binary.readBigUInt64LE(offset) : binary.readBigUInt64BE(offset));

  if (is64 && binary.length < 64) return undefined;
  const phoff = is64 ? u64(0x20) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    const offset = phoff + i * phentsize;
    if (offset + 4 > binary.length) return undefined;
    if (u32(offset) === PT_INTERP) return 'dynamic';
  }
  return 'static';
}
