import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { getEvaluation } from '../crm/evaluations.js'
import type { ModuleCatalogue } from '../ingest/module-catalogue.js'
import type { QueuedEvaluation } from '../jobs/queues.js'
import { AppError } from '../platform/errors.js'
import { caller } from './auth.js'
import { alertSource, leadSource, streamRows } from './live-stream.js'
import type { PeopleApiOptions } from './people-api.js'
import { rulesController as rules } from './rules-controller.js'
import {
  activateBody,
  backtestBody,
  backtestResult,
  createdVersion,
  dryRunBody,
  dryRunResult,
  evaluateBody,
  evaluateResult,
  evaluationParams,
  evaluationRecord,
  ruleDocument,
  ruleIdParams,
  ruleList,
} from './rules-schemas.js'
import { bearer, errorResponses } from './schemas.js'

export interface RulesRoutesOptions {
  catalogue: ModuleCatalogue
  /** Queues an evaluation; undefined when this process has no job queue. */
  enqueueEvaluate?:
    | ((kind: 'abm' | 'churn', asOf: string | undefined) => Promise<QueuedEvaluation>)
    | undefined
  /** How often the live streams look for new rows. */
  streamPollMs?: number
}

const dataTeam = ['data', 'admin'] as const
const tags = ['rules']

/** The data team's API (rules as data, dry-run, backtest, evaluation now) and the live streams. */
export function createRulesRoutes(extra: RulesRoutesOptions) {
  return async function rulesRoutes(app: FastifyInstance, options: PeopleApiOptions) {
    const api = app.withTypeProvider<ZodTypeProvider>()
    const deps = { db: options.db, ch: options.ch, catalogue: extra.catalogue }
    const pollMs = extra.streamPollMs ?? 1000

    api.get('/api/rules', {
      config: { roles: dataTeam },
      schema: {
        tags,
        security: bearer,
        summary: 'Every rule with its newest version',
        response: { 200: ruleList, ...errorResponses },
      },
      handler: () => rules.list(deps),
    })
    api.post('/api/rules', {
      config: { roles: dataTeam },
      schema: {
        tags,
        security: bearer,
        summary: 'Add a version of a rule (validated); a new rule starts as a draft',
        body: ruleDocument,
        response: { 201: createdVersion, ...errorResponses },
      },
      handler: async (request, reply) =>
        reply.code(201).send(await rules.create(deps, caller(request), request.body)),
    })
    api.post('/api/rules/:id/activate', {
      config: { roles: dataTeam },
      schema: {
        tags,
        security: bearer,
        summary: 'Make a version the one that runs',
        params: ruleIdParams,
        body: activateBody,
        response: { 200: createdVersion, ...errorResponses },
      },
      handler: (request) => rules.activate(deps, request.params.id, request.body.version),
    })
    api.post('/api/rules/:id/retire', {
      config: { roles: dataTeam },
      schema: {
        tags,
        security: bearer,
        summary: 'Stop a rule from running',
        params: ruleIdParams,
        response: { 200: createdVersion, ...errorResponses },
      },
      handler: (request) => rules.retire(deps, request.params.id),
    })
    api.post('/api/rules/dry-run', {
      config: { roles: dataTeam },
      schema: {
        tags,
        security: bearer,
        summary: 'What a rule would fire now, without writing',
        body: dryRunBody,
        response: { 200: dryRunResult, ...errorResponses },
      },
      handler: (request) => rules.dryRun(deps, request.body),
    })
    api.post('/api/rules/backtest', {
      config: { roles: dataTeam },
      schema: {
        tags,
        security: bearer,
        summary: 'A rule over a past period against recorded outcomes',
        body: backtestBody,
        response: { 200: backtestResult, ...errorResponses },
      },
      handler: (request) => rules.backtest(deps, request.body),
    })
    api.post('/api/jobs/evaluate', {
      config: { roles: dataTeam },
      schema: {
        tags: ['jobs'],
        security: bearer,
        summary: 'Evaluate the active rules now (one kind or both)',
        body: evaluateBody,
        response: { 202: evaluateResult, ...errorResponses },
      },
      handler: async (request, reply) => {
        const enqueue = extra.enqueueEvaluate
        if (!enqueue)
          throw new AppError(
            'JOBS_UNAVAILABLE',
            'this process has no job queue; evaluations are not possible from here',
          )
        const kinds = request.body.kind ? [request.body.kind] : (['abm', 'churn'] as const)
        const queued = []
        for (const kind of kinds) queued.push({ kind, ...(await enqueue(kind, request.body.asOf)) })
        return reply.code(202).send({ queued, at: new Date().toISOString() })
      },
    })
    api.get('/api/jobs/evaluations/:id', {
      config: { roles: dataTeam },
      schema: {
        tags: ['jobs'],
        security: bearer,
        summary: 'One evaluation: its status, rules, firings, and what apply made of them',
        params: evaluationParams,
        response: { 200: evaluationRecord, ...errorResponses },
      },
      handler: async (request) => {
        const found = await getEvaluation(options.db, request.params.id)
        if (!found) throw new AppError('NOT_FOUND', `no evaluation ${request.params.id}`)
        const iso = (d: Date | null) => (d === null ? null : d.toISOString())
        return {
          ...found,
          queuedAt: found.queuedAt.toISOString(),
          startedAt: iso(found.startedAt),
          finishedAt: iso(found.finishedAt),
        }
      },
    })
    api.get('/api/alerts/stream', {
      config: { roles: ['csm', 'admin'] },
      schema: {
        tags: ['alerts'],
        security: bearer,
        summary: 'Server-sent events: each new alert (text/event-stream)',
      },
      handler: (request, reply) => streamRows(options.db, alertSource, request, reply, pollMs),
    })
    api.get('/api/leads/stream', {
      config: { roles: ['sales', 'admin'] },
      schema: {
        tags: ['leads'],
        security: bearer,
        summary: 'Server-sent events: each new lead (text/event-stream)',
      },
      handler: (request, reply) => streamRows(options.db, leadSource, request, reply, pollMs),
    })
  }
}
