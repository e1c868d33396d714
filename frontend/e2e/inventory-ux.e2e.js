// The inventory screen when things go wrong and with the keyboard: the supplier banner in words with
// details behind a toggle, partial and failed refresh jobs, sortable headers and page size, compact
// rows on a phone, one banner while the API is unreachable, and the history drawer's focus trap.
import { admin, expect, signIn, snap, test } from './fixtures.js'

const supplier = () => process.env.E2E_SUPPLIER_URL

async function adminToken(request) {
  const login = await request.post('/api/auth/login', { data: { email: admin.email, password: admin.password } })
  expect(login.ok()).toBeTruthy()
  return (await login.json()).token
}

async function status(request, token) {
  const response = await request.get('/api/inventory/status', { headers: { 'Authentication-Token': token } })
  return response.json()
}

/** Wait until a poll has landed and none runs; `afterRun` is a run id the last run must differ from. */
async function waitForRun(request, token, afterRun = null) {
  await expect
    .poll(
      async () => {
        const body = await status(request, token)
        return Boolean(body.last_run) && !body.running && body.last_run.status !== 'running' && body.last_run.id !== afterRun
      },
      { timeout: 90_000, intervals: [500] },
    )
    .toBe(true)
  return status(request, token)
}

async function supplierControl(request, path, data) {
  const response = await request.post(`${supplier()}/_sim/${path}`, { data })
  expect(response.ok()).toBeTruthy()
}

async function refreshAndWait(request, token) {
  const before = await waitForRun(request, token)
  const response = await request.post('/api/inventory/refresh', { headers: { 'Authentication-Token': token } })
  expect(response.status()).toBe(202)
  return waitForRun(request, token, before.last_run.id)
}

