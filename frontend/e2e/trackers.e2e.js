// Trackers end to end: create every kind, quick log, the tracker page with its chart and logs,
// a refused type change, CSV import errors and success, CSV export and an emailed report.
import { expect, registerMember, signIn, snap, test, waitForMail } from './fixtures.js'

async function seedWeight(request, headers) {
  const created = await request.post('/api/trackers', {
    headers, data: { name: 'Weight', type: 'numeric', settings: { unit: 'kg', min: 0 } },
  })
  expect(created.status()).toBe(201)
  const { tracker } = await created.json()
  const now = Date.now()
  for (let day = 20; day >= 1; day -= 1) {
    const timestamp = new Date(now - day * 86400000).toISOString()
    const value = Math.round((82 - day * -0.15 - (day % 4) * 0.4) * 10) / 10
    await request.post(`/api/trackers/${tracker.id}/logs`, { headers, data: { value, timestamp, note: day % 5 ? '' : 'after run' } })
  }
  return tracker
}

test('a member creates trackers of each kind, logs them and reads the trend', async ({ page, request }) => {
  const member = await registerMember(request, 'tracker')
  await signIn(page, member.email, member.password)
  await expect(page.getByRole('heading', { name: 'No trackers yet' })).toBeVisible()
  await snap(page, 'trackers-empty')

  // A yes/no tracker through the form.
  await page.getByRole('link', { name: 'New tracker' }).click()
  await page.getByLabel('Name').fill('Meditated')
  await page.getByLabel('Type').selectOption('boolean')
  await snap(page, 'tracker-form-new')
  await page.getByRole('button', { name: 'Create tracker' }).click()
  await expect(page.getByRole('heading', { name: 'Meditated' })).toBeVisible()

  // A choice tracker: options are its settings.
  await page.goto('/trackers/new')
  await page.getByLabel('Name').fill('Drink')
  await page.getByLabel('Type').selectOption('choice')
  await page.getByLabel('Option 1', { exact: true }).fill('Tea')
  await page.getByLabel('Option 2', { exact: true }).fill('Coffee')
  await page.getByRole('button', { name: 'Add option' }).click()
  await page.getByLabel('Option 3', { exact: true }).fill('Water')
  await snap(page, 'tracker-form-choice')
  await page.getByRole('button', { name: 'Create tracker' }).click()
  await expect(page.getByRole('heading', { name: 'Drink' })).toBeVisible()
  await page.getByRole('radio', { name: 'Coffee' }).click()
  await page.getByRole('button', { name: 'Save log' }).click()
  await expect(page.locator('.tracker-logs__value').first()).toHaveText('Coffee')

  // A duration tracker, logged as "1h 29m".
  await page.goto('/trackers/new')
  await page.getByLabel('Name').fill('Sleep')
  await page.getByLabel('Type').selectOption('duration')
  await page.getByRole('button', { name: 'Create tracker' }).click()
  await page.getByLabel('Value').fill('7h 29m')
  await expect(page.getByText('= 7h 29m')).toBeVisible()
  await page.getByRole('button', { name: 'Save log' }).click()
  await expect(page.locator('.tracker-logs__value').first()).toHaveText('7h 29m')

  // A rating tracker with stars.
  await page.goto('/trackers/new')
  await page.getByLabel('Name').fill('Mood')
  await page.getByLabel('Type').selectOption('rating')
  await page.getByRole('button', { name: 'Create tracker' }).click()
  await page.getByRole('radio', { name: '4 of 5' }).click()
  await page.getByRole('button', { name: 'Save log' }).click()
  await expect(page.locator('.tracker-logs__value').first()).toHaveText('★★★★☆')

  await seedWeight(request, member.headers)

  // The dashboard: due states, last values, sparklines; quick log the yes/no tracker.
  await page.goto('/trackers')
  const meditated = page.locator('[data-tracker="Meditated"]')
  await expect(meditated.getByText('Due today')).toBeVisible()
  await expect(page.locator('[data-tracker="Weight"] canvas')).toBeVisible()
  await snap(page, 'trackers-dashboard-desktop')
  await meditated.getByRole('button', { name: 'Log Yes' }).click()
  await expect(meditated.getByText('Done')).toBeVisible()
  await expect(meditated.locator('.tracker-card__value')).toHaveText('Yes')

  // The tracker page: stats, the trendline chart, logs; add, edit and delete a log.
  await page.locator('[data-tracker="Weight"]').getByRole('link', { name: 'Weight' }).click()
  await expect(page.getByRole('heading', { name: 'Weight' })).toBeVisible()
  await expect(page.locator('.tracker-trend-chart canvas')).toBeVisible()
  await expect(page.getByText(/per week \(r²/)).toBeVisible()
  await page.getByLabel('Value').fill('79.4')
  await page.getByRole('button', { name: 'Save log' }).click()
  await expect(page.locator('.tracker-logs__value').first()).toHaveText('79.4 kg')
  await snap(page, 'tracker-detail-desktop')
  await page.locator('.tracker-logs').getByRole('button', { name: 'Edit' }).first().click()
  await page.locator('.tracker-logs__edit').getByLabel('Value').fill('79.1')
  await page.getByRole('button', { name: 'Save changes' }).click()
  await expect(page.locator('.tracker-logs__value').first()).toHaveText('79.1 kg')
  page.once('dialog', (dialog) => dialog.accept())
  await page.locator('.tracker-logs').getByRole('button', { name: 'Delete' }).first().click()
  await expect(page.locator('.tracker-logs__value').first()).not.toHaveText('79.1 kg')
  await page.getByLabel('Group by').selectOption('week')
  await expect(page.locator('.tracker-trend-chart canvas')).toBeVisible()

  // Changing a number tracker to rating would not fit 80 kg: refused with the reason.
  await page.getByRole('link', { name: 'Edit' }).click()
  await page.getByLabel('Type').selectOption('rating')
  await page.getByRole('button', { name: 'Save changes' }).click()
  await expect(page.getByRole('alert').first()).toContainText('cannot be converted from numeric to rating')
  await snap(page, 'tracker-form-conversion-refused')
})

test('CSV import reports bad rows, then imports; export and report run as jobs', async ({ page, request }) => {
  const member = await registerMember(request, 'csv')
  await seedWeight(request, member.headers)
  await signIn(page, member.email, member.password)
  await page.getByRole('button', { name: 'Import / export' }).click()

  await page.getByLabel('CSV file').setInputFiles({
    name: 'bad.csv', mimeType: 'text/csv',
    buffer: Buffer.from('tracker,timestamp,value,note\nWeight,2026-01-02T08:00:00Z,heavy,\nSteps,2026-01-02T08:00:00Z,100,\n'),
  })
  await page.getByRole('button', { name: 'Import', exact: true }).click()
  await expect(page.getByText('2 of 2 rows have errors; nothing was imported.')).toBeVisible()
  await expect(page.getByText('row 3.tracker')).toBeVisible()
  await snap(page, 'trackers-import-errors')

  await page.getByLabel('CSV file').setInputFiles({
    name: 'good.csv', mimeType: 'text/csv',
    buffer: Buffer.from('tracker,timestamp,value,note\nWeight,2026-01-02T08:00:00Z,81.5,imported\nWeight,2026-01-03T08:00:00Z,81.2,\n'),
  })
  await page.getByRole('button', { name: 'Import', exact: true }).click()
  await expect(page.getByText('Imported 2 logs')).toBeVisible()

  await page.getByRole('button', { name: 'Export CSV' }).click()
  const exportJob = page.locator('.job-progress').filter({ hasText: 'CSV export' })
  await expect(exportJob).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 })
  const href = await exportJob.getByRole('link', { name: 'Download result' }).getAttribute('href')
  const csv = await (await request.get(href)).text()
  expect(csv.split('\r\n')[0]).toBe('tracker,type,timestamp,value,note') // CRLF rows, as RFC 4180 writes them
  expect(csv).toContain('Weight,numeric,2026-01-02T08:00:00Z,81.5,imported')

  await page.getByLabel('Report period').selectOption('last_30_days')
  await page.getByRole('button', { name: 'Email me the report' }).click()
  const reportJob = page.locator('.job-progress').filter({ hasText: 'Report by email' })
  await expect(reportJob).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 })
  await snap(page, 'trackers-jobs-done')
  await waitForMail(member.email, /Your Trackbase report/)
  await waitForMail(member.email, /Your Trackbase logs \(CSV\)/)
})

test('emailed links with a bad token explain themselves and change nothing', async ({ page }) => {
  await page.goto('/trackers/unsubscribe?token=forged')
  await expect(page.getByRole('alert')).toContainText('not valid')
  await page.goto('/trackers/quick-log?token=forged')
  await expect(page.getByRole('alert')).toContainText('not valid')
  await snap(page, 'tracker-quick-log-invalid')
})

test.describe('phone', () => {
  test.use({ viewport: { width: 390, height: 844 } })

  test('dashboard and tracker page fit a phone', async ({ page, request }) => {
    const member = await registerMember(request, 'phone')
    const weight = await seedWeight(request, member.headers)
    await request.post('/api/trackers', { headers: member.headers, data: { name: 'Meditated', type: 'boolean' } })
    await signIn(page, member.email, member.password)
    await expect(page.locator('[data-tracker="Weight"]')).toBeVisible()
    await snap(page, 'trackers-dashboard-phone')
    await page.goto(`/trackers/${weight.id}`)
    await expect(page.locator('.tracker-trend-chart canvas')).toBeVisible()
    await snap(page, 'tracker-detail-phone')
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow).toBeLessThanOrEqual(1)
  })
})
