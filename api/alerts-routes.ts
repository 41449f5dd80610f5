import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Db } from '../platform/postgres.js'
import { alertsController as alerts } from './alerts-controller.js'
import {
  alertChange,
  alertPage,
  assignBody,
  listAlertsQuery,
  resolveBody,
  snoozeBody,
} from './alerts-schemas.js'
import { caller } from './auth.js'
import { bearer, errorResponses, idParams } from './schemas.js'

const roles = ['csm', 'admin'] as const
const tags = ['alerts']
const changed = { 200: alertChange, ...errorResponses }

/** Customer success's queue: churn alerts and their state machine (api/alert-state.ts). */
export async function alertsRoutes(app: FastifyInstance, options: { db: Db }) {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const { db } = options

  api.get('/api/alerts', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary: 'Alerts, newest first, with filters',
      querystring: listAlertsQuery,
      response: { 200: alertPage, ...errorResponses },
    },
    handler: (request) => alerts.list(db, request.query),
  })

  api.post('/api/alerts/:id/acknowledge', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary: 'Acknowledge an open or snoozed alert',
      params: idParams,
      response: changed,
    },
    handler: (request) => alerts.acknowledge(db, caller(request), request.params.id),
  })

  api.post('/api/alerts/:id/snooze', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary: 'Snooze an unresolved alert until a time in the future',
      params: idParams,
      body: snoozeBody,
      response: changed,
    },
    handler: (request) => alerts.snooze(db, caller(request), request.params.id, request.body.until),
  })

  api.post('/api/alerts/:id/resolve', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary: 'Resolve an alert with a resolution',
      params: idParams,
      body: resolveBody,
      response: changed,
    },
    handler: (request) =>
      alerts.resolve(db, caller(request), request.params.id, request.body.resolution),
  })

  api.post('/api/alerts/:id/assign', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary: 'Assign an unresolved alert to a user (null unassigns)',
      params: idParams,
      body: assignBody,
      response: changed,
    },
    handler: (request) =>
      alerts.assign(db, caller(request), request.params.id, request.body.assigneeId),
  })
}
