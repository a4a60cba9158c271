import { describe, expect, it } from 'vitest';
import { registryBaseUrl } from './registryBaseUrl.js';

describe('registryBaseUrl', () => {
  it.each<[string, boolean | undefined, string]>([
    ['127.0.0.1:5000', undefined, 'http://127.0.0.1:5000'],
    ['127.1.2.3:5000', undefined, 'http://127.1.2.3:5000'],
    ['localhost:5000', undefined, 'http://localhost:5000'],
    ['[::1]:5000', undefined, 'http://[::1]:5000'],
    ['registry.example.com', undefined, 'https://registry.example.com'],
    ['10.0.0.5:5000', true, 'http://10.0.0.5:5000'],
    ['127.0.0.1:5000', false, 'https://127.0.0.1:5000'],
    ['https://127.0.0.1:5000/', undefined, 'https://127.0.0.1:5000'],
    ['http://registry.example.com', false, 'http://registry.example.com'],
  ])('%s (insecure %s) -> %s', (registry, insecure, expected) => {
    expect(registryBaseUrl(registry, insecure)).toBe(expected);
  });
});
