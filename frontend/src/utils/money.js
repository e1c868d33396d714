/** Integer cents as money in the shop's currency ("12.50 EUR" in the reader's locale); "—" when missing. */
export function formatCents(cents, currency = 'EUR') {
  if (cents === null || cents === undefined) return '—'
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100)
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`
  }
}
