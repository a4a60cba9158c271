export { startNotifier, type NotifierOptions, type RunningNotifier } from './startNotifier.js';
export { webhookController, DeliveryFailedError, type WebhookControllerOptions } from './webhookController.js';
export { deliveryPayload, signature, type DeliveryPayload } from './deliveryPayload.js';
export { deliveryHeaders, postDelivery, type DeliveryRequest, type DeliveryResult } from './postDelivery.js';
export { EVENT_ANNOTATIONS, NODES_STREAM, pendingEvents, pendingStreams, streamKey, streamOf, subscribes, type StreamCursor, type WebhookSpec } from './deliveryStream.js';
export { RECENT_DELIVERIES, statusAfterAttempt, type DeliveryRecord, type WebhookStatus } from './webhookStatus.js';
export { NotifierMetrics } from './metrics.js';
