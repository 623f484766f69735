import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiHeader, ApiOkResponse, ApiProduces, getSchemaPath } from '@nestjs/swagger';

/**
 * A Server-Sent Events route: the schema on text/event-stream is the shape of each event's fields (`id`, `event`,
 * `data`), with `data` one JSON document of the given class.
 */
export const EventStreamResponse = (event: string | string[], data: Type<unknown>, what: string) => {
  const events = typeof event === 'string' ? [event] : event;
  return applyDecorators(
    ApiExtraModels(data),
    ApiProduces('text/event-stream'),
    ApiHeader({ name: 'Last-Event-ID', required: false, description: 'resume after this event (or the last_event_id query parameter)', schema: { type: 'string', pattern: '^\\d{1,15}$' } }),
    ApiOkResponse({
      description:
        `${what}, as Server-Sent Events that never end: each has \`id\` (a global position; reconnect with Last-Event-ID to ` +
        `resume after it), \`event\` (${events.map((e) => `\`${e}\``).join(' or ')}) and \`data\` (one JSON ${data.name}); a comment line every 15 s keeps the connection open.`,
      schema: {
        type: 'object',
        description: 'the fields of one event',
        required: ['id', 'event', 'data'],
        properties: {
          id: { type: 'string', pattern: '^\\d{1,15}$' },
          event: { type: 'string', enum: events },
          data: { $ref: getSchemaPath(data) },
        },
      },
    }),
  );
};

/** A newline-delimited JSON route: the schema on application/x-ndjson is the shape of each line. */
export const NdjsonResponse = (line: Type<unknown>, what: string) =>
  applyDecorators(
    ApiExtraModels(line),
    ApiProduces('application/x-ndjson'),
    ApiOkResponse({ description: `${what}: one JSON ${line.name} per line`, schema: { $ref: getSchemaPath(line) } }),
  );
