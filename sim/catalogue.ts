import { readFileSync } from 'node:fs'
import { z } from 'zod'

// The module catalogue as the simulator reads it. The simulator keeps its own copy of
// the schema so that it depends on nothing in ingest/: it is the product's side of
// the wire, and only has to agree with modules.json.
const moduleSchema = z.object({
  key: z.string().regex(/^[a-z][a-z0-9_-]*$/),
  name: z.string().min(1),
  paid: z.boolean(),
  paths: z.array(z.string().startsWith('/')).default([]),
  pricingPaths: z.array(z.string().startsWith('/')).optional(),
})

const catalogueSchema = z.object({
  defaultPaths: z.array(z.string().startsWith('/')).default([]),
  defaultPricingPaths: z.array(z.string().startsWith('/')).default([]),
  generalPricingPaths: z.array(z.string().startsWith('/')).default([]),
  modules: z.array(moduleSchema).min(1),
})

export type ModuleDef = z.infer<typeof moduleSchema>
export type ModuleCatalogue = z.infer<typeof catalogueSchema>

/** Validates a parsed modules.json; needs at least one free and one paid module. */
export function parseCatalogue(json: unknown): ModuleCatalogue {
  const catalogue = catalogueSchema.parse(json)
  if (!catalogue.modules.some((m) => m.paid) || !catalogue.modules.some((m) => !m.paid)) {
    throw new Error('the module catalogue needs at least one free and one paid module')
  }
  return catalogue
}

/** Reads and validates modules.json from a path the caller chose. */
export function loadCatalogue(file: string): ModuleCatalogue {
  return parseCatalogue(JSON.parse(readFileSync(file, 'utf8')))
}

/** A module's view patterns: its own paths, then the catalogue defaults. */
export function viewPatterns(catalogue: ModuleCatalogue, module: ModuleDef): string[] {
  return [...module.paths, ...catalogue.defaultPaths].map((p) => p.replaceAll('{key}', module.key))
}

export function pricingPatterns(catalogue: ModuleCatalogue, module: ModuleDef): string[] {
  return (module.pricingPaths ?? catalogue.defaultPricingPaths).map((p) =>
    p.replaceAll('{key}', module.key),
  )
}
