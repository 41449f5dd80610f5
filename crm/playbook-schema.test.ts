import { describe, expect, it } from 'vitest'
import { loadBuiltinPlaybooks } from './builtin-playbooks.js'
import { parsePlaybook, renderTitle } from './playbook-schema.js'

const task = (over: Record<string, unknown> = {}) => ({
  key: 'call',
  title: 'Call {account}',
  type: 'call',
  dueInDays: 1,
  assignee: 'account_csm',
  ...over,
})

const playbook = (over: Record<string, unknown> = {}) => ({
  id: 'test-playbook',
  name: 'Test',
  trigger: { type: 'alert_opened' },
  tasks: [task()],
  ...over,
})

const issuesOf = (document: unknown) => {
  const parsed = parsePlaybook(document)
  if (parsed.ok) throw new Error('expected the playbook to be refused')
  return parsed.issues
}

describe('when the built-in playbooks load', () => {
  it('validates each of them: onboarding, high-severity churn alert, renewal, monthly check-in', () => {
    expect(loadBuiltinPlaybooks().map((p) => [p.id, p.trigger.type])).toEqual([
      ['high-churn-alert', 'alert_opened'],
      ['monthly-check-in', 'cadence'],
      ['onboarding', 'became_customer'],
      ['renewal-60-days', 'renewal_due'],
    ])
  })
})

describe('when a playbook is valid', () => {
  it('fills in the defaults: a week of lookback, resolving not gated by tasks', () => {
    const parsed = parsePlaybook(playbook())
    expect(parsed.ok && parsed.playbook).toMatchObject({
      lookbackDays: 7,
      requireTasksDoneToResolve: false,
      description: '',
    })
  })

  it('takes a round-robin assignee and a segment', () => {
    const parsed = parsePlaybook(
      playbook({
        trigger: { type: 'cadence', everyDays: 14, taskType: 'call' },
        segment: { plans: ['Enterprise'], minMrr: 1000 },
        tasks: [task({ assignee: { roundRobin: 'csm' } })],
      }),
    )
    expect(parsed.ok).toBe(true)
  })
})

describe('when a playbook is invalid', () => {
  it.each([
    ['an unknown trigger', { trigger: { type: 'nps_dropped' } }, 'trigger.type'],
    [
      'a severity outside the set',
      { trigger: { type: 'alert_opened', severities: ['urgent'] } },
      'trigger.severities.0',
    ],
    ['a negative offset', { tasks: [task({ dueInDays: -1 })] }, 'tasks.0.dueInDays'],
    ['an unknown task type', { tasks: [task({ type: 'visit' })] }, 'tasks.0.type'],
    [
      'an unknown assignee rule',
      { tasks: [task({ assignee: { roundRobin: 'data' } })] },
      'tasks.0.assignee',
    ],
    [
      'a lead owner without a lead',
      { tasks: [task({ assignee: 'lead_owner' })] },
      'tasks.0.assignee',
    ],
    ['an unknown placeholder', { tasks: [task({ title: 'Call {owner}' })] }, 'tasks.0.title'],
    [
      'a placeholder of another trigger',
      {
        trigger: { type: 'cadence', everyDays: 30, taskType: 'call' },
        tasks: [task({ title: 'Call {alertTitle}' })],
      },
      'tasks.0.title',
    ],
    ['a task key used twice', { tasks: [task(), task()] }, 'tasks.1.key'],
    [
      'a cadence counting a type it never creates',
      { trigger: { type: 'cadence', everyDays: 30, taskType: 'meeting' } },
      'trigger.taskType',
    ],
    [
      'a resolve gate without an alert',
      { trigger: { type: 'lead_opened' }, requireTasksDoneToResolve: true },
      'requireTasksDoneToResolve',
    ],
    ['an MRR range upside down', { segment: { minMrr: 500, maxMrr: 100 } }, 'segment.maxMrr'],
    ['no task at all', { tasks: [] }, 'tasks'],
    ['an unknown field', { owner: 'me' }, ''],
  ])('refuses %s, naming the field', (_situation, change, path) => {
    const issues = issuesOf(playbook(change))
    expect(issues.map((issue) => issue.path)).toContain(path)
    for (const issue of issues) expect(issue.message).not.toBe('')
  })
})

describe('when a title is rendered', () => {
  it('fills the known placeholders and leaves the text around them', () => {
    expect(
      renderTitle('Call {account}: {alertTitle}', { account: 'Acme', alertTitle: 'usage fell' }),
    ).toBe('Call Acme: usage fell')
  })
})
