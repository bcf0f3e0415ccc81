import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { IpcFailure } from '../../ipc-failure'
import type { Favorite, SearchFilters, SearchItem, SearchPage, SearchQuery } from '../../ipc'
import { router } from '../../router.svelte'
import { setLocale } from '../../i18n/i18n.svelte'
import { resetAppState } from '../../../test/reset'
import FavoritesPanel from './FavoritesPanel.svelte'
import { forgetImages } from './ProductImage.svelte'
import SearchPanel from './SearchPanel.svelte'

// Only what the search components call, answered from memory.
const api = vi.hoisted(() => ({
  searchFilters: vi.fn(),
  searchProducts: vi.fn(),
  searchImage: vi.fn(),
  quotaStatus: vi.fn(),
  generateLink: vi.fn(),
  linkQr: vi.fn(),
  miniCode: vi.fn(),
  saveMiniCode: vi.fn(),
  copyMiniCode: vi.fn(),
  favoritesToBatch: vi.fn(),
  revealExport: vi.fn(),
}))
vi.mock('../../ipc', () => api)

const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=='

const FILTERS: SearchFilters = {
  supported: true,
  generation: 'media',
  keyword: true,
  platforms: [
    { id: 1, name: '到家' },
    { id: 2, name: '到店' },
  ],
  cities: [{ id: 10, name: '上海' }],
  categories: [{ id: 226, name: '火锅' }],
  lists: [],
}

function item(n: number, partial: Partial<SearchItem> = {}): SearchItem {
  return {
    key: `act:${100 + n}`,
    sku_view_id: null,
    act_id: String(100 + n),
    sku_id: null,
    name: `火锅双人餐 ${n}`,
    brand: '海底捞',
    image_url: `http://127.0.0.1:9/img/${n}.png`,
    price_cents: 9900,
    original_price_cents: 12800,
    commission_percent: 4.5,
    commission_cents: 446,
    platform: 2,
    sales: null,
    ...partial,
  }
}

function pageOf(query: SearchQuery, partial: Partial<SearchPage> = {}): SearchPage {
  return {
    query,
    items: [item(query.page * 10 + 1), item(query.page * 10 + 2)],
    has_next: true,
    from_cache: false,
    calls_spent: 1,
    next_page_cached: false,
    fetched_at: '2026-12-05T10:00:00+08:00',
    ...partial,
  }
}

const props = (extra = {}) => ({
  profileId: 'p1',
  generation: 'legacy' as const,
  sids: [],
  favoriteKeys: new Set<string>(),
  ontogglefavorite: vi.fn(),
  ...extra,
})

beforeEach(() => {
  resetAppState()
  forgetImages()
  for (const f of Object.values(api)) f.mockReset()
  api.searchFilters.mockResolvedValue(FILTERS)
  api.quotaStatus.mockResolvedValue({ status: { remaining: 1995 }, history: [] })
  api.searchImage.mockResolvedValue(PNG)
  // Pages seen before are cached, as the backend does for the day.
  const seen = new Set<number>()
  api.searchProducts.mockImplementation(async (_p: string, q: SearchQuery) => {
    const cached = seen.has(q.page)
    seen.add(q.page)
    return pageOf(q, { from_cache: cached, calls_spent: cached ? 0 : 1, next_page_cached: seen.has(q.page + 1) })
  })
})

async function searched(keyword = '火锅') {
  render(SearchPanel, props())
  await fireEvent.input(await screen.findByTestId('search-keyword'), { target: { value: keyword } })
  await fireEvent.click(screen.getByTestId('search-go'))
  await screen.findAllByTestId('search-result')
}

