// Purposes of the random streams, the first part of every derived key: two purposes
// never share a stream, so adding draws to one never shifts another.
export const STREAM = {
  plans: 1,
  tenant: 2,
  traits: 3,
  calendar: 4,
  tenantDay: 5,
} as const
