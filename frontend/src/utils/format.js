/** A timestamp as a short local date and time ("22 Nov 2026, 14:05"); "—" when missing. */
export function formatDateTime(value, timeZone) {
  if (!value) return '—'
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return '—'
  const options = { dateStyle: 'medium', timeStyle: 'short' }
  try {
    return new Intl.DateTimeFormat(undefined, timeZone ? { ...options, timeZone } : options).format(date)
  } catch {
    return new Intl.DateTimeFormat(undefined, options).format(date)
  }
}

/** An hour of the day (0-23) as "07:00". */
export function formatHour(hour) {
  return `${String(hour).padStart(2, '0')}:00`
}

/** Human label for an identifier such as "product_export" -> "Product export". */
export function humanize(value) {
  if (!value) return ''
  const text = String(value).replace(/[_-]+/g, ' ')
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** Only same-site paths are followed after login (never "//host" or absolute URLs). */
export function safeRedirect(next, fallback = '/') {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) {
    return fallback
  }
  return next
}

/**
 * A stats bucket's label in the user's locale, from its start: "22 Nov" (day), "week of 17 Nov"
 * (week), "Nov 2026" (month). Falls back to the API's ISO label.
 */
export function formatBucketLabel(bucket, kind, timeZone) {
  const date = new Date(bucket?.start)
  if (Number.isNaN(date.getTime())) return bucket?.label || ''
  const options = kind === 'month' ? { month: 'short', year: 'numeric' } : { day: 'numeric', month: 'short' }
  let text
  try {
    text = new Intl.DateTimeFormat(undefined, timeZone ? { ...options, timeZone } : options).format(date)
  } catch {
    text = new Intl.DateTimeFormat(undefined, options).format(date)
  }
  return kind === 'week' ? `week of ${text}` : text
}