describe('search panel', () => {
  it('offers the filters the API has, and says the cost of a search before it is made', async () => {
    render(SearchPanel, props())
    const platform = await screen.findByLabelText('平台')
    expect([...platform.querySelectorAll('option')].map((o) => o.textContent)).toEqual(['不限', '到家', '到店'])
    expect(screen.getByLabelText('城市')).toBeTruthy()
    expect(screen.getByLabelText('类目')).toBeTruthy()
    expect(screen.queryByLabelText('榜单')).toBeNull()
    expect((await screen.findByTestId('search-cost')).textContent).toContain('今日剩余 1995 次')
    expect(screen.queryByTestId('search-no-keyword')).toBeNull()
  })

  it('says plainly when the API generation has no search', async () => {
    api.searchFilters.mockResolvedValue({ ...FILTERS, supported: false, generation: 'media', platforms: [], cities: [], categories: [] })
    render(SearchPanel, props({ generation: 'media' }))
    expect((await screen.findByTestId('search-unsupported')).textContent).toContain('不提供选品搜索')
    expect(screen.queryByTestId('search-keyword')).toBeNull()
  })

  it('has no keyword box where the API has no keyword, and asks for a category there', async () => {
    api.searchFilters.mockResolvedValue({ ...FILTERS, generation: 'legacy', keyword: false, platforms: [] })
    render(SearchPanel, props())
    await screen.findByTestId('search-category')
    expect(screen.queryByTestId('search-keyword')).toBeNull()
    // Why there is no keyword box, in words.
    expect(screen.getByTestId('search-no-keyword').textContent).toContain('不能按关键词搜索')
    expect(screen.getByText('选择类目（也可以再选城市）后点“搜索”。')).toBeTruthy()
    api.searchProducts.mockRejectedValueOnce(
      new IpcFailure({ code: 'invalid_input', message: 'empty', details: { field: 'keyword', rule: 'empty' } }),
    )
    await fireEvent.click(screen.getByTestId('search-go'))
    expect((await screen.findByTestId('search-category-error')).textContent).toBe('请选择一个类目。')
    expect(document.activeElement).toBe(screen.getByTestId('search-category'))
  })

  it('shows name, brand, price, commission rate and commission per sale, with the image as a data URL only', async () => {
    await searched()
    const [first] = screen.getAllByTestId('search-result')
    expect(within(first).getByTestId('search-result-name').textContent).toBe('火锅双人餐 11')
    expect(within(first).getByTestId('search-result-brand').textContent).toBe('品牌：海底捞')
    expect(within(first).getByTestId('search-result-price').textContent).toContain('¥99.00')
    expect(within(first).getByTestId('search-result-rate').textContent).toBe('4.5%')
    expect(within(first).getByTestId('search-result-commission').textContent).toBe('¥4.46')
    const img = (await within(first).findByTestId('search-image')) as HTMLImageElement
    expect(img.getAttribute('src')).toBe(PNG)
    expect(api.searchImage).toHaveBeenCalledWith('p1', 'http://127.0.0.1:9/img/11.png')
    for (const i of document.querySelectorAll('img')) expect(i.getAttribute('src')).toMatch(/^data:/)
    expect(api.searchProducts).toHaveBeenCalledWith('p1', {
      keyword: '火锅',
      platform: null,
      city_id: null,
      category_id: null,
      list_id: null,
      page: 1,
    })
  })

  it('shows a placeholder, never a remote image, when the image cannot be fetched', async () => {
    api.searchImage.mockRejectedValue(new IpcFailure({ code: 'http', message: 'refused', details: null }))
    await searched()
    await vi.waitFor(() => expect(api.searchImage).toHaveBeenCalled())
    expect(screen.queryByTestId('search-image')).toBeNull()
    expect(screen.getAllByTestId('search-image-placeholder').length).toBe(2)
    expect(document.querySelectorAll('img').length).toBe(0)
  })

  it('says what the next page costs, and that a page seen before cost nothing', async () => {
    await searched()
    expect(screen.getByTestId('search-page-cost').textContent).toContain('使用了 1 次调用')
    expect(screen.getByTestId('search-next-cost').textContent).toContain('下一页将使用 1 次调用（今日剩余 1995 次）')
    await fireEvent.click(screen.getByTestId('search-next'))
    await vi.waitFor(() => expect(screen.getByTestId('search-page-info').textContent).toContain('第 2 页'))
    expect(api.searchProducts).toHaveBeenLastCalledWith('p1', expect.objectContaining({ keyword: '火锅', page: 2 }))
    await fireEvent.click(screen.getByTestId('search-prev'))
    await vi.waitFor(() => expect(screen.getByTestId('search-page-info').textContent).toContain('第 1 页'))
    expect(screen.getByTestId('search-page-cost').textContent).toContain('来自今日缓存，0 次调用')
    // Page 2 was seen: going forward again is free, and says so before.
    expect(screen.getByTestId('search-next-cost').textContent).toContain('来自缓存，不使用调用次数')
  })

  it('keeps the previous results on a refused search, marked stale, with the error next to the field', async () => {
    await searched()
    api.searchProducts.mockRejectedValueOnce(
      new IpcFailure({ code: 'invalid_input', message: 'empty search', details: { fields: [{ field: 'keyword', rule: 'empty' }] } }),
    )
    await fireEvent.input(screen.getByTestId('search-keyword'), { target: { value: '' } })
    await fireEvent.click(screen.getByTestId('search-go'))
    const error = await screen.findByTestId('search-keyword-error')
    expect(error.textContent).toBe('请输入关键词，或选择一个榜单或类目。')
    const input = screen.getByTestId('search-keyword')
    expect(input.getAttribute('aria-invalid')).toBe('true')
    expect(input.getAttribute('aria-describedby')).toBe('search-keyword-error')
    expect(document.activeElement).toBe(input)
    expect(screen.getByTestId('search-stale').textContent).toContain('上一次的结果')
    expect(screen.getAllByTestId('search-result').length).toBe(2)
    expect(screen.getByTestId('search-results').classList.contains('stale')).toBe(true)

    // A good search again: no longer stale, the error gone.
    await fireEvent.input(screen.getByTestId('search-keyword'), { target: { value: '奶茶' } })
    await fireEvent.click(screen.getByTestId('search-go'))
    await vi.waitFor(() => expect(screen.queryByTestId('search-stale')).toBeNull())
    expect(screen.queryByTestId('search-keyword-error')).toBeNull()
  })

  it('puts an unknown city next to the city chooser, in English too', async () => {
    setLocale('en')
    await searched()
    api.searchProducts.mockRejectedValueOnce(
      new IpcFailure({ code: 'invalid_input', message: 'unknown city', details: { field: 'city_id', rule: 'unknown' } }),
    )
    await fireEvent.click(screen.getByTestId('search-go'))
    expect((await screen.findByTestId('search-city-error')).textContent).toBe('There is no such city; choose one from the list.')
    expect(screen.getByTestId('search-city').getAttribute('aria-invalid')).toBe('true')
    expect(screen.getByTestId('search-stale').textContent).toContain('previous one')
  })

  it('keeps the results marked stale when the search fails for another reason', async () => {
    await searched()
    api.searchProducts.mockRejectedValueOnce(new IpcFailure({ code: 'network', message: 'down', details: null }))
    await fireEvent.click(screen.getByTestId('search-go'))
    await screen.findByTestId('search-stale')
    expect(screen.getByRole('alert').textContent).toContain('搜索没有完成')
    expect(screen.getAllByTestId('search-result').length).toBe(2)
  })

  it('makes the link of a result for a sid, then its QR code and its 小程序码', async () => {
    api.generateLink.mockResolvedValue({
      cached: false,
      sid_warnings: [],
      link: {
        id: 5,
        target_kind: 'act',
        target: '111',
        sid: 'wx01',
        link_types: [1],
        short_link: false,
        url: 'https://example.test/l/111',
        links: {},
        label: null,
        created_at: '2026-12-05T10:00:00+08:00',
        library_hits: 0,
      },
    })
    api.linkQr.mockResolvedValue(PNG)
    api.miniCode.mockResolvedValue({
      link_id: 9,
      target_kind: 'act',
      target: '111',
      sid: 'wx01',
      image_url: 'http://127.0.0.1:9/img/mini.png',
      png_path: '/data/minicodes/9.png',
      data_url: PNG,
      from_library: false,
      calls_spent: 1,
    })
    await searched()
    const [first] = screen.getAllByTestId('search-result')
    const promote = within(first).getByRole('button', { name: '推广 火锅双人餐 11' })
    expect(promote.getAttribute('aria-expanded')).toBe('false')
    await fireEvent.click(promote)
    await vi.waitFor(() => expect(document.activeElement).toBe(within(first).getByLabelText('推广位（sid）')))
    await fireEvent.input(within(first).getByLabelText('推广位（sid）'), { target: { value: 'wx01' } })
    await fireEvent.click(within(first).getByTestId('search-make-link'))
    expect((await within(first).findByTestId('search-link-url')).textContent).toBe('https://example.test/l/111')
    expect(api.generateLink).toHaveBeenCalledWith('p1', {
      target_kind: 'act',
      target: '111',
      sid: 'wx01',
      link_types: [1],
      short_link: false,
    })
    await fireEvent.click(within(first).getByTestId('search-link-qr'))
    expect((await within(first).findByTestId('search-qr-image')).getAttribute('src')).toBe(PNG)
    await fireEvent.click(within(first).getByTestId('search-minicode'))
    expect((await within(first).findByTestId('minicode-image')).getAttribute('src')).toBe(PNG)
    expect(api.miniCode).toHaveBeenCalledWith('p1', 'act', '111', 'wx01')
    expect(within(first).getByTestId('minicode-source').textContent).toContain('1 次调用')
  })

  it('says next to the sid that it is needed or refused, translated, instead of the browser bubble', async () => {
    await searched()
    const [first] = screen.getAllByTestId('search-result')
    await fireEvent.click(within(first).getByTestId('search-promote'))
    const sid = within(first).getByLabelText('推广位（sid）')
    expect((sid.closest('form') as HTMLFormElement).noValidate).toBe(true)
    await fireEvent.click(within(first).getByTestId('search-make-link'))
    const error = within(first).getByTestId('search-sid-error')
    expect(error.textContent).toBe('请填写推广位（sid）。')
    expect(sid.getAttribute('aria-invalid')).toBe('true')
    expect(sid.getAttribute('aria-describedby')).toBe(error.id)
    expect(document.activeElement).toBe(sid)
    expect(api.generateLink).not.toHaveBeenCalled()

    api.generateLink.mockRejectedValueOnce(
      new IpcFailure({ code: 'invalid_input', message: "invalid sid: contains ' '", details: { field: 'sid', reason: "contains ' '" } }),
    )
    await fireEvent.input(sid, { target: { value: 'a b' } })
    await fireEvent.click(within(first).getByTestId('search-make-link'))
    await vi.waitFor(() => expect(within(first).getByTestId('search-sid-error').textContent).toContain('推广位（sid）不符合要求'))
    expect(sid.getAttribute('aria-invalid')).toBe('true')
    expect(within(first).queryByRole('alert')).toBeNull()
  })

  it('marks a favorite and asks the screen to toggle it', async () => {
    const ontogglefavorite = vi.fn()
    render(SearchPanel, props({ favoriteKeys: new Set(['act:112']), ontogglefavorite }))
    await fireEvent.input(await screen.findByTestId('search-keyword'), { target: { value: '火锅' } })
    await fireEvent.click(screen.getByTestId('search-go'))
    const [first, second] = await screen.findAllByTestId('search-result')
    const star = within(first).getByTestId('search-favorite')
    expect(star.getAttribute('aria-pressed')).toBe('false')
    expect(star.getAttribute('aria-label')).toBe('收藏 火锅双人餐 11')
    expect(within(second).getByTestId('search-favorite').getAttribute('aria-pressed')).toBe('true')
    await fireEvent.click(star)
    expect(ontogglefavorite).toHaveBeenCalledWith(expect.objectContaining({ key: 'act:111' }))
  })
})

