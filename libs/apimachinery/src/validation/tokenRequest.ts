import type { TokenRequest } from 'kubernetes-types/authentication/v1.js';
import { MIN_TOKEN_EXPIRATION_SECONDS } from '../serviceAccountTokens.js';
import { FieldPath, invalid, type FieldErrors } from './fieldErrors.js';

const MAX_TOKEN_EXPIRATION_SECONDS = 2 ** 32;

/** ValidateTokenRequest: a token lives at least ten minutes and at most 2^32 seconds. */
export function validateTokenRequest(request: TokenRequest): FieldErrors {
  const errs: FieldErrors = [];
  const seconds = request.spec?.expirationSeconds;
  const path = FieldPath.root('spec', 'expirationSeconds');
  if (seconds === undefined) return errs;
  if (seconds < MIN_TOKEN_EXPIRATION_SECONDS) errs.push(invalid(path, seconds, 'may not specify a duration less than 10 minutes'));
  if (seconds > MAX_TOKEN_EXPIRATION_SECONDS) errs.push(invalid(path, seconds, 'may not specify a duration larger than 2^32 seconds'));
  return errs;
}
