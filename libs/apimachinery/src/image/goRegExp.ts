/**
 * A Go (RE2) regular expression as a JavaScript one. Flux's fields take Go syntax, and the one
 * spelling people use that JavaScript lacks is the named group `(?P<name>...)`; the rest of RE2
 * that matters here (classes, anchors, `(?i)` aside) reads the same.
 */
export function goRegExp(pattern: string): RegExp {
  let flags = '';
  let source = pattern.replace(/\(\?P</g, '(?<');
  // A leading `(?i)` (RE2's case-insensitive flag) becomes the `i` flag.
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    flags = 'i';
  }
  return new RegExp(source, flags);
}
