// How a supplier poll run (PollRun from /api/inventory/status) reads to a person.
import { humanize } from './format.js'

/** "category:gloves" -> "the Gloves list"; "manufacturer:abiplos" -> "Abiplos availability". */
export function sourceName(key) {
  const [kind, name = ''] = String(key).split(':')
  if (kind === 'category') return `the ${humanize(name)} list`
  if (kind === 'manufacturer') return `${humanize(name)} availability`
  return humanize(key)
}

/** Words for a list: "a", "a and b", "a, b and c". */
function joinWords(words) {
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`
}

/** The run's sources as rows for the details list, failed ones first. */
export function sourceRows(run) {
  const rows = Object.entries(run?.sources || {}).map(([key, source]) => ({
    key,
    name: sourceName(key),
    status: source.status,
    attempts: source.attempts,
    seconds: source.seconds,
    error: source.error || '',
  }))
  return rows.sort((a, b) => (b.status === 'failed') - (a.status === 'failed'))
}

/**
 * One sentence on what a failed or partial run could not read: "The supplier did not answer for
 * 2 of 9 sources: the Gloves list and Abiplos availability." Empty for a run where all went well.
 */
export function runSummary(run) {
  if (!run || (run.status !== 'failed' && run.status !== 'partial')) return ''
  const rows = sourceRows(run)
  const failed = rows.filter((r) => r.status === 'failed')
  if (!rows.length) return 'The supplier could not be reached.'
  if (failed.length === rows.length) return `None of the ${rows.length} supplier sources answered.`
  const names =
    failed.length > 4
      ? [...failed.slice(0, 3).map((r) => r.name), `${failed.length - 3} more`]
      : failed.map((r) => r.name)
  return `The supplier did not answer for ${failed.length} of ${rows.length} sources: ${joinWords(names)}.`
}
