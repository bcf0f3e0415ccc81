//! `mtu coupon`: 选品 from a terminal (issue 20 items 1 and 6).
//! `coupon search` finds products to promote through whichever search the
//! profile's generation offers (media `query_coupon`, legacy
//! `/api/mtunion/sku`); a page asked again the same Beijing day costs no
//! call. `coupon filters` lists the cities, categories and ranking lists
//! that can be searched.

use crate::context::{open_desk, runtime};
use crate::Global;
use clap::{Args, Subcommand};
use desk_core::search::{self, SearchFilters, SearchItem, SearchPage, SearchQuery};
use serde_json::{json, Value};

#[derive(Args, Debug)]
pub struct CouponArgs {
    #[command(subcommand)]
    pub command: CouponCommand,
}

#[derive(Subcommand, Debug)]
pub enum CouponCommand {
    /// Search products / coupons to promote (one call per new page; a page
    /// asked again the same Beijing day costs none).
    ///
    /// Give a keyword, a category or a ranking list. Media profiles search
    /// by keyword, platform, city and list; legacy profiles by category and
    /// city (no keyword, no platform).
    ///
    /// --json prints {"items":[{"sku_view_id","name","price",
    /// "commission_percent","commission",...}],"has_next","from_cache",
    /// "calls_spent","next_page_cached","page"}. "price", "original_price" and
    /// "commission" (per sale) are JSON numbers in yuan (12.9 = ¥12.90), also
    /// given exactly as "price_cents" etc.; "commission_percent" is a number
    /// in percent (4 = 4 %). "sku_view_id" works with `mtu link --sku`;
    /// legacy items give "act_id" and "sku_id" instead.
    Search(SearchArgs),
    /// The filters the profile's generation offers (cities, categories,
    /// ranking lists, platforms) with their ids.
    Filters,
}

#[derive(Args, Debug)]
pub struct SearchArgs {
    /// Words to search for (media only; at most 100 characters).
    #[arg(long)]
    pub keyword: Option<String>,
    /// 1 到家 (delivery) or 2 到店 (in store) (media only).
    #[arg(long, value_name = "1|2")]
    pub platform: Option<u8>,
    /// City id (see `mtu coupon filters`).
    #[arg(long, value_name = "ID")]
    pub city: Option<i64>,
    /// Category id (legacy only; see `mtu coupon filters`).
    #[arg(long, value_name = "ID")]
    pub category: Option<i64>,
    /// Ranking list id (listTopiId, media only): 到家 1 精选, 2 今日必推,
    /// 3 同城热销, 4 跟推爆款; 到店 2, 3, 5 实时热销.
    #[arg(long, value_name = "ID")]
    pub list: Option<i64>,
    /// Page, from 1.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub page: u32,
}

pub fn run(args: CouponArgs, g: &Global) -> anyhow::Result<()> {
    match args.command {
        CouponCommand::Search(a) => run_search(a, g),
        CouponCommand::Filters => run_filters(g),
    }
}

fn yuan(cents: Option<i64>) -> Value {
    match cents {
        Some(c) => json!(c as f64 / 100.0),
        None => Value::Null,
    }
}

fn item_json(i: &SearchItem) -> Value {
    json!({
        "key": i.key,
        "sku_view_id": i.sku_view_id,
        "act_id": i.act_id,
        "sku_id": i.sku_id,
        "name": i.name,
        "brand": i.brand,
        "price": yuan(i.price_cents),
        "price_cents": i.price_cents,
        "original_price": yuan(i.original_price_cents),
        "original_price_cents": i.original_price_cents,
        "commission_percent": i.commission_percent,
        "commission": yuan(i.commission_cents),
        "commission_cents": i.commission_cents,
        "platform": i.platform,
        "sales": i.sales,
        "image_url": i.image_url,
    })
}

/// The `--json` shape of a page.
pub fn page_json(p: &SearchPage) -> Value {
    json!({
        "items": p.items.iter().map(item_json).collect::<Vec<_>>(),
        "has_next": p.has_next,
        "from_cache": p.from_cache,
        "calls_spent": p.calls_spent,
        "next_page_cached": p.next_page_cached,
        "page": p.query.page,
        "fetched_at": p.fetched_at,
    })
}

fn money(cents: Option<i64>) -> String {
    cents.map_or_else(|| "-".to_owned(), |c| format!("{:.2}", c as f64 / 100.0))
}

fn run_search(a: SearchArgs, g: &Global) -> anyhow::Result<()> {
    let desk = open_desk()?;
    let profile = desk.profile(g.profile())?;
    let query = SearchQuery {
        keyword: a.keyword,
        platform: a.platform,
        city_id: a.city,
        category_id: a.category,
        list_id: a.list,
        page: a.page,
    };
    let page = runtime()?.block_on(search::search(&desk.api, &profile, &query))?;
    if g.json {
        println!("{}", page_json(&page));
        return Ok(());
    }
    println!(
        "{:<26}  {:>9}  {:>6}  {:>10}  name",
        "id (mtu link --sku / --act)", "price ¥", "rate %", "per sale ¥"
    );
    for i in &page.items {
        let id = i
            .sku_view_id
            .clone()
            .or_else(|| i.act_id.clone().map(|a| format!("act {a}")))
            .unwrap_or_else(|| i.key.clone());
        let rate = i
            .commission_percent
            .map_or_else(|| "-".to_owned(), |r| format!("{r:.2}"));
        println!(
            "{id:<26}  {:>9}  {rate:>6}  {:>10}  {}",
            money(i.price_cents),
            money(i.commission_cents),
            i.name
        );
    }
    if page.items.is_empty() {
        println!("(nothing found)");
    }
    let cost = if page.from_cache {
        format!("0 calls: from today's cache ({})", page.fetched_at)
    } else {
        format!("{} call spent", page.calls_spent)
    };
    let next = match (page.has_next, page.next_page_cached) {
        (false, _) => "last page".to_owned(),
        (true, true) => format!("--page {} is cached (0 calls)", page.query.page + 1),
        (true, false) => format!("--page {} costs 1 call", page.query.page + 1),
    };
    println!("page {}; {cost}; {next}", page.query.page);
    Ok(())
}

fn filters_json(f: &SearchFilters) -> Value {
    serde_json::to_value(f).unwrap_or(Value::Null)
}

fn run_filters(g: &Global) -> anyhow::Result<()> {
    let desk = open_desk()?;
    let profile = desk.profile(g.profile())?;
    let f = runtime()?.block_on(search::filters(&desk.api, &profile))?;
    if g.json {
        println!("{}", filters_json(&f));
        return Ok(());
    }
    let show = |title: &str, list: &[search::Choice]| {
        if list.is_empty() {
            println!("{title}: (not offered by this API)");
        } else {
            let names: Vec<String> = list
                .iter()
                .map(|c| format!("{} {}", c.id, c.name))
                .collect();
            println!("{title}: {}", names.join(", "));
        }
    };
    println!(
        "{} API; keyword search: {}",
        f.generation.as_str(),
        if f.keyword { "yes" } else { "no" }
    );
    show("platforms (--platform)", &f.platforms);
    show("cities (--city)", &f.cities);
    show("categories (--category)", &f.categories);
    show("ranking lists (--list)", &f.lists);
    Ok(())
}
