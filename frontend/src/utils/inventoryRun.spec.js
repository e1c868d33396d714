import { describe, expect, it } from 'vitest'
import { runSummary, sourceName, sourceRows } from './inventoryRun.js'

const run = (status, sources) => ({ status, sources, message: 'raw text' })

describe('inventory run summaries', () => {
  it('names sources in words', () => {
    expect(sourceName('category:gloves')).toBe('the Gloves list')
    expect(sourceName('manufacturer:abiplos')).toBe('Abiplos availability')
  })

  it('says which sources failed, not the raw message', () => {
    const partial = run('partial', {
      'category:gloves': { status: 'ok', attempts: 1 },
      'manufacturer:ippal': { status: 'failed', attempts: 3, error: '503 Service Unavailable' },
      'manufacturer:abiplos': { status: 'not_modified', attempts: 1 },
    })
    expect(runSummary(partial)).toBe('The supplier did not answer for 1 of 3 sources: Ippal availability.')
    expect(sourceRows(partial)[0]).toMatchObject({ key: 'manufacturer:ippal', status: 'failed', attempts: 3 })
  })

  it('says when nothing answered, and nothing for a good run', () => {
    const failed = run('failed', {
      'category:gloves': { status: 'failed', attempts: 3 },
      'category:beanies': { status: 'failed', attempts: 3 },
    })
    expect(runSummary(failed)).toBe('None of the 2 supplier sources answered.')
    expect(runSummary(run('failed', {}))).toBe('The supplier could not be reached.')
    expect(runSummary(run('ok', { 'category:gloves': { status: 'ok', attempts: 1 } }))).toBe('')
  })

  it('lists at most three names and counts the rest', () => {
    const sources = Object.fromEntries(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((m) => [`manufacturer:${m}`, { status: 'failed', attempts: 2 }]),
    )
    sources['category:gloves'] = { status: 'ok', attempts: 1 }
    expect(runSummary(run('partial', sources))).toBe(
      'The supplier did not answer for 6 of 7 sources: A availability, B availability, C availability and 3 more.',
    )
  })
})
