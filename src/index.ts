import { createApp } from "./app";

export { RateLimiter } from "./ratelimit/durable-object";

export default createApp();
