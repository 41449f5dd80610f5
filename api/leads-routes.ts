import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Db } from '../platform/postgres.js'
import { caller } from './auth.js'
import { leadsController as leads } from './leads-controller.js'
import {
  convertedLead,
  convertLeadBody,
  createdLead,
  createLeadBody,
  leadPage,
  listLeadsQuery,
  updatedLead,
  updateLeadBody,
} from './leads-schemas.js'
import { bearer, errorResponses, idParams } from './schemas.js'

const roles = ['sales', 'admin'] as const
const tags = ['leads']

/** The sales inbox: ABM and MQL leads, MQL entry, updates and conversion. */
export async function leadsRoutes(app: FastifyInstance, options: { db: Db }) {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const { db } = options

  api.get('/api/leads', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary: 'The lead inbox, best score first',
      querystring: listLeadsQuery,
      response: { 200: leadPage, ...errorResponses },
    },
    handler: (request) => leads.list(db, request.query),
  })

  api.post('/api/leads', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary: 'MQL entry: open a lead for a prospect (the account becomes a lead)',
      body: createLeadBody,
      response: { 201: createdLead, ...errorResponses },
    },
    handler: async (request, reply) =>
      reply.code(201).send(await leads.create(db, caller(request), request.body)),
  })

  api.patch('/api/leads/:id', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary: 'Work, disqualify, assign or annotate a lead',
      params: idParams,
      body: updateLeadBody,
      response: { 200: updatedLead, ...errorResponses },
    },
    handler: (request) => leads.update(db, caller(request), request.params.id, request.body),
  })

  api.post('/api/leads/:id/convert', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary: "Convert a lead into the account's new-business opportunity",
      params: idParams,
      body: convertLeadBody,
      response: { 200: convertedLead, ...errorResponses },
    },
    handler: (request) => leads.convert(db, caller(request), request.params.id, request.body),
  })
}