test.describe('inventory, demanding users', () => {
  test.skip(!supplier() && !process.env.CI, 'needs the supplier simulator from global setup')

  test('a failed poll: banner in words with details, a red failed job, not 99 %', async ({ page, request }) => {
    test.setTimeout(180_000)
    const token = await adminToken(request)
    await waitForRun(request, token)
    await supplierControl(request, 'config', { force: { 'products/*': ['503'], 'availability/*': ['503'] } })
    try {
      await signIn(page, admin.email, admin.password)
      await page.goto('/inventory')
      await expect(page.locator('.inventory-table tbody tr').first()).toBeVisible()
      await page.getByRole('button', { name: 'Refresh now' }).click()
      const job = page.locator('.job-progress')
      await expect(job).toHaveAttribute('data-status', 'failed', { timeout: 120_000 })
      await expect(job.locator('.badge')).toHaveText('Failed')
      await expect(job).not.toContainText('%')
      await expect(job.getByRole('progressbar')).toHaveAttribute('aria-valuetext', 'Failed')

      const banner = page.getByTestId('supplier-banner')
      await expect(banner).toContainText('Supplier unreachable', { timeout: 30_000 })
      await expect(banner).toContainText(/Last successful update (just now|\d+ (s|min) ago)\./)
      await expect(banner).toContainText(/None of the \d+ supplier sources answered\./)
      await expect(banner).not.toContainText('updated;')
      const details = banner.locator('table')
      await expect(details).toBeHidden()
      await banner.getByRole('button', { name: 'Show details' }).click()
      await expect(details).toBeVisible()
      await expect(details).toContainText('the Gloves list')
      await expect(details).toContainText('Failed')
      // The header's "Updated" is the last successful update, not the failed run.
      const last = await status(request, token)
      expect(last.last_run.status).toBe('failed')
      await expect(page.getByTestId('inventory-updated')).not.toHaveText('never')
      await snap(page, 'desktop-inventory-supplier-failed')
      await page.setViewportSize({ width: 390, height: 844 })
      await expect(details).toBeVisible()
      await page.screenshot({ path: new URL('./screenshots/phone-inventory-supplier-failed.png', import.meta.url).pathname })
    } finally {
      await supplierControl(request, 'config', { force: {} })
      await refreshAndWait(request, token)
    }
  })

  test('a partial poll is "Done with problems", not a green Done', async ({ page, request }) => {
    test.setTimeout(120_000)
    const token = await adminToken(request)
    await waitForRun(request, token)
    await supplierControl(request, 'config', { force: { 'availability/ippal': ['503'] } })
    try {
      await signIn(page, admin.email, admin.password)
      await page.goto('/inventory')
      await page.getByRole('button', { name: 'Refresh now' }).click()
      const job = page.locator('.job-progress')
      await expect(job).toHaveAttribute('data-status', 'partial', { timeout: 90_000 })
      await expect(job.locator('.badge')).toHaveText('Done with problems')
      const banner = page.getByTestId('supplier-banner')
      await expect(banner).toContainText('Ippal availability', { timeout: 30_000 })
      await snap(page, 'desktop-inventory-partial')
    } finally {
      await supplierControl(request, 'config', { force: {} })
      await refreshAndWait(request, token)
    }
  })

  test('sortable headers, page size, and the history drawer keeps the keyboard inside', async ({ page, request }) => {
    const token = await adminToken(request)
    await waitForRun(request, token)
    await signIn(page, admin.email, admin.password)
    await page.setViewportSize({ width: 1366, height: 850 })
    await page.goto('/inventory?category=gloves')
    await expect(page.locator('.inventory-table tbody tr')).toHaveCount(50)

    const priceHeader = page.getByRole('columnheader', { name: /Price/ })
    await priceHeader.getByRole('button').click()
    await expect(page).toHaveURL(/sort=price/)
    await expect(priceHeader).toHaveAttribute('aria-sort', 'ascending')
    await priceHeader.getByRole('button').click()
    await expect(page).toHaveURL(/sort=-price/)
    await expect(priceHeader).toHaveAttribute('aria-sort', 'descending')

    await page.getByLabel('Per page').selectOption('20')
    await expect(page.locator('.inventory-table tbody tr')).toHaveCount(20)
    await expect(page).toHaveURL(/per_page=20/)
    await snap(page, 'desktop-inventory-sorted')

    // Open the drawer from the keyboard, then Tab round it: focus never reaches the page behind.
    const opener = page.locator('.inventory-table tbody tr').first().getByRole('button', { name: /Availability history/ })
    await opener.focus()
    await page.keyboard.press('Enter')
    const drawer = page.getByRole('dialog')
    await expect(drawer).toBeVisible()
    for (let i = 0; i < 12; i += 1) {
      await page.keyboard.press('Tab')
      expect(await drawer.evaluate((el) => el.contains(document.activeElement))).toBe(true)
    }
    for (let i = 0; i < 5; i += 1) {
      await page.keyboard.press('Shift+Tab')
      expect(await drawer.evaluate((el) => el.contains(document.activeElement))).toBe(true)
    }
    await page.keyboard.press('Escape')
    await expect(drawer).toHaveCount(0)
    await expect(opener).toBeFocused()
  })

  test('while the API cannot be reached, one banner says so', async ({ page, request }) => {
    const token = await adminToken(request)
    await waitForRun(request, token)
    await signIn(page, admin.email, admin.password)
    await page.goto('/inventory?category=gloves')
    await expect(page.locator('.inventory-table tbody tr').first()).toBeVisible()
    await page.route('**/api/**', (route) => route.abort('internetdisconnected'))
    await page.getByRole('tab', { name: /Beanies/ }).click()
    await expect(page.getByText('The server is having trouble — retrying…')).toBeVisible({ timeout: 30_000 })
    // Give the page's own reads time to give up, then count what is shown.
    await page.waitForTimeout(9000)
    await expect(page.locator('.server-banner')).toHaveCount(1)
    await expect(page.locator('.app-banner')).toHaveCount(0)
    await snap(page, 'desktop-inventory-offline')
    await page.unroute('**/api/**')
  })

  test.describe('phone', () => {
    test.use({ viewport: { width: 390, height: 844 } })

    test('compact rows and a page size choice', async ({ page, request }) => {
      const token = await adminToken(request)
      await waitForRun(request, token)
      await signIn(page, admin.email, admin.password)
      await page.goto('/inventory?category=facemasks')
      await expect(page.locator('.inventory-table tbody tr')).toHaveCount(50)
      const heights = await page
        .locator('.inventory-table tbody tr')
        .evaluateAll((rows) => rows.map((row) => row.getBoundingClientRect().height))
      // Two lines a row; a long name may wrap once (the Add and History buttons share the second line).
      expect(Math.max(...heights)).toBeLessThan(110)
      await page.getByLabel('Per page').selectOption('20')
      await expect(page.locator('.inventory-table tbody tr')).toHaveCount(20)
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      expect(overflow).toBeLessThanOrEqual(1)
      await page.screenshot({ path: new URL('./screenshots/phone-inventory-compact.png', import.meta.url).pathname })
      await snap(page, 'phone-inventory-compact-full')
    })
  })
})
