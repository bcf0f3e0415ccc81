import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import Search from './Search.svelte'
import type { Favorite, SearchItem } from '../lib/ipc'
import { favoriteAdd, favoriteRemove, favoritesList, resetBackend, searchFilters, searchProducts } from '../test/ipc-mock'
import { resetAppState } from '../test/reset'

vi.mock('../lib/ipc', () => import('../test/ipc-mock'))

const ITEM: SearchItem = {
  key: 'act:33',
  sku_view_id: null,
  act_id: '33',
  sku_id: null,
  name: '奶茶第二杯半价',
  brand: null,
  image_url: null,
  price_cents: 1500,
  original_price_cents: null,
  commission_percent: 6,
  commission_cents: 90,
  platform: 1,
  sales: null,
}

beforeEach(() => {
  resetAppState()
  resetBackend({}, [{ id: 'p1', name: '主账号' }])
  // The backend keeps the favorites (across restarts); here, in memory.
  let kept: Favorite[] = []
  favoritesList.mockReset().mockImplementation(async () => kept)
  favoriteAdd.mockReset().mockImplementation(async (_p, item) => {
    kept = [...kept, { key: item.key, item, added_at: '2026-12-05T10:00:00+08:00' }]
    return kept
  })
  favoriteRemove.mockReset().mockImplementation(async (_p, key) => {
    kept = kept.filter((f) => f.key !== key)
    return kept
  })
  searchFilters.mockResolvedValue({
    supported: true,
    generation: 'media',
    keyword: true,
    platforms: [],
    cities: [],
    categories: [],
    lists: [],
  })
  searchProducts.mockImplementation(async (_p, query) => ({
    query,
    items: [ITEM],
    has_next: false,
    from_cache: false,
    calls_spent: 1,
    next_page_cached: false,
    fetched_at: '2026-12-05T10:00:00+08:00',
  }))
})

describe('search screen', () => {
  it('adds a result to the 收藏夹 and takes it out again, through the backend', async () => {
    render(Search)
    await fireEvent.input(await screen.findByTestId('search-keyword'), { target: { value: '奶茶' } })
    await fireEvent.click(screen.getByTestId('search-go'))
    const [row] = await screen.findAllByTestId('search-result')
    expect(screen.getByTestId('favorites-empty')).toBeTruthy()

    await fireEvent.click(within(row).getByTestId('search-favorite'))
    await vi.waitFor(() => expect(screen.getAllByTestId('favorite-row').length).toBe(1))
    expect(favoriteAdd).toHaveBeenCalledWith('p1', ITEM)
    expect(within(row).getByTestId('search-favorite').getAttribute('aria-pressed')).toBe('true')
    expect(within(screen.getByTestId('favorites')).getByText('奶茶第二杯半价')).toBeTruthy()

    await fireEvent.click(within(row).getByTestId('search-favorite'))
    await vi.waitFor(() => expect(screen.queryAllByTestId('favorite-row').length).toBe(0))
    expect(favoriteRemove).toHaveBeenCalledWith('p1', 'act:33')
  })

  it('shows the favorites kept from an earlier run', async () => {
    favoritesList.mockResolvedValue([{ key: ITEM.key, item: ITEM, added_at: '2026-12-04T10:00:00+08:00' }])
    render(Search)
    expect((await screen.findByTestId('favorites-count')).textContent).toBe('1 个收藏')
  })
})
