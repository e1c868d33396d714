// The research areas meeting on one product, all through the screens against the real API and worker:
// create a product → upload a document (a real progress bar, the upload slowed by Chromium's network
// emulation) → comment → the header search finds the document's words → watch → export with its
// progress and the emailed bundle; desktop and phone screenshots; no CSP violation anywhere.
import { admin, expect, signIn, snap, test, waitForMail, watchCsp } from './fixtures.js'

const DESKTOP = { width: 1366, height: 850 }
const PHONE = { width: 390, height: 844 }

/** Record every value the upload progress bars show, as the page renders them. */
async function recordProgress(page) {
  await page.evaluate(() => {
    window.__progress = []
    new MutationObserver(() => {
      for (const bar of document.querySelectorAll('[role="progressbar"][aria-label^="Uploading"]')) {
        window.__progress.push(Number(bar.getAttribute('aria-valuenow')))
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true })
  })
}

test('create → upload with progress → comment → search finds the document → watch → export', async ({ page }) => {
  test.setTimeout(180_000)
  const violations = await watchCsp(page)
  const tag = Date.now().toString(36)
  const name = `Basalt${tag} Notes`
  await page.setViewportSize(DESKTOP)
  await signIn(page, admin.email, admin.password)

  // Create
  await page.goto('/products')
  await page.getByRole('link', { name: 'New product' }).first().click()
  await page.getByLabel('Name').fill(name)
  await page.getByLabel('Category').fill('Notes')
  await page.getByLabel('Price').fill('1000')
  await page.getByLabel('Description (Markdown)').fill('Senior **secured** notes, callable from 2028.')
  await page.getByRole('button', { name: 'Create product' }).click()
  await expect(page).toHaveURL(/\/products\/\d+$/)
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible()
  await expect(page.getByRole('button', { name: `Add to cart: ${name}` })).toBeEnabled() // priced: checkout takes it

  // Upload: ~1.5 MB at 400 kB/s, so the bar is seen between 0 and 100 %.
  const documents = page.getByRole('region', { name: 'Documents' })
  await expect(documents.getByText('No documents yet.')).toBeVisible()
  const body = `Quarterly review\nThe obsidian${tag} covenant was met in full.\n` + 'filler line of the report\n'.repeat(60_000)
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 20,
    downloadThroughput: -1,
    uploadThroughput: 400 * 1024,
  })
  await recordProgress(page)
  await documents
    .getByLabel('Upload documents')
    .setInputFiles({ name: 'covenant-review.txt', mimeType: 'text/plain', buffer: Buffer.from(body) })
  const bar = documents.getByRole('progressbar', { name: 'Uploading covenant-review.txt' })
  await expect(bar).toBeVisible()
  await snap(page, 'research-flow-upload-desktop')
  const item = documents.locator('.product-documents__item').filter({ hasText: 'covenant-review.txt' })
  await expect(item).toBeVisible({ timeout: 30_000 })
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  })
  const seen = await page.evaluate(() => window.__progress)
  expect(seen.some((value) => value > 0 && value < 100), `progress values seen: ${seen.join(',')}`).toBe(true)
  // The worker reads the text; the badge follows without a reload.
  await expect(item.getByTestId('document-status')).toHaveText('searchable', { timeout: 30_000 })

  // Comment
  const discussion = page.getByRole('region', { name: 'Discussion' })
  await discussion.getByRole('combobox', { name: 'New comment' }).fill(`The covenant test in **obsidian${tag}** passed.`)
  await discussion.getByRole('button', { name: 'Comment', exact: true }).click()
  await expect(discussion.getByTestId('comment')).toHaveCount(1)
  await expect(discussion.getByTestId('comment-body').locator('strong')).toHaveText(`obsidian${tag}`)

  // Search: the header box finds the document by words only its text holds, and the comment.
  const search = page.getByRole('combobox', { name: 'Search everything' })
  await search.fill(`obsidian${tag} covenant`)
  const listbox = page.getByRole('listbox', { name: 'Search results' })
  const documentHit = listbox.getByRole('option').filter({ hasText: 'covenant-review.txt' }).first()
  await expect(documentHit).toBeVisible()
  await expect(documentHit.locator('.search-kind')).toHaveText('Document')
  await expect(documentHit.locator('mark').first()).toBeVisible()
  await expect(listbox.getByRole('option').filter({ hasText: 'Comment on' }).first()).toBeVisible()
  await snap(page, 'research-flow-search-desktop')
  await search.press('Escape')

  // Watch
  const watch = page.getByRole('region', { name: 'Watchers' })
  await watch.getByRole('button', { name: 'Watch', exact: true }).click()
  await expect(watch.getByRole('button', { name: 'Watching' })).toBeVisible()
  await expect(watch.getByRole('list', { name: 'Members watching' })).toBeVisible()

  // Export: the job's progress, then the bundle emailed as an attachment.
  const exportPanel = page.getByRole('region', { name: 'Export' })
  await exportPanel.getByRole('button', { name: 'Export as ZIP' }).click()
  await expect(exportPanel.getByRole('status')).toContainText('attached to the email to', { timeout: 60_000 })
  await expect(exportPanel.getByRole('status')).toContainText(admin.email)
  const mail = await waitForMail(admin.email, new RegExp(`Trackbase export: [^\\n]*Basalt${tag}`))
  expect(mail).toContain('application/zip')
  await snap(page, 'research-flow-product-desktop')

  // Phone: the same page after a reload keeps it all.
  await page.setViewportSize(PHONE)
  await page.reload()
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible()
  await expect(page.getByRole('region', { name: 'Documents' }).getByText('covenant-review.txt')).toBeVisible()
  await expect(page.getByRole('region', { name: 'Discussion' }).getByTestId('comment')).toHaveCount(1)
  await expect(page.getByRole('region', { name: 'Watchers' }).getByRole('button', { name: 'Watching' })).toBeVisible()
  await snap(page, 'research-flow-product-phone')

  expect(violations).toEqual([])
})
