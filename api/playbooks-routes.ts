import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Db } from '../platform/postgres.js'
import { caller } from './auth.js'
import { playbooksController as playbooks } from './playbooks-controller.js'
import {
  activatePlaybookBody,
  playbookDocument,
  playbookIdParams,
  playbookList,
  playbookVersion,
} from './playbooks-schemas.js'
import { bearer, errorResponses } from './schemas.js'

// Everyone who gets tasks may read why. Writing is admin's: a playbook hands work to a
// whole team (round-robin reaches every rep or CSM), and no role below admin speaks for
// a team; the head of customer success holds an admin key, or asks for the change.
const readers = ['admin', 'csm', 'sales', 'data'] as const
const owners = ['admin'] as const
const tags = ['playbooks']
const versionAnswer = { 200: playbookVersion, ...errorResponses }

/** Playbooks as data: versions, validated, activated like rules. */
export async function playbooksRoutes(app: FastifyInstance, options: { db: Db }) {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const { db } = options

  api.get('/api/playbooks', {
    config: { roles: readers },
    schema: {
      tags,
      security: bearer,
      summary: 'Every playbook with its newest version',
      response: { 200: playbookList, ...errorResponses },
    },
    handler: () => playbooks.list(db),
  })

  api.post('/api/playbooks', {
    config: { roles: owners },
    schema: {
      tags,
      security: bearer,
      summary: 'Add a version of a playbook (validated); a new playbook starts as a draft',
      body: playbookDocument,
      response: { 201: playbookVersion, ...errorResponses },
    },
    handler: async (request, reply) =>
      reply.code(201).send(await playbooks.create(db, caller(request), request.body)),
  })

  api.post('/api/playbooks/:id/activate', {
    config: { roles: owners },
    schema: {
      tags,
      security: bearer,
      summary: 'Make a version the one that creates tasks',
      params: playbookIdParams,
      body: activatePlaybookBody,
      response: versionAnswer,
    },
    handler: (request) => playbooks.activate(db, request.params.id, request.body.version),
  })

  api.post('/api/playbooks/:id/retire', {
    config: { roles: owners },
    schema: {
      tags,
      security: bearer,
      summary: 'Stop a playbook from creating tasks; its tasks stay',
      params: playbookIdParams,
      response: versionAnswer,
    },
    handler: (request) => playbooks.retire(db, request.params.id),
  })
}
