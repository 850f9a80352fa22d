// Test-only queue consumer. It acks every message it is given and keeps the
// bodies, so tests can see exactly what a real producer put on the queue:
// GET /messages?queue=<name> lists them, DELETE /messages forgets them.
const received = [];

export default {
  async queue(batch) {
    for (const message of batch.messages) {
      received.push({ queue: batch.queue, id: message.id, attempts: message.attempts, body: message.body });
    }
    batch.ackAll();
  },

  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname !== "/messages") return new Response("not found", { status: 404 });
    if (request.method === "DELETE") {
      received.length = 0;
      return new Response(null, { status: 204 });
    }
    const queue = url.searchParams.get("queue");
    return Response.json(queue ? received.filter((message) => message.queue === queue) : received);
  },
};
