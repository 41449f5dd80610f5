import { type Logger, pino } from 'pino'

export type { Logger }

// Redaction by path, never by substring: a key named "description" stays visible.
const redact = {
  paths: [
    'req.headers.authorization',
    'headers.authorization',
    'writeKey',
    '*.writeKey',
    'config.INGEST_WRITE_KEY',
    'config.ADMIN_API_KEY',
    'config.DATABASE_URL',
  ],
  censor: '[redacted]',
}

export function createLogger(level: string): Logger {
  return pino({ level, redact, base: { service: 'tenantpulse' } })
}
