/** IANA time zones this browser knows, with UTC first; the user's current one kept even if unknown. */
export function timeZoneOptions(current) {
  let zones
  try {
    zones = Intl.supportedValuesOf('timeZone')
  } catch {
    zones = []
  }
  const list = ['UTC', ...zones.filter((zone) => zone !== 'UTC')]
  if (current && !list.includes(current)) list.unshift(current)
  return list
}

/** The browser's own time zone, a sensible suggestion for a new account. */
export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  } catch {
    return 'UTC'
  }
}
