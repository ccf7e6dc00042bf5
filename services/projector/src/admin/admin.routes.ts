import { createRoute, problemContent, z } from '@crypto-invest/http';

const security = [{ bearer: [] }];
const unauthorized = problemContent('Missing or wrong API key (Authorization: Bearer <key>)');
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

const Position = z.string().openapi({ description: 'Consistency-token form `<transaction id>.<event id>`', example: '1234.567' });

const RebuildSchema = z
  .object({
    rebuild_id: z.number().int(),
    state: z.enum(['queued', 'running', 'completed']),
    generation: z.number().int().openapi({ description: 'The read-model generation being built (active once completed)' }),
    replaced_generation: z.number().int().nullable(),
    requested_by: z.string(),
    requested_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    processed: z.number().int().openapi({ description: 'Events applied to the new generation so far' }),
    total: z.number().int().nullable().openapi({ description: 'Events to apply in all (grows while investments arrive)' }),
    percent: z.number().nullable(),
    events_per_second: z.number().nullable(),
    eta_seconds: z.number().nullable(),
  })
  .openapi('Rebuild');

const StatusSchema = z
  .object({
    state: z
      .enum(['starting', 'standby', 'catching_up', 'idle', 'stalled', 'retrying', 'stopped'])
      .openapi({ description: 'What this instance is doing; `stalled` = committed events wait behind an open transaction' }),
    instance: z.object({ id: z.string(), role: z.enum(['starting', 'standby', 'active', 'stopped']), listening: z.boolean() }),
    database_reachable: z.boolean(),
    generation: z.number().int().nullable(),
    checkpoint: z
      .object({ position: Position, transaction_id: z.string(), event_id: z.string(), events_applied: z.number().int(), updated_at: z.string() })
      .nullable(),
    newest_event: z.object({ position: Position, recorded_at: z.string() }).nullable(),
    lag: z.object({ events: z.number().int(), seconds: z.number() }).nullable(),
    events_per_second: z.number().nullable(),
    stall: z
      .object({
        held_back_events: z.number().int(),
        seconds: z.number(),
        blocking: z
          .object({
            pid: z.number().int(),
            user: z.string().nullable(),
            application_name: z.string().nullable(),
            database: z.string().nullable(),
            state: z.string().nullable(),
            transaction_started_at: z.string().nullable(),
            transaction_seconds: z.number().nullable(),
          })
          .nullable(),
      })
      .nullable(),
    rebuild: RebuildSchema.nullable().openapi({ description: 'The queued or running rebuild, if any' }),
    last_error: z.object({ message: z.string(), at: z.string() }).nullable(),
  })
  .openapi('ProjectorStatus');

export const statusRoute = createRoute({
  method: 'get',
  path: '/admin/status',
  tags: ['admin'],
  summary: 'Where the projection stands: checkpoint, newest event, lag, rate, stall',
  security,
  responses: { 200: json(StatusSchema, 'Status of the projection and of this instance'), 401: unauthorized },
});

export const requestRebuildRoute = createRoute({
  method: 'post',
  path: '/admin/rebuild',
  tags: ['admin'],
  summary: 'Rebuild the read model from the whole event log, without downtime',
  description:
    'Fills a new generation of the read-model tables while readers keep using the active one, then switches readers to it atomically. ' +
    'Follow it at /admin/rebuilds/{id}.',
  security,
  responses: {
    202: {
      ...json(RebuildSchema, 'Rebuild queued; the active instance starts it within a poll interval'),
      headers: z.object({ Location: z.string() }),
    },
    401: unauthorized,
    409: problemContent('A rebuild is already in progress (its id is in `rebuild_id`)'),
  },
});

export const rebuildRoute = createRoute({
  method: 'get',
  path: '/admin/rebuilds/{id}',
  tags: ['admin'],
  summary: 'Progress of a rebuild: processed/total, events/s, ETA',
  security,
  request: { params: z.object({ id: z.string().regex(/^[0-9]{1,18}$/, 'must be a rebuild id (a positive integer)') }) },
  responses: {
    200: json(RebuildSchema, 'The rebuild'),
    400: problemContent('The id is not a rebuild id'),
    401: unauthorized,
    404: problemContent('No rebuild with this id'),
  },
});
