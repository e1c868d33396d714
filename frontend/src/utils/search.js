// What the search UI needs to show a hit: its kind's label, where it leads, the total as words.

export const SEARCH_KINDS = [
  { value: 'product', label: 'Product', plural: 'Products' },
  { value: 'comment', label: 'Comment', plural: 'Comments' },
  { value: 'document', label: 'Document', plural: 'Documents' },
  { value: 'tracker', label: 'Tracker', plural: 'Trackers' },
]

/** The badge text of a hit's kind. */
export function kindLabel(kind) {
  return SEARCH_KINDS.find((k) => k.value === kind)?.label ?? kind
}

/** The route a hit opens: its product's page (products, comments, documents) or the tracker. */
export function hitRoute(hit) {
  if (hit.kind === 'tracker') return { name: 'tracker', params: { id: String(hit.id) } }
  const productId = hit.product?.id ?? hit.id
  return { name: 'product', params: { id: String(productId) } }
}

/** A line under the title: where a comment or document belongs. */
export function hitContext(hit) {
  if (hit.kind === 'comment') return `Comment on ${hit.product?.name ?? 'a product'}`
  if (hit.kind === 'document') return `Document of ${hit.product?.name ?? 'a product'}`
  if (hit.kind === 'tracker') return 'Your tracker'
  return ''
}

/** "1 result", "12 results", "1000+ results". */
export function totalLabel(total, capped) {
  if (capped) return `${total}+ results`
  return `${total} result${total === 1 ? '' : 's'}`
}

/** A `kind` query value (comma list) from the route, keeping only known kinds. */
export function parseKinds(value) {
  const known = new Set(SEARCH_KINDS.map((k) => k.value))
  return String(value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => known.has(v))
}

/** Belt and braces over the server's guarantee: any "<" that does not open or close a <mark> becomes text. */
export function safeSnippet(html) {
  return String(html ?? '').replace(/<(?!\/?mark>)/g, '&lt;')
}
