// The header search against the real API and worker: type-ahead finds a product by a prefix of its
// name, a comment by a word, a document by its extracted text; keyboard navigation to the product
// page; "See all results" with kind tabs; a hostile snippet stays text; desktop and phone screenshots.
import { admin, expect, signIn, snap, test } from './fixtures.js'

const DESKTOP = { width: 1366, height: 850 }
const PHONE = { width: 390, height: 844 }

async function adminHeaders(request) {
  const login = await request.post('/api/auth/login', { data: { email: admin.email, password: admin.password } })
  expect(login.ok()).toBeTruthy()
  return { 'Authentication-Token': (await login.json()).token }
}

async function watchPage(page) {
  const problems = []
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(message.text())
  })
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`)
    dialog.dismiss()
  })
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`)
    })
  })
  return problems
}

test('type-ahead finds products, comments and document text; keyboard to the product page; desktop and phone', async ({
  page,
  request,
}) => {
  const problems = await watchPage(page)
  const tag = Date.now().toString(36)
  const headers = await adminHeaders(request)
  const created = await request.post('/api/products', {
    headers,
    data: {
      name: `Quillfeather${tag} Bond`,
      category: 'Bonds',
      description: `Senior notes. <img src=x onerror="window.__pwned = 1"> hostilemarkup${tag} here`,
    },
  })
  expect(created.status()).toBe(201)
  const product = (await created.json()).product
  const upload = await request.post(`/api/products/${product.id}/documents`, {
    headers,
    multipart: {
      file: {
        name: 'coupon-notes.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from(`Quarterly review\nThe zirconium${tag} coupon was paid on time.\n`),
      },
    },
  })
  expect(upload.status()).toBe(201)
  const document = (await upload.json()).document
  await expect
    .poll(
      async () =>
        (await (await request.get(`/api/documents/${document.id}`, { headers })).json()).document.text_status,
      { timeout: 30_000, intervals: [250] },
    )
    .toBe('indexed')
  const comment = await request.post(`/api/products/${product.id}/comments`, {
    headers,
    data: { body: `I asked the marmot${tag} desk about the call schedule.` },
  })
  expect(comment.status()).toBe(201)

  await page.setViewportSize(DESKTOP)
  await signIn(page, admin.email, admin.password)
  await page.goto('/jobs')
  await page.locator('h1').click()
  await page.keyboard.press('/')
  const search = page.getByRole('combobox', { name: 'Search everything' })
  await expect(search).toBeFocused()
  await expect(page).toHaveURL(/\/jobs$/)
  const listbox = page.getByRole('listbox', { name: 'Search results' })

  // a prefix of the product's name, as typed
  await search.pressSequentially(`quillfeather${tag.slice(0, 2)}`, { delay: 30 })
  const productOption = listbox.getByRole('option').filter({ hasText: `Quillfeather${tag} Bond` }).first()
  await expect(productOption).toBeVisible()
  await expect(productOption.locator('.search-kind')).toHaveText('Product')
  await expect(productOption.locator('mark').first()).toBeVisible()
  await snap(page, 'search-typeahead-product-desktop')

  // a comment's word
  await search.fill(`marmot${tag}`)
  const commentOption = listbox.getByRole('option').filter({ hasText: 'Comment on' }).first()
  await expect(commentOption).toBeVisible()
  await expect(commentOption.locator('mark')).toHaveText(new RegExp(`marmot${tag}`, 'i'))

  // the document's extracted text
  await search.fill(`zirconium${tag} coupon`)
  const documentOption = listbox.getByRole('option').filter({ hasText: 'coupon-notes.txt' }).first()
  await expect(documentOption).toBeVisible()
  await expect(documentOption.locator('.search-kind')).toHaveText('Document')
  await expect(documentOption.locator('mark').first()).toBeVisible()
  await snap(page, 'search-typeahead-document-desktop')

  // hostile text in a snippet stays text
  await search.fill(`hostilemarkup${tag}`)
  await expect(listbox.getByRole('option').filter({ hasText: 'Quillfeather' }).first()).toBeVisible()
  await expect(listbox.locator('img')).toHaveCount(0)
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined()

  // keyboard: down to the product, Enter opens its page
  await search.fill(`quillfeather${tag}`)
  await expect(productOption).toBeVisible()
  await search.press('ArrowDown')
  await expect(search).toHaveAttribute('aria-activedescendant', /option-0$/)
  await expect(listbox.getByRole('option').first()).toHaveAttribute('aria-selected', 'true')
  await search.press('Enter')
  await expect(page).toHaveURL(new RegExp(`/products/${product.id}$`))
  await expect(page.getByRole('heading', { level: 1, name: `Quillfeather${tag} Bond` })).toBeVisible()

  // Escape closes the list; "See all results" opens the search page with kind tabs
  await page.keyboard.press('/')
  await search.fill(`quillfeather${tag} OR zirconium${tag} OR marmot${tag}`)
  await expect(listbox.getByRole('option')).toHaveCount(4)
  await search.press('Escape')
  await expect(search).toHaveAttribute('aria-expanded', 'false')
  await search.press('Enter')
  await expect(page).toHaveURL(/\/search\?q=/)
  const hits = page.locator('.search-page__hit')
  await expect(hits).toHaveCount(3)
  await expect(page.locator('.search-page__total')).toContainText('3 results')
  await snap(page, 'search-page-desktop')
  await page.getByRole('navigation', { name: 'Kinds of results' }).getByRole('link', { name: 'Documents' }).click()
  await expect(page).toHaveURL(/kind=document/)
  await expect(hits).toHaveCount(1)
  await expect(hits.first()).toContainText('coupon-notes.txt')
  await page.getByLabel('Search for').fill(`nothingmatches${tag}`)
  await page.getByRole('button', { name: 'Search', exact: true }).click()
  await expect(page.getByText(`Nothing matches “nothingmatches${tag}”`)).toBeVisible()

  // phone: the search sits under the bar, same keyboard path
  await page.setViewportSize(PHONE)
  await page.goto('/products')
  const phoneSearch = page.getByRole('combobox', { name: 'Search everything' })
  await expect(phoneSearch).toBeVisible()
  await phoneSearch.pressSequentially(`zirconium${tag.slice(0, 3)}`, { delay: 30 })
  await expect(listbox.getByRole('option').filter({ hasText: 'coupon-notes.txt' }).first()).toBeVisible()
  await page.screenshot({ path: new URL('./screenshots/search-typeahead-phone.png', import.meta.url).pathname })
  await phoneSearch.press('ArrowDown')
  await phoneSearch.press('Enter')
  await expect(page).toHaveURL(new RegExp(`/products/${product.id}$`))
  await page.goto(`/search?q=quillfeather${tag}`)
  await expect(hits).toHaveCount(1)
  await snap(page, 'search-page-phone')

  expect(problems).toEqual([])
})
