// Small display helpers shared by the product pages.

/** A price in currency units as "1,234.50"; "—" when the product has none. */
export function formatPrice(value) {
  if (value === null || value === undefined) return '—'
  return Number(value).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 })
}

/** "3 min ago", "2 h ago", "5 d ago" or a date, for last-activity times. */
export function timeAgo(value, now = Date.now()) {
  if (!value) return '—'
  const then = new Date(value).getTime()
  if (Number.isNaN(then)) return '—'
  const seconds = Math.max(0, Math.round((now - then) / 1000))
  if (seconds < 60) return 'just now'
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`
  if (seconds < 86400 * 30) return `${Math.floor(seconds / 86400)} d ago`
  return new Date(value).toLocaleDateString(undefined, { dateStyle: 'medium' })
}

/** "energy, fixed income" -> ["energy", "fixed income"] (trimmed, blanks and duplicates dropped). */
export function parseTags(text) {
  const tags = String(text || '')
    .split(',')
    .map((tag) => tag.trim().replace(/\s+/g, ' ').toLowerCase())
    .filter(Boolean)
  return [...new Set(tags)]
}
