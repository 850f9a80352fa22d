import type { Revocations } from "./durable-object";
import type { Announcement, Changes, HeldDocuments, HeldSession } from "./protocol";

/** The isolate's line to the Revocations object; tests of the feed give their own. */
export interface RevocationChannel {
  announce(change: Announcement): Promise<number>;
  changesSince(epoch: string | null, since: number | null): Promise<Changes>;
  held(id: string): Promise<HeldSession>;
  heldDocuments(): Promise<HeldDocuments>;
}

/** Every isolate of the gateway talks to this one object. */
export const revocationsObjectName = "revocations";

/** A call not answered by then has failed: a poll the isolate waits for never holds a request longer. */
export const callTimeoutMs = 1000;

export class DurableChannel implements RevocationChannel {
  private readonly id: DurableObjectId;

  constructor(private readonly namespace: DurableObjectNamespace<Revocations>) {
    this.id = namespace.idFromName(revocationsObjectName);
  }

  announce(change: Announcement): Promise<number> {
    return this.call((stub) => stub.announce(change));
  }

  changesSince(epoch: string | null, since: number | null): Promise<Changes> {
    return this.call((stub) => stub.changesSince(epoch, since));
  }

  held(id: string): Promise<HeldSession> {
    return this.call((stub) => stub.held(id));
  }

  heldDocuments(): Promise<HeldDocuments> {
    return this.call((stub) => stub.heldDocuments());
  }

  private async call<T>(run: (stub: DurableObjectStub<Revocations>) => Promise<T>): Promise<T> {
    // A stub per call: one that saw an error stays broken.
    const stub = this.namespace.get(this.id);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the Revocations object did not answer within ${callTimeoutMs} ms`)), callTimeoutMs);
    });
    try {
      return await Promise.race([run(stub), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
