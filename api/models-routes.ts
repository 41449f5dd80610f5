import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ModuleCatalogue } from '../ingest/module-catalogue.js'
import { TimeSplitError, TooFewOutcomesError } from '../model/dataset.js'
import { trainAndStore } from '../model/retrain.js'
import {
  activateModel,
  getModel,
  listModels,
  ModelNotFoundError,
  type StoredModel,
} from '../model/store.js'
import { churnBaselines } from '../model/train.js'
import { AppError } from '../platform/errors.js'
import { loadBuiltinRules } from '../rules/builtin.js'
import { actorOf, caller } from './auth.js'
import type { PeopleApiOptions } from './people-api.js'
import { bearer, errorResponses, timestamp } from './schemas.js'

// The data team's view of the churn model: versions with their validation reports
// beside the baselines', training on demand, activation. Admins may do the same.
const dataTeam = ['data', 'admin'] as const
const tags = ['models']

const ratio = z.number().nullable()
const qualityReport = z.object({
  name: z.string(),
  kind: z.enum(['model', 'rule', 'health']),
  rows: z.number().int(),
  positiveRows: z.number().int(),
  auc: ratio,
  prAuc: ratio.describe('average precision over the validation rows'),
  brier: ratio,
  liftTopDecile: ratio,
  threshold: ratio,
  accounts: z.number().int(),
  flaggedAccounts: z.number().int(),
  truePositives: z.number().int(),
  precision: ratio,
  recall: ratio,
  medianLeadTimeDays: ratio,
  leadTimeOutcomes: z.number().int(),
  calibration: z
    .array(
      z.object({
        from: z.number(),
        to: z.number(),
        rows: z.number().int(),
        meanPredicted: ratio,
        observedRate: ratio,
      }),
    )
    .optional(),
})

const modelSummary = z.object({
  id: z.number().int(),
  algorithm: z.string(),
  status: z.enum(['candidate', 'active', 'retired', 'rejected']),
  statusReason: z.string(),
  features: z.array(z.string()),
  weights: z.record(z.string(), z.number()).describe('per feature, per standard deviation of it'),
  horizonDays: z.number().int(),
  trainingPeriod: z.object({ from: z.string(), to: z.string() }),
  validationPeriod: z.object({ from: z.string(), to: z.string() }),
  threshold: z.number(),
  targetPrecision: z.number(),
  outcomes: z.object({ training: z.number().int(), validation: z.number().int() }),
  report: qualityReport,
  baselines: z.array(qualityReport),
  previous: qualityReport.extend({ modelId: z.number().int() }).optional(),
  trainedBy: z.string(),
  trainedAt: timestamp,
  activatedAt: timestamp.nullable(),
})

const modelList = z.object({ items: z.array(modelSummary), nextCursor: z.string().nullable() })
const modelParams = z.object({ id: z.coerce.number().int().min(1) })
const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().regex(/^\d+$/, 'a cursor from an earlier page').optional(),
})
const trainBody = z
  .object({
    horizonDays: z.number().int().min(1).max(365).optional(),
    validationDays: z.number().int().min(1).optional(),
    activate: z
      .boolean()
      .default(true)
      .describe('go live when better than the active model (the first: than every baseline)'),
  })
  .strict()
const trainAnswer = z.object({ model: modelSummary, activated: z.boolean() })

function summary(m: StoredModel): z.infer<typeof modelSummary> {
  return {
    id: m.id,
    algorithm: m.algorithm,
    status: m.status,
    statusReason: m.statusReason,
    features: m.features,
    weights: Object.fromEntries(m.features.map((f, i) => [f, round(m.params.weights[i]!)])),
    horizonDays: m.horizonDays,
    trainingPeriod: { from: m.trainFrom, to: m.trainTo },
    validationPeriod: { from: m.validFrom, to: m.validTo },
    threshold: m.threshold,
    targetPrecision: m.targetPrecision,
    outcomes: m.metrics.outcomes,
    report: m.metrics.model,
    baselines: m.metrics.baselines,
    ...(m.metrics.previous ? { previous: m.metrics.previous } : {}),
    trainedBy: m.trainedBy,
    trainedAt: m.trainedAt,
    activatedAt: m.activatedAt,
  }
}

const round = (x: number) => Math.round(x * 1e4) / 1e4

export function createModelsRoutes(deps: { catalogue: ModuleCatalogue }) {
  return async function modelsRoutes(app: FastifyInstance, options: PeopleApiOptions) {
    const api = app.withTypeProvider<ZodTypeProvider>()
    const { db, ch, config } = options

    api.get('/api/models', {
      config: { roles: dataTeam },
      schema: {
        tags,
        security: bearer,
        summary: 'Churn models, newest first, each with its validation report and baselines',
        querystring: listQuery,
        response: { 200: modelList, ...errorResponses },
      },
      handler: async (request) => {
        const { limit, cursor } = request.query
        const rows = await listModels(db, {
          limit: limit + 1,
          ...(cursor ? { before: Number(cursor) } : {}),
        })
        const items = rows.slice(0, limit)
        return {
          items: items.map(summary),
          nextCursor: rows.length > limit ? String(items.at(-1)!.id) : null,
        }
      },
    })

    api.get('/api/models/:id', {
      config: { roles: dataTeam },
      schema: {
        tags,
        security: bearer,
        summary: 'One churn model',
        params: modelParams,
        response: { 200: modelSummary, ...errorResponses },
      },
      handler: async (request) => {
        const model = await getModel(db, request.params.id)
        if (!model) throw new AppError('NOT_FOUND', `no churn model ${request.params.id}`)
        return summary(model)
      },
    })

    api.post('/api/models/train', {
      config: { roles: dataTeam },
      schema: {
        tags,
        security: bearer,
        summary:
          'Train a churn model now on the history so far; judged on a later period it never saw, beside the churn rules and the health score',
        body: trainBody,
        response: { 201: trainAnswer, ...errorResponses },
      },
      handler: async (request, reply) => {
        const modules = deps.catalogue.modules
        try {
          const { model, activated } = await trainAndStore(
            { ch, db },
            {
              horizonDays: request.body.horizonDays ?? config.MODEL_HORIZON_DAYS,
              validationDays: request.body.validationDays,
              targetPrecision: config.MODEL_TARGET_PRECISION,
              modulesAvailable: modules.length,
              baselines: churnBaselines(loadBuiltinRules(modules)),
              modules,
              trainedBy: actorOf(caller(request)),
              activate: request.body.activate ? 'if-better' : 'never',
            },
          )
          return reply.code(201).send({ model: summary(model), activated })
        } catch (error) {
          if (error instanceof TooFewOutcomesError)
            throw new AppError('MODEL_TOO_FEW_OUTCOMES', error.message, {
              needed: error.needed,
              found: error.found,
            })
          if (error instanceof TimeSplitError)
            throw new AppError('MODEL_HISTORY_TOO_SHORT', error.message)
          throw error
        }
      },
    })

    api.post('/api/models/:id/activate', {
      config: { roles: dataTeam },
      schema: {
        tags,
        security: bearer,
        summary: 'Make a model the one that scores customers; the active one before is retired',
        params: modelParams,
        response: { 200: modelSummary, ...errorResponses },
      },
      handler: async (request) => {
        try {
          return summary(
            await activateModel(db, request.params.id, `activated by ${actorOf(caller(request))}`),
          )
        } catch (error) {
          if (error instanceof ModelNotFoundError) throw new AppError('NOT_FOUND', error.message)
          throw error
        }
      },
    })
  }
}
