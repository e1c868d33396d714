// Documents against the real API and worker: upload by multipart, text read by the worker, and what
// Chromium does with a downloaded file (a text file full of markup is shown as text, never run).
import { admin, expect, test } from './fixtures.js'

async function adminToken(request) {
  const login = await request.post('/api/auth/login', { data: { email: admin.email, password: admin.password } })
  expect(login.ok()).toBeTruthy()
  return (await login.json()).token
}

/** A supplier product (the worker polls the simulator once at start). */
async function someProduct(request, headers) {
  let product = null
  await expect
    .poll(
      async () => {
        const response = await request.get('/api/inventory/beanies?per_page=1', { headers })
        product = response.ok() ? (await response.json()).items[0] : null
        return Boolean(product)
      },
      { timeout: 60_000, intervals: [500] },
    )
    .toBe(true)
  return product
}

async function uploadText(request, headers, productId, name, text) {
  const response = await request.post(`/api/products/${productId}/documents`, {
    headers,
    multipart: { file: { name, mimeType: 'application/pdf', buffer: Buffer.from(text) } },
  })
  expect(response.status()).toBe(201)
  return (await response.json()).document
}

test('a document is indexed by the worker and a text full of markup is shown as text in Chromium', async ({
  page,
  request,
}) => {
  const headers = { 'Authentication-Token': await adminToken(request) }
  const product = await someProduct(request, headers)
  const markup = '<script>window.__ran = 1; alert("xss")</script><img src=x onerror="window.__ran = 2"> cobalt notes'
  const document = await uploadText(request, headers, product.id, 'notes.html', markup)
  expect(document.content_type).toBe('text/plain') // told by the content, not the declared PDF nor the name

  await expect
    .poll(
      async () =>
        (await (await request.get(`/api/documents/${document.id}`, { headers })).json()).document.text_status,
      { timeout: 30_000, intervals: [250] },
    )
    .toBe('indexed')

  const dialogs = []
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message())
    dialog.dismiss()
  })
  const response = await page.goto(document.download_url)
  expect(response.headers()['x-content-type-options']).toBe('nosniff')
  expect(response.headers()['content-type']).toMatch(/^text\/plain/)
  expect(response.headers()['content-disposition']).toBe('inline; filename="notes.html"')
  await expect(page.locator('body')).toContainText('<script>window.__ran = 1;')
  expect(await page.evaluate(() => window.__ran)).toBeUndefined()
  expect(dialogs).toEqual([])
})

test('a markdown document downloads as an attachment and the signed link stops working once it is deleted', async ({
  request,
}) => {
  const headers = { 'Authentication-Token': await adminToken(request) }
  const product = await someProduct(request, headers)
  const document = await uploadText(request, headers, product.id, 'Übersicht.md', '# Thesis\n\nMargins expand')
  const download = await request.get(document.download_url)
  expect(download.status()).toBe(200)
  expect(download.headers()['content-disposition']).toBe(
    `attachment; filename="Ubersicht.md"; filename*=UTF-8''${encodeURIComponent('Übersicht.md')}`,
  )
  expect(await download.text()).toBe('# Thesis\n\nMargins expand')
  expect((await request.delete(`/api/documents/${document.id}`, { headers })).status()).toBe(204)
  expect((await request.get(document.download_url)).status()).toBe(404)
})
