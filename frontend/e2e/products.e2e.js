// Products against the real API: create → product page → edit → list search and filters → a tracker
// linked through the picker → delete; screenshots on desktop and phone; no CSP violations.
import { admin, expect, signIn, snap, test, watchCsp } from './fixtures.js'

const DESKTOP = { width: 1366, height: 850 }
const PHONE = { width: 390, height: 844 }

test('create, read, edit, find, link a tracker and delete a product', async ({ page }) => {
  const violations = await watchCsp(page)
  await page.setViewportSize(DESKTOP)
  const name = `Solar Bond ${Date.now().toString(36)}`
  await signIn(page, admin.email, admin.password)

  await page.goto('/products')
  await page.getByRole('link', { name: 'New product' }).first().click()
  await expect(page.getByRole('heading', { name: 'New product' })).toBeVisible()
  await page.getByLabel('Name').fill(name)
  await page.getByLabel('Category').fill('Bonds')
  await page.getByLabel('Manufacturer or issuer').fill('Helios Energy')
  await page.getByLabel('Price').fill('101.25')
  await page.getByLabel('Tags').fill('Energy, fixed income')
  await page
    .getByLabel('Description (Markdown)')
    .fill('## Thesis\n\nCoupon **4.1%**, maturing 2030.\n\n<script>window.__pwned = 1</script>\n\n- green\n- senior')
  await snap(page, 'products-form-desktop')
  await page.getByRole('button', { name: 'Create product' }).click()

  await expect(page).toHaveURL(/\/products\/\d+$/)
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible()
  const description = page.getByRole('region', { name: 'Description' })
  await expect(description.locator('h2', { hasText: 'Thesis' })).toBeVisible()
  await expect(description.locator('strong', { hasText: '4.1%' })).toBeVisible()
  await expect(description.locator('script')).toHaveCount(0)
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined()
  await expect(description.getByRole('link', { name: 'fixed income' })).toBeVisible()
  await expect(page.getByText('101.25')).toBeVisible()
  await expect(page.getByRole('region', { name: 'Availability' })).toHaveCount(0) // member rows: no supplier data
  for (const section of ['Documents', 'Discussion', 'Watchers', 'Export', 'Your trackers']) {
    await expect(page.getByRole('region', { name: section })).toBeVisible()
  }
  const productUrl = page.url()

  await page.getByRole('link', { name: 'Edit', exact: true }).click()
  await page.getByLabel('Price').fill('99.5')
  await page.getByRole('button', { name: 'Save changes' }).click()
  await expect(page).toHaveURL(productUrl)
  await expect(page.getByText('99.50')).toBeVisible()
  await snap(page, 'product-page-desktop')

  // The list: search as you type, then a tag filter, both kept in the address.
  await page.goto('/products')
  await page.getByRole('searchbox', { name: 'Search products' }).fill(name.toLowerCase())
  await expect(page).toHaveURL(/q=solar/)
  const rows = page.locator('.product-list__item')
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toContainText('0 comments')
  await expect(rows.first()).toContainText('energy')
  await page.getByRole('searchbox', { name: 'Search products' }).fill('')
  await page.getByLabel('Tag').selectOption('fixed income')
  await expect(page).toHaveURL(/tag=fixed/)
  await expect(rows.filter({ hasText: name })).toHaveCount(1)
  await page.getByLabel('Watched by me').check()
  await expect(page.getByText('No products match')).toBeVisible()
  await page.getByRole('button', { name: 'Clear filters' }).first().click()
  await expect(rows.filter({ hasText: name })).toHaveCount(1)
  await snap(page, 'products-list-desktop')

  // A tracker linked through the picker shows on the product page.
  await page.goto('/trackers/new')
  await page.getByLabel('Name').fill('Coupon checks')
  const picker = page.getByRole('combobox', { name: 'Product (optional)' })
  await picker.fill(name.slice(0, 12))
  await expect(page.getByRole('option', { name: new RegExp(name) })).toBeVisible()
  await snap(page, 'tracker-product-picker-desktop')
  await picker.press('ArrowDown')
  await picker.press('ArrowUp')
  await picker.press('Enter')
  await expect(page.getByRole('link', { name })).toBeVisible()
  await page.getByRole('button', { name: /Create/ }).click()
  await expect(page).toHaveURL(/\/trackers\/\d+$/)
  await page.goto(productUrl)
  await expect(page.getByRole('region', { name: 'Your trackers' }).getByRole('link', { name: 'Coupon checks' })).toBeVisible()

  // Phone.
  await page.setViewportSize(PHONE)
  await page.reload()
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible()
  await snap(page, 'product-page-phone')
  await page.goto('/products')
  await expect(rows.first()).toBeVisible()
  await page.screenshot({ path: new URL('./screenshots/products-list-phone.png', import.meta.url).pathname })

  // Delete from the product page.
  await page.setViewportSize(DESKTOP)
  await page.goto(productUrl)
  page.once('dialog', (dialog) => dialog.accept())
  await page.getByRole('button', { name: 'Delete' }).click()
  await expect(page).toHaveURL(/\/products$/)
  await page.goto(productUrl)
  await expect(page.getByText('This product does not exist')).toBeVisible()

  expect(violations).toEqual([])
})

test('a supplier row: availability history, research edits only', async ({ page, request }) => {
  const violations = await watchCsp(page)
  await page.setViewportSize(DESKTOP)
  const login = await request.post('/api/auth/login', { data: { email: admin.email, password: admin.password } })
  const headers = { 'Authentication-Token': (await login.json()).token }
  await expect
    .poll(async () => (await (await request.get('/api/inventory/status', { headers })).json()).last_success_at, {
      timeout: 60_000,
      intervals: [500],
    })
    .toBeTruthy()

  await signIn(page, admin.email, admin.password)
  await page.goto('/products?source=supplier&sort=name')
  const first = page.locator('.product-list__item').first()
  await expect(first).toContainText('Supplier')
  const name = (await first.locator('.product-list__name').innerText()).trim()
  await first.locator('.product-list__name').click()

  const availability = page.getByRole('region', { name: 'Availability' })
  await expect(availability.getByText('First seen:')).toBeVisible()
  await page.getByRole('link', { name: 'Edit research' }).click()
  await expect(page.getByText('This product comes from the supplier')).toBeVisible()
  await expect(page.getByLabel('Name')).toHaveAttribute('readonly', '')
  await expect(page.getByLabel('Price')).toHaveAttribute('readonly', '')
  await page.getByLabel('Description (Markdown)').fill('Tested in **winter**: warm and sturdy.')
  await page.getByLabel('Tags').fill('winter')
  await page.getByRole('button', { name: 'Save changes' }).click()
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible()
  await expect(page.getByRole('region', { name: 'Description' }).locator('strong', { hasText: 'winter' })).toBeVisible()
  await snap(page, 'product-page-supplier-desktop')
  await page.setViewportSize(PHONE)
  await snap(page, 'product-page-supplier-phone')
  expect(violations).toEqual([])
})
