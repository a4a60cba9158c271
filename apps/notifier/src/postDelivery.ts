import { signature } from './deliveryPayload.js';

export interface DeliveryRequest {
  url: string;
  body: Uint8Array;
  deliveryId: string;
  event: string;
  /** Signs the body when present; never logged, never sent. */
  secret?: Uint8Array;
  timeoutMs: number;
}

export type DeliveryResult = { ok: true; statusCode: number } | { ok: false; statusCode?: number; error: string };

/** The headers of a delivery: pure, so what is sent can be checked without a server. */
export function deliveryHeaders(req: DeliveryRequest): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'skiff-notifier',
    'x-skiff-delivery': req.deliveryId,
    'x-skiff-event': req.event,
    ...(req.secret ? { 'x-signature': signature(req.body, req.secret) } : {}),
  };
}

/**
 * One POST. A 2xx answer is a delivery; any other answer, a redirect, a timeout or a network
 * error is a failure, as a value. Error texts name the host only: webhook URLs often carry a
 * token in their path.
 */
export async function postDelivery(req: DeliveryRequest): Promise<DeliveryResult> {
  const host = hostOf(req.url);
  try {
    const res = await fetch(req.url, {
      method: 'POST',
      headers: deliveryHeaders(req),
      body: req.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    // Drain the answer so the connection can be reused; its content does not matter.
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, statusCode: res.status };
    return { ok: false, statusCode: res.status, error: `${host} answered ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') return { ok: false, error: `${host} did not answer within ${req.timeoutMs / 1000}s` };
    const cause = e.cause?.code ?? e.cause?.message;
    return { ok: false, error: `${host}: ${cause ?? e.message}` };
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'webhook';
  }
}
