import * as z from "zod";
import { defineFeature } from "../chain/feature";
import { compileEventHandlers, eventHandlersSchema } from "../events/handlers";

/*
 * Tyk's `event_handlers.events`: compiled once per snapshot into the API's
 * ApiEvents, which this step hands to the request so later steps can raise
 * events (`ctx.events?.raise(...)`). An API without handlers has no step, and
 * its raises cost one property read.
 */

const fields = z.looseObject({ event_handlers: eventHandlersSchema.default(() => eventHandlersSchema.parse({})) });

export const eventHandlers = defineFeature({
  name: "EventHandlers",
  fields,
  honours: ["event_handlers.events.*.*.handler_name", "event_handlers.events.*.*.handler_meta"],
  compile: (definition, api, settings) => compileEventHandlers(definition.event_handlers, api.id, settings.events.queue).events,
  report: (definition) =>
    compileEventHandlers(definition.event_handlers, "", undefined).skipped.map(({ field, reason }) => ({ field, message: reason, security: false })),
  step: (events) => (ctx, next) => {
    ctx.events = events;
    return next();
  },
});
