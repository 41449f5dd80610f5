/** What the health score is made of, each a number in 0..1 (1 is healthy). */
export interface HealthComponents {
  usageTrend: number
  moduleBreadth: number
  seatUtilisation: number
  recency: number
  openAlerts: number
}

export type HealthWeights = Record<keyof HealthComponents, number>

/** The default weights: usage and its trend matter most; they add up to 1. */
export const defaultHealthWeights: HealthWeights = {
  usageTrend: 0.3,
  moduleBreadth: 0.15,
  seatUtilisation: 0.25,
  recency: 0.2,
  openAlerts: 0.1,
}

export interface HealthInputs {
  activeUsers: number
  activeUsersBefore: number
  modulesUsed: number
  /** The modules the customer pays for or the catalogue's free ones it could use. */
  modulesAvailable: number
  seats: number | null
  daysSinceActive: number | null
  openAlerts: number
}

const clamp = (x: number) => Math.min(1, Math.max(0, x))

/**
 * The health of one customer, 0–100, with its components, so that a CSM sees why. Each
 * component maps a raw figure onto 0..1: a trend of −50 % or worse is 0 and flat or
 * growing is 1; a seat utilisation of 80 % counts as full use; 14 days without
 * activity is 0; each open alert takes a third off.
 */
export function healthScore(
  inputs: HealthInputs,
  weights: HealthWeights = defaultHealthWeights,
): { score: number; components: HealthComponents } {
  const trend =
    inputs.activeUsersBefore === 0
      ? inputs.activeUsers > 0
        ? 1
        : 0
      : inputs.activeUsers / inputs.activeUsersBefore - 1
  const components: HealthComponents = {
    usageTrend: clamp(1 + 2 * Math.min(0, trend)),
    moduleBreadth:
      inputs.modulesAvailable > 0
        ? clamp(inputs.modulesUsed / Math.min(inputs.modulesAvailable, 5))
        : 0,
    seatUtilisation: inputs.seats
      ? clamp(inputs.activeUsers / inputs.seats / 0.8)
      : inputs.activeUsers > 0
        ? 1
        : 0,
    recency: inputs.daysSinceActive === null ? 0 : clamp(1 - inputs.daysSinceActive / 14),
    openAlerts: clamp(1 - inputs.openAlerts / 3),
  }
  const total = Object.values(weights).reduce((a, b) => a + b, 0)
  const weighted = (Object.keys(components) as Array<keyof HealthComponents>).reduce(
    (sum, key) => sum + components[key] * weights[key],
    0,
  )
  const rounded = Object.fromEntries(
    Object.entries(components).map(([k, v]) => [k, Math.round(v * 100) / 100]),
  ) as unknown as HealthComponents
  return { score: Math.round((100 * weighted) / (total || 1)), components: rounded }
}
