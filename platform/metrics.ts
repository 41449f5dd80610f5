import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

export interface Metrics {
  registry: Registry
  eventsAccepted: Counter
  eventsRejected: Counter<'reason'>
  requestBatchSize: Histogram
  insertRows: Histogram
  insertSeconds: Histogram<'outcome'>
  requestsRefused: Counter<'code'>
  queueDepth: Gauge
  firingsApplied: Counter<'kind' | 'outcome'>
  firingsSkipped: Counter<'kind' | 'reason'>
  firingsDeferred: Counter<'kind'>
  rollupLagSeconds: Gauge
  rollupPendingRows: Gauge
}

/** One registry per app, so two apps in one test process do not share counters. */
export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'tenantpulse_' })
  const registers = [registry]
  return {
    registry,
    eventsAccepted: new Counter({
      name: 'tenantpulse_ingest_events_accepted_total',
      help: 'Events committed to ClickHouse',
      registers,
    }),
    eventsRejected: new Counter({
      name: 'tenantpulse_ingest_events_rejected_total',
      help: 'Events refused, kept in rejected_events',
      labelNames: ['reason'],
      registers,
    }),
    requestBatchSize: new Histogram({
      name: 'tenantpulse_ingest_request_events',
      help: 'Events per tracking request',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500],
      registers,
    }),
    insertRows: new Histogram({
      name: 'tenantpulse_ingest_insert_rows',
      help: 'Rows per group-commit insert',
      buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000, 25000],
      registers,
    }),
    insertSeconds: new Histogram({
      name: 'tenantpulse_ingest_insert_seconds',
      help: 'Latency of a group-commit insert',
      labelNames: ['outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    requestsRefused: new Counter({
      name: 'tenantpulse_http_refused_total',
      help: 'Requests answered with an error, by code',
      labelNames: ['code'],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'tenantpulse_ingest_queue_rows',
      help: 'Rows waiting for or in a ClickHouse insert',
      registers,
    }),
    firingsApplied: new Counter({
      name: 'tenantpulse_rules_firings_applied_total',
      help: 'Rule firings that opened or updated a lead or opened an alert, by outcome',
      labelNames: ['kind', 'outcome'],
      registers,
    }),
    firingsSkipped: new Counter({
      name: 'tenantpulse_rules_firings_skipped_total',
      help: 'Rule firings that changed nothing, by reason (alert_open, cooling_down, unknown_account, ...)',
      labelNames: ['kind', 'reason'],
      registers,
    }),
    rollupLagSeconds: new Gauge({
      name: 'tenantpulse_rollup_lag_seconds',
      help: 'How long the oldest committed events not yet in the rollups had waited, at the last rollups run',
      registers,
    }),
    rollupPendingRows: new Gauge({
      name: 'tenantpulse_rollup_pending_rows',
      help: 'Committed events not yet folded into the rollups, at the last rollups run',
      registers,
    }),
    firingsDeferred: new Counter({
      name: 'tenantpulse_rules_firings_deferred_total',
      help: 'Rule firings for an account the CRM did not know yet, handed back to be tried again',
      labelNames: ['kind'],
      registers,
    }),
  }
}
