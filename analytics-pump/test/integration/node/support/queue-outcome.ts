/**
 * What workerd reports after a queue handler ran (a service binding's
 * `queue()` result): the shape Miniflare's queue broker applies to a batch.
 */
export interface QueueOutcome {
  outcome: string;
  ackAll: boolean;
  retryBatch: { retry: boolean; delaySeconds?: number };
  explicitAcks: string[];
  retryMessages: { msgId: string; delaySeconds?: number }[];
}

/** One delivered message as it crosses from the queue's process to the pump's. */
export interface ForwardedMessage {
  id: string;
  timestamp: number;
  body: unknown;
  attempts: number;
}

export interface ForwardedBatch {
  queue: string;
  messages: ForwardedMessage[];
}
