import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Db } from '../platform/postgres.js'
import { bearer, errorResponses, idParams } from './schemas.js'
import { webhooksController as webhooks } from './webhooks-controller.js'
import {
  createdSubscription,
  createWebhookBody,
  deliveriesQuery,
  deliveryPage,
  subscriptionList,
  subscriptionSchema,
} from './webhooks-schemas.js'

const roles = ['admin'] as const
const tags = ['webhooks']

/** Standard Webhooks subscriptions and their deliveries, failures included. */
export async function webhooksRoutes(app: FastifyInstance, options: { db: Db }) {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const { db } = options

  api.post('/api/webhooks', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary: 'Subscribe a URL to CRM events; the answer holds the signing secret, once',
      body: createWebhookBody,
      response: { 201: createdSubscription, ...errorResponses },
    },
    handler: async (request, reply) =>
      reply.code(201).send(await webhooks.create(db, request.body)),
  })

  api.get('/api/webhooks', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary: 'Every subscription, active or not (secrets are never shown again)',
      response: { 200: subscriptionList, ...errorResponses },
    },
    handler: () => webhooks.list(db),
  })

  api.delete('/api/webhooks/:id', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary: 'Deactivate a subscription: nothing more is delivered to it',
      params: idParams,
      response: { 200: subscriptionSchema, ...errorResponses },
    },
    handler: (request) => webhooks.deactivate(db, request.params.id),
  })

  api.get('/api/webhooks/:id/deliveries', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary: "A subscription's deliveries, newest first: attempts, last error, delivery time",
      params: idParams,
      querystring: deliveriesQuery,
      response: { 200: deliveryPage, ...errorResponses },
    },
    handler: (request) => webhooks.deliveries(db, request.params.id, request.query),
  })
}
