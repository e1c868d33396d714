// A calendar heat-map of daily stats buckets (Loop-style): one column per week, Monday on top.

/** The local date "2026-11-22" as [year, month, day]; null when it is not one. */
function parts(label) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(label || '')
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null
}

/**
 * How strongly a day shows, 0 (nothing logged) to 1: yes/no by the share of "yes", numbers,
 * ratings and durations by their mean between the range's min and max, other types by the count.
 * A day with only "No" answers gets -1 (shown as logged but empty).
 */
export function heatLevel(bucket, tracker, range) {
  if (!bucket || !bucket.count) return 0
  const type = tracker?.type
  if (type === 'boolean') return bucket.mean > 0 ? Math.max(0.25, bucket.mean) : -1
  if (['numeric', 'rating', 'duration'].includes(type) && bucket.mean !== null) {
    if (type === 'rating') {
      const scale = tracker.settings?.scale || 5
      return Math.max(0.25, bucket.mean / scale)
    }
    if (range.max === range.min) return 1
    return 0.25 + (0.75 * (bucket.mean - range.min)) / (range.max - range.min)
  }
  return Math.max(0.25, bucket.count / Math.max(1, range.maxCount))
}

/**
 * Weeks of seven cells (null before the first or after the last day) and the month that starts
 * in each week (for the labels above the columns).
 */
export function heatmapWeeks(buckets, tracker, locale = undefined) {
  const days = (buckets || []).filter((b) => parts(b.label))
  const means = days.filter((b) => b.count && b.mean !== null).map((b) => b.mean)
  const range = {
    min: means.length ? Math.min(...means) : 0,
    max: means.length ? Math.max(...means) : 0,
    maxCount: Math.max(0, ...days.map((b) => b.count)),
  }
  const monthName = new Intl.DateTimeFormat(locale, { month: 'short', timeZone: 'UTC' })
  const weeks = []
  let week = null
  for (const bucket of days) {
    const [y, m, d] = parts(bucket.label)
    const date = new Date(Date.UTC(y, m - 1, d))
    const row = (date.getUTCDay() + 6) % 7
    if (!week || row === 0) {
      week = { cells: Array(7).fill(null), month: '' }
      weeks.push(week)
    }
    if (d === 1) week.month = monthName.format(date)
    else if (weeks.length === 1 && !week.month) week.month = monthName.format(date)
    week.cells[row] = {
      date: bucket.label,
      count: bucket.count,
      mean: bucket.mean,
      level: heatLevel(bucket, tracker, range),
    }
  }
  // The first column's label only when its month does not start again in the next column.
  if (weeks.length > 1 && weeks[1].month && weeks[0].month) weeks[0].month = ''
  return weeks
}
