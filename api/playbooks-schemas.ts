import { z } from 'zod'
import { timestamp } from './schemas.js'

export const playbookSummary = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['draft', 'active', 'paused', 'archived']),
  activeVersion: z.number().int().nullable(),
  version: z.number().int().describe('the newest version'),
  definition: z.unknown().describe('the newest version: trigger, segment, tasks'),
  createdBy: z.string(),
  createdAt: timestamp,
})

export const playbookList = z.object({ items: z.array(playbookSummary) })

export const playbookIdParams = z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/) })

/** A playbook document; validated against the playbook schema by the controller. */
export const playbookDocument = z
  .record(z.string(), z.unknown())
  .describe('a playbook (crm/README.md, "Playbooks")')

export const playbookVersion = z.object({ id: z.string(), version: z.number().int() })

export const activatePlaybookBody = z.object({ version: z.number().int().min(1) })
