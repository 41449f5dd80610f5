// Progress of a long run on stderr. On a terminal: one line rewritten in place a few
// times a second; in a log or a pipe: a plain line every few seconds, since carriage
// returns would pile up there as one endless line.

export interface ProgressOut {
  write(text: string): unknown
  isTTY?: boolean
}

export interface ProgressOptions {
  label: string
  out: ProgressOut
  /** What `count` counts, e.g. "events". */
  unit: string
  /** Between plain lines when the output is not a terminal. Default 5 s. */
  intervalMs?: number
  /** Injected for tests. */
  now?: () => number
}

export interface Progress {
  /** fraction: 0..1 of the work done; count: units done so far. */
  update(fraction: number, count: number): void
  /** Prints the last state and ends the line. */
  done(): void
}

const TTY_INTERVAL_MS = 200

export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? (() => performance.now())
  const tty = options.out.isTTY === true
  const interval = tty ? TTY_INTERVAL_MS : (options.intervalMs ?? 5000)
  const started = now()
  let last = Number.NEGATIVE_INFINITY
  let state = { fraction: 0, count: 0 }

  const line = () => {
    const seconds = Math.max((now() - started) / 1000, 1e-3)
    const { fraction, count } = state
    const eta = fraction > 0 && fraction < 1 ? (seconds * (1 - fraction)) / fraction : 0
    return [
      options.label,
      `${(fraction * 100).toFixed(1).padStart(5)}%`,
      `${formatCount(count)} ${options.unit}`,
      `${formatCount(count / seconds)} ${options.unit}/s`,
      fraction < 1 ? `ETA ${formatDuration(eta)}` : `in ${formatDuration(seconds)}`,
    ].join('  ')
  }
  const show = () => {
    options.out.write(tty ? `\r\x1b[K${line()}` : `${line()}\n`)
  }
  return {
    update(fraction, count) {
      state = { fraction: Math.min(1, Math.max(0, fraction)), count }
      const t = now()
      if (t - last < interval) return
      last = t
      show()
    },
    done() {
      show()
      if (tty) options.out.write('\n')
    },
  }
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}
