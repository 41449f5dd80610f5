import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Db } from '../platform/postgres.js'
import { caller } from './auth.js'
import { bearer, errorResponses, idParams } from './schemas.js'
import { tasksController as tasks } from './tasks-controller.js'
import {
  cancelTaskBody,
  completeTaskBody,
  createTaskBody,
  listTasksQuery,
  taskAnswer,
  taskPage,
  updateTaskBody,
} from './tasks-schemas.js'

// Each role then sees only the tasks on its accounts (tasks-store.ts).
const roles = ['sales', 'csm', 'admin'] as const
const tags = ['tasks']
const answer = { 200: taskAnswer, ...errorResponses }

/** Follow-ups: my tasks, an account's, an alert's; made by people and by playbooks. */
export async function tasksRoutes(app: FastifyInstance, options: { db: Db; escalateDays: number }) {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const { db } = options
  const clock = () => ({ now: new Date(), escalateDays: options.escalateDays })

  api.get('/api/tasks', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary:
        'Tasks, soonest due first, with filters (mine, account, status, overdue, due before)',
      querystring: listTasksQuery,
      response: { 200: taskPage, ...errorResponses },
    },
    handler: (request) => tasks.list(db, caller(request), request.query, clock()),
  })

  api.get('/api/tasks/:id', {
    config: { roles },
    schema: { tags, security: bearer, summary: 'One task', params: idParams, response: answer },
    handler: (request) => tasks.get(db, caller(request), request.params.id, clock()),
  })

  api.post('/api/tasks', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary:
        'Add a follow-up on an account, optionally for one of its leads, alerts or opportunities',
      body: createTaskBody,
      response: { 201: taskAnswer, ...errorResponses },
    },
    handler: async (request, reply) =>
      reply.code(201).send(await tasks.create(db, caller(request), request.body, clock())),
  })

  api.patch('/api/tasks/:id', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary: 'Retitle, retype, reschedule or reassign an open task',
      params: idParams,
      body: updateTaskBody,
      response: answer,
    },
    handler: (request) =>
      tasks.update(db, caller(request), request.params.id, request.body, clock()),
  })

  api.post('/api/tasks/:id/complete', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary: 'Mark an open task done, with what came of it',
      params: idParams,
      body: completeTaskBody,
      response: answer,
    },
    handler: (request) =>
      tasks.complete(db, caller(request), request.params.id, request.body.outcome, clock()),
  })

  api.post('/api/tasks/:id/cancel', {
    config: { roles },
    schema: {
      tags,
      security: bearer,
      summary: 'Cancel an open task, with why',
      params: idParams,
      body: cancelTaskBody,
      response: answer,
    },
    handler: (request) =>
      tasks.cancel(db, caller(request), request.params.id, request.body?.reason, clock()),
  })
}
