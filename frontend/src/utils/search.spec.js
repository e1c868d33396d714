import { describe, expect, it } from 'vitest'
import { hitContext, hitRoute, kindLabel, parseKinds, safeSnippet, totalLabel } from './search.js'

describe('search display helpers', () => {
  it('labels kinds and says where a hit belongs', () => {
    expect(kindLabel('document')).toBe('Document')
    expect(hitContext({ kind: 'comment', product: { id: 3, name: 'Acme' } })).toBe('Comment on Acme')
    expect(hitContext({ kind: 'document', product: { id: 3, name: 'Acme' } })).toBe('Document of Acme')
    expect(hitContext({ kind: 'product', product: { id: 3, name: 'Acme' } })).toBe('')
  })

  it('leads products, comments and documents to the product page and trackers to the tracker', () => {
    expect(hitRoute({ kind: 'comment', id: 9, product: { id: 3 } })).toEqual({ name: 'product', params: { id: '3' } })
    expect(hitRoute({ kind: 'product', id: 3, product: { id: 3 } })).toEqual({ name: 'product', params: { id: '3' } })
    expect(hitRoute({ kind: 'tracker', id: 5, tracker: { id: 5 } })).toEqual({ name: 'tracker', params: { id: '5' } })
  })

  it('says the total, with a plus when the server capped it', () => {
    expect(totalLabel(1, false)).toBe('1 result')
    expect(totalLabel(12, false)).toBe('12 results')
    expect(totalLabel(1000, true)).toBe('1000+ results')
  })

  it('keeps only known kinds from the route', () => {
    expect(parseKinds('document,nope, comment')).toEqual(['document', 'comment'])
    expect(parseKinds(undefined)).toEqual([])
  })

  it('lets no markup but <mark> through, even if the server slipped', () => {
    expect(safeSnippet('a <mark>b</mark> c')).toBe('a <mark>b</mark> c')
    expect(safeSnippet('<img src=x onerror=alert(1)><mark>ok</mark>')).toBe(
      '&lt;img src=x onerror=alert(1)><mark>ok</mark>',
    )
    expect(safeSnippet('<script>x</script>')).toBe('&lt;script>x&lt;/script>')
    expect(safeSnippet('<marker>')).toBe('&lt;marker>')
    expect(safeSnippet(null)).toBe('')
  })
})
