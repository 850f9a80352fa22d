import type { ForwardedBatch, QueueOutcome } from "./queue-outcome";

/** A service binding's `queue()` (compatibility flag `service_binding_extra_handlers`): runs the target's queue handler on a real MessageBatch. */
interface QueueService {
  queue(queueName: string, messages: { id: string; timestamp: Date; body: unknown; attempts: number }[]): Promise<QueueOutcome>;
}

/**
 * Runs in the pump's workerd process, beside the pump. The queue's process
 * posts each delivery here; workerd hands it to the pump's own queue handler
 * as a MessageBatch and reports the acks and retries the pump made.
 */
export default {
  async fetch(request: Request, env: { PUMP: QueueService }): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (request.method === "GET" && pathname === "/ready") return new Response(null, { status: 204 });
    if (request.method !== "POST" || pathname !== "/queue") return new Response("not found", { status: 404 });
    const batch = await request.json<ForwardedBatch>();
    const outcome = await env.PUMP.queue(
      batch.queue,
      batch.messages.map((message) => ({ ...message, timestamp: new Date(message.timestamp) })),
    );
    return Response.json(outcome);
  },
};