describe('favorites panel', () => {
  const fav = (n: number): Favorite => ({ key: `act:${n}`, item: item(n, { key: `act:${n}` }), added_at: '2026-12-05T10:00:00+08:00' })

  it('lists the favorites, removes one, and sends them to the batch for a sid, then opens the links screen', async () => {
    const onremove = vi.fn()
    api.favoritesToBatch.mockResolvedValue(12)
    render(FavoritesPanel, { profileId: 'p1', favorites: [fav(1), fav(2)], sids: [], onremove })
    expect(screen.getAllByTestId('favorite-row').length).toBe(2)
    await fireEvent.click(screen.getByRole('button', { name: '从收藏夹移除 火锅双人餐 1' }))
    expect(onremove).toHaveBeenCalledWith('act:1')

    // No sid: said next to the field, no call.
    await fireEvent.click(screen.getByTestId('favorites-to-batch'))
    expect(screen.getByText('请先填写推广位（sid）。')).toBeTruthy()
    expect(screen.getByTestId('favorites-sid').getAttribute('aria-invalid')).toBe('true')
    expect(api.favoritesToBatch).not.toHaveBeenCalled()

    await fireEvent.input(screen.getByTestId('favorites-sid'), { target: { value: 'wx01' } })
    await fireEvent.click(screen.getByTestId('favorites-to-batch'))
    await vi.waitFor(() => expect(router.screen).toBe('links'))
    expect(api.favoritesToBatch).toHaveBeenCalledWith('p1', 'wx01')
  })

  it('says when there is no favorite yet', () => {
    render(FavoritesPanel, { profileId: 'p1', favorites: [], sids: [], onremove: vi.fn() })
    expect(screen.getByTestId('favorites-empty').textContent).toContain('还没有收藏')
    expect(screen.queryByTestId('favorites-to-batch')).toBeNull()
  })
})
