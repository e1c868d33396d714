// Pure helpers for tracker types and values: labels, durations, how a value reads.

export const TRACKER_TYPES = [
  { value: 'numeric', label: 'Number', hint: 'A measurement with an optional unit and range (weight, steps).' },
  { value: 'boolean', label: 'Yes / no', hint: 'Did it happen? (meditated, took vitamins).' },
  { value: 'choice', label: 'Multiple choice', hint: 'One of a few options (coffee, tea, water).' },
  { value: 'rating', label: 'Rating', hint: 'Stars on a scale of 2 to 10 (mood, sleep quality).' },
  { value: 'duration', label: 'Duration', hint: 'Time spent, entered like "1h 29m".' },
  { value: 'text', label: 'Text', hint: 'A short note or journal line.' },
]

export const FREQUENCIES = [
  { value: 'hourly', label: 'Hourly', period: 'hour' },
  { value: 'daily', label: 'Daily', period: 'day' },
  { value: 'weekly', label: 'Weekly', period: 'week' },
  { value: 'monthly', label: 'Monthly', period: 'month' },
]

export function typeLabel(type) {
  return TRACKER_TYPES.find((t) => t.value === type)?.label || type
}

export function periodWord(frequency) {
  return FREQUENCIES.find((f) => f.value === frequency)?.period || 'period'
}

/** "today", "this hour", "this week", "this month" for a tracker's frequency. */
export function currentPeriodLabel(frequency) {
  return frequency === 'daily' ? 'today' : `this ${periodWord(frequency)}`
}

const UNITS = { d: 86400, h: 3600, m: 60, s: 1 }
const WORDS = {
  d: 'd',
  day: 'd',
  days: 'd',
  h: 'h',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  m: 'm',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  s: 's',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
}

/** Seconds from "1h 29m", "90m", "1:29", "1:29:05" or "5400"; null when it cannot be read. */
export function parseDuration(input) {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? Math.round(input) : null
  const text = String(input ?? '')
    .trim()
    .toLowerCase()
  if (!text) return null
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text))
  const clock = text.match(/^(\d+):([0-5]\d)(?::([0-5]\d))?$/)
  if (clock) return Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3] || 0)
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)/g)]
  if (!parts.length) return null
  const rest = text.replace(/(\d+(?:\.\d+)?)\s*([a-z]+)/g, '').replace(/[\s,]/g, '')
  if (rest) return null
  let total = 0
  const seen = new Set()
  for (const [, amount, word] of parts) {
    const unit = WORDS[word]
    if (!unit || seen.has(unit)) return null
    seen.add(unit)
    total += Number(amount) * UNITS[unit]
  }
  return Math.round(total)
}

/** "1h 29m" from seconds. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(Number(seconds))) return ''
  let rest = Math.round(Number(seconds))
  if (rest === 0) return '0s'
  const parts = []
  for (const [label, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ]) {
    const amount = Math.floor(rest / size)
    rest -= amount * size
    if (amount) parts.push(`${amount}${label}`)
  }
  return parts.join(' ')
}

/** A value as a person reads it, for a tracker's type and settings. */
export function displayValue(tracker, value) {
  if (value === null || value === undefined) return '—'
  const settings = tracker?.settings || {}
  switch (tracker?.type) {
    case 'boolean':
      return value ? 'Yes' : 'No'
    case 'duration':
      return formatDuration(value)
    case 'rating':
      return `${'★'.repeat(value)}${'☆'.repeat(Math.max(0, (settings.scale || 5) - value))}`
    case 'numeric':
      return settings.unit ? `${value} ${settings.unit}` : String(value)
    default:
      return String(value)
  }
}

/** The empty value a log form starts from, per type. */
export function initialValue(tracker) {
  switch (tracker?.type) {
    case 'boolean':
      return true
    case 'rating':
      return null
    case 'choice':
      return null
    default:
      return ''
  }
}

/** "3 hours ago", "in 2 days", relative to now (for last-logged hints). */
export function timeAgo(value, now = Date.now()) {
  if (!value) return 'never'
  const seconds = Math.round((new Date(value).getTime() - now) / 1000)
  const steps = [
    ['year', 31536000],
    ['month', 2592000],
    ['week', 604800],
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
  ]
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
  for (const [unit, size] of steps) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit)
  }
  return 'just now'
}

/** A <input type="datetime-local"> value ("2026-11-22T09:30") for an ISO timestamp, in a time zone. */
export function toLocalInput(iso, timeZone) {
  const date = iso ? new Date(iso) : new Date()
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timeZone || undefined,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date)
  const get = (type) => parts.find((p) => p.type === type)?.value
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`
}

/** "6h 47m" from seconds, to the minute (for chart ticks and tooltips; whole minutes read better there). */
export function formatDurationShort(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return ''
  const total = Math.round(Number(seconds))
  if (Math.abs(total) < 60) return `${total}s`
  const sign = total < 0 ? '−' : ''
  const minutes = Math.round(Math.abs(total) / 60)
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  if (!h) return `${sign}${m}m`
  return m ? `${sign}${h}h ${m}m` : `${sign}${h}h`
}

/**
 * A number on a chart axis or in a tooltip, as the tracker's type reads: durations "6h 47m",
 * yes/no as "Yes"/"No" (a mean between as "60% yes"), ratings "3.5 ★", numbers with their unit.
 */
export function chartValue(tracker, value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return '—'
  const number = Number(value)
  const rounded = Math.round(number * 100) / 100
  const unit = tracker?.settings?.unit
  switch (tracker?.type) {
    case 'duration':
      return formatDurationShort(number)
    case 'boolean':
      if (number === 1) return 'Yes'
      if (number === 0) return 'No'
      return `${Math.round(number * 100)}% yes`
    case 'rating':
      return `${rounded} ★`
    default:
      return unit ? `${rounded.toLocaleString()} ${unit}` : rounded.toLocaleString()
  }
}

/** The stats buckets a chart draws: the month view starts at the first month with data, not 12 months back. */
export function chartBuckets(stats) {
  const buckets = stats?.buckets || []
  if (stats?.bucket !== 'month') return buckets
  const first = buckets.findIndex((b) => b.count > 0)
  return first <= 0 ? buckets : buckets.slice(first)
}
