// Watching and export bundles against the real API and worker: watch a supplier product, export it,
// get the email, download the ZIP by its signed link, see the job in the SPA, and the unsubscribe page.
import { join } from 'node:path'
import { admin, expect, registerMember, signIn, snap, test, waitForMail } from './fixtures.js'

/** A supplier product once the worker's first poll has landed. */
async function supplierProduct(request) {
  const login = await request.post('/api/auth/login', { data: { email: admin.email, password: admin.password } })
  const headers = { 'Authentication-Token': (await login.json()).token }
  let product = null
  await expect
    .poll(
      async () => {
        const response = await request.get('/api/inventory/gloves?per_page=1', { headers })
        product = response.ok() ? (await response.json()).items[0] : null
        return Boolean(product)
      },
      { timeout: 60_000, intervals: [500] },
    )
    .toBe(true)
  return product
}

function watchCsp(page) {
  const violations = []
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text())
  })
  return violations
}

test('a member watches a product, exports it and downloads the bundle', async ({ page, request }) => {
  const member = await registerMember(request, 'watcher')
  const product = await supplierProduct(request)
  const headers = member.headers

  const watched = await request.put(`/api/products/${product.id}/watch`, { headers })
  expect((await watched.json()).watch).toMatchObject({ product_id: product.id, watching: true })
  const watchers = await (await request.get(`/api/products/${product.id}/watchers`, { headers })).json()
  expect(watchers.items.map((w) => w.name)).toContain(member.email.split('@')[0])

  const started = await request.post(`/api/products/${product.id}/export`, { headers })
  expect(started.status()).toBe(202)
  const jobId = (await started.json()).job.id
  let job = null
  await expect
    .poll(
      async () => {
        job = (await (await request.get(`/api/jobs/${jobId}`, { headers })).json()).job
        return job.status
      },
      { timeout: 30_000, intervals: [300] },
    )
    .toBe('succeeded')
  expect(job.result).toMatchObject({ product_id: product.id, attached: true, emailed_to: member.email })

  const mail = await waitForMail(member.email, /Subject: Trackbase export: /)
  expect(mail).toContain(product.name)
  const download = await request.get(job.result.download_url) // the signed link, no token
  expect(download.status()).toBe(200)
  expect(download.headers()['content-type']).toBe('application/zip')
  const bytes = await download.body()
  expect(bytes.subarray(0, 2).toString()).toBe('PK')
  for (const name of ['index.html', 'product.json', 'availability.csv', 'discussion.html']) {
    expect(bytes.includes(Buffer.from(name))).toBe(true)
  }

  const violations = watchCsp(page)
  await page.setViewportSize({ width: 1366, height: 850 })
  await signIn(page, member.email, member.password)
  await page.goto('/jobs')
  await expect(page.getByText(`Exported ${product.name}`)).toBeVisible()
  await snap(page, 'watch-export-jobs-desktop')
  await page.setViewportSize({ width: 390, height: 844 })
  await snap(page, 'watch-export-jobs-phone')
  expect(violations).toEqual([])
})

test('the unsubscribe page refuses a forged link and never changes anything on open', async ({ page }) => {
  const violations = watchCsp(page)
  await page.setViewportSize({ width: 1366, height: 850 })
  await page.goto('/watch/unsubscribe?token=forged')
  await expect(page.getByRole('heading', { name: 'Stop watch emails' })).toBeVisible()
  await expect(page.getByRole('alert')).toContainText('This unsubscribe link is not valid')
  await page.screenshot({ path: join(import.meta.dirname, 'screenshots', 'watch-unsubscribe-desktop.png') })
  await page.setViewportSize({ width: 390, height: 844 })
  await page.screenshot({ path: join(import.meta.dirname, 'screenshots', 'watch-unsubscribe-phone.png') })
  expect(violations).toEqual([])
})
