//! Order pushes (订单回推) to a registered callback URL: JSON bodies signed
//! with the callback secret exactly as SPEC.md B describes, retried with
//! exponential backoff until the receiver answers `{"errcode":"0",…}` (or
//! the integer form `{"errcode":0,…}`).

use crate::data::{self, EventKind, Order, OrderState};
use crate::state::{lock, read, Delivery, Shared};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use tokio::sync::watch;

/// Most delivery records kept for `/__admin/callbacks`.
const MAX_LOG: usize = 2000;

/// Legacy `type` of an order push (retired enumeration, still in pushes):
/// 0 团购, 2 酒店, 4 外卖, 5 团好货, 6 闪购, 8 优选. The retired list names
/// no 拼好饭, 虚拟券包, 到餐 or 到综: 拼好饭 and the coupon packs (used on
/// takeaway) are sent as 4 外卖, 到餐/到综 as 0 团购 — our assumption.
fn legacy_type(o: &Order) -> &'static str {
    match (o.legacy_line, o.legacy_sub) {
        (2, 1 | 4 | 5) => "4",
        (2, 2) => "6",
        (2, 3) => "5",
        (data::LEGACY_YOUXUAN, _) => "8",
        (3, _) => "2",
        _ => "0",
    }
}

/// The fields of a push for `o` as it stands in `st`, without `sign`.
pub(crate) fn push_fields(o: &Order, st: &OrderState, appkey: &str) -> Map<String, Value> {
    let mut m = Map::new();
    let s = |v: String| Value::String(v);
    m.insert("orderid".into(), s(o.orderid.clone()));
    m.insert("smstitle".into(), s(o.smstitle.clone()));
    m.insert("sid".into(), s(o.sid.clone()));
    m.insert("appkey".into(), s(appkey.to_owned()));
    m.insert("actId".into(), s(o.act_id.to_string()));
    m.insert("businessLine".into(), s(o.legacy_line.to_string()));
    m.insert("subBusinessLine".into(), s(o.legacy_sub.to_string()));
    m.insert("type".into(), s(legacy_type(o).to_owned()));
    m.insert("status".into(), s((st.status as i64).to_string()));
    m.insert("paytime".into(), s(o.paytime.to_string()));
    m.insert("ordertime".into(), s(o.ordertime.to_string()));
    m.insert("modTime".into(), s(st.mod_time.to_string()));
    m.insert("total".into(), s(data::yuan(o.payprice)));
    m.insert("direct".into(), s(data::yuan(o.payprice)));
    m.insert("payPrice".into(), s(data::yuan(o.payprice)));
    m.insert("quantity".into(), s(o.quantity.to_string()));
    m.insert(
        "ratio".into(),
        s(format!("{:.4}", f64::from(o.commission_rate) / 10_000.0)),
    );
    m.insert("uid".into(), s(o.uid.to_string()));
    m.insert("dealid".into(), s(o.product_id.clone()));
    m.insert("productId".into(), s(o.product_id.clone()));
    m.insert("productName".into(), s(o.product_name.clone()));
    if o.legacy_line == data::LEGACY_YOUXUAN {
        // 优选 pushes carry the list as a JSON array (SPEC B, vector C02).
        m.insert("tradeTypeList".into(), json!(o.trade_types));
    }
    m.insert("consumeType".into(), s(String::new()));
    // 1 全部退, 2 部分退, 3 风控 (bububa/meituan `model/serve/order.go:60-65`,
    // RISK_REFUND at `:64`); the sandbox's refunds are whole, so never 2.
    let refund_type = if st.risk {
        "3"
    } else if st.refunded {
        "1"
    } else {
        ""
    };
    m.insert("refundType".into(), s(refund_type.to_owned()));
    m.insert("encryptionVoucherId".into(), s(String::new()));
    m
}

/// The exact bytes of a signed push.
pub(crate) fn signed_body(callback_secret: &str, fields: &Map<String, Value>) -> Vec<u8> {
    let mut m = fields.clone();
    let sign = meituan_union::sign::sign_callback_fields(callback_secret, &m);
    m.insert("sign".into(), Value::String(sign));
    serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
}

/// The receiver acknowledged: `{"errcode":"0", …}` with the code as a
/// string (wepkg/union-meituan `api.go`, nilorg/meituan-union
/// `constants.go:4-7`) or `{"errcode":0, …}` as an integer (dtapps/go-library
/// `service/meituan/service_http.order.go:41,54,59`, bububa/meituan
/// `model/serve/res.go:5,10,12`). Which one Meituan requires is not
/// documented, so the sandbox takes both, as the app's `classify_body` does.
fn acknowledged(body: &[u8]) -> bool {
    match serde_json::from_slice::<Value>(body)
        .ok()
        .as_ref()
        .and_then(|v| v.get("errcode"))
    {
        Some(Value::String(code)) => code == "0",
        Some(Value::Number(code)) => code.as_i64() == Some(0),
        _ => false,
    }
}

async fn deliver(shared: &Shared, account: usize, order: u32, kind: EventKind, at_s: i64) {
    let acct = &shared.accounts[account];
    let (url, generation) = {
        let rt = shared.runtime(account);
        match &rt.callback {
            Some(c) => (c.url.clone(), rt.callback_generation),
            None => return,
        }
    };
    let (orderid, body) = {
        let book = read(&acct.book);
        let o = &book.orders[order as usize];
        let Some(st) = o.state_at(at_s) else {
            return;
        };
        let secret = shared.callback_secret(account, generation);
        (
            o.orderid.clone(),
            signed_body(secret.expose(), &push_fields(o, &st, &acct.appkey)),
        )
    };
    let policy = shared.config.callbacks;
    let mut last_error = None;
    let mut attempts = 0;
    let mut delivered = false;
    let mut backoff = policy.initial_backoff;
    while attempts < policy.max_attempts.max(1) {
        if attempts > 0 {
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
        }
        attempts += 1;
        let sent = shared
            .http
            .post(&url)
            .header("Content-Type", "application/json;charset=UTF-8")
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(res) => {
                let status = res.status();
                let bytes = res.bytes().await.unwrap_or_default();
                if status.is_success() && acknowledged(&bytes) {
                    delivered = true;
                    break;
                }
                let snippet: String = String::from_utf8_lossy(&bytes).chars().take(200).collect();
                last_error = Some(format!("HTTP {status}: {snippet}"));
            }
            Err(e) => last_error = Some(format!("transport: {e}")),
        }
    }
    let mut log = lock(&shared.deliveries);
    log.push(Delivery {
        orderid,
        event: kind,
        url,
        attempts,
        delivered,
        last_error: if delivered { None } else { last_error },
        at_ms: shared.now_ms(),
    });
    let excess = log.len().saturating_sub(MAX_LOG);
    log.drain(..excess);
}

/// Pushes admin-made changes at once, then timeline events the clock has
/// reached (at most one day of them per account per tick).
pub(crate) async fn tick(shared: &Shared) {
    let _one_at_a_time = shared.tick_lock.lock().await;
    let immediate: Vec<_> = lock(&shared.pending_pushes).drain(..).collect();
    for (account, order, kind, at_s) in immediate {
        deliver(shared, account, order, kind, at_s).await;
    }
    let now_s = shared.now_ms().div_euclid(1000);
    for account in 0..shared.accounts.len() {
        let (cursor, generation) = {
            let rt = shared.runtime(account);
            match &rt.callback {
                Some(c) => (c.cursor_s, rt.callback_generation),
                None => continue,
            }
        };
        if now_s <= cursor {
            continue;
        }
        let upto = now_s.min(cursor.saturating_add(86_400));
        let events: Vec<_> = {
            let book = read(&shared.accounts[account].book);
            book.events_between(cursor, upto)
                .iter()
                // Settlement is not pushed: pushes carry the legacy view,
                // which settlement does not change (status stays 8, modTime
                // the completion time).
                .filter(|e| e.kind != EventKind::Settled && book.event_is_current(e))
                .copied()
                .collect()
        };
        for e in events {
            deliver(shared, account, e.order, e.kind, e.at).await;
        }
        let mut rt = shared.runtime(account);
        let generation_now = rt.callback_generation;
        if let Some(c) = rt.callback.as_mut() {
            // A re-registration during delivery set its own cursor.
            if generation_now == generation && c.cursor_s == cursor {
                c.cursor_s = upto;
                shared.mark_dirty();
            }
        }
    }
}

/// One tick in its own task: a panic in it is logged and the poller keeps
/// polling (a panic in `run` itself would end callbacks for good). The task
/// is aborted if the poller is.
async fn contained_tick(shared: &Arc<Shared>) {
    struct AbortOnDrop(tokio::task::JoinHandle<()>);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let s = shared.clone();
    let mut task = AbortOnDrop(tokio::spawn(async move { tick(&s).await }));
    if let Err(e) = (&mut task.0).await {
        if e.is_panic() {
            tracing::error!(error = %e, "callback tick panicked; polling goes on");
        }
    }
}

pub(crate) async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(shared.config.callbacks.poll_interval);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => contained_tick(&shared).await,
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_takes_zero_as_a_string_or_an_integer() {
        assert!(acknowledged(br#"{"errcode":"0","errmsg":"ok"}"#));
        // bububa `model/serve/res.go:10`: SuccessResponse = {"ok", 0}.
        assert!(acknowledged(br#"{"errmsg":"ok","errcode":0}"#));
        assert!(!acknowledged(br#"{"errcode":"1","errmsg":"err"}"#));
        assert!(!acknowledged(br#"{"errmsg":"err","errcode":1}"#));
        assert!(!acknowledged(br#"{"errcode":0.5}"#));
        assert!(!acknowledged(br#"{"errcode":null}"#));
        assert!(!acknowledged(br#"{"errcode":false}"#));
        assert!(!acknowledged(br#"{"errmsg":"ok"}"#));
        assert!(!acknowledged(b"0"));
        assert!(!acknowledged(b"ok"));
    }

    #[test]
    fn refund_type_is_1_on_a_refund_and_3_on_risk() {
        let orders = crate::data::generate(crate::data::GenParams {
            seed: 3,
            appkey: "k",
            anchor_ms: 1_700_000_000_000,
            orders_per_month: 200,
        });
        let refund_type = |fate| {
            let o = orders
                .iter()
                .find(|o| o.fate == Some(fate))
                .expect("an order with that fate");
            let st = o.state_at(o.fate_at).unwrap();
            let before = o.state_at(o.paytime).unwrap();
            (
                push_fields(o, &before, "k")["refundType"].clone(),
                push_fields(o, &st, "k")["refundType"].clone(),
            )
        };
        assert_eq!(
            refund_type(crate::data::Fate::Risk),
            (json!(""), json!("3"))
        );
        assert_eq!(
            refund_type(crate::data::Fate::Refund),
            (json!(""), json!("1"))
        );
        assert_eq!(
            refund_type(crate::data::Fate::Complete),
            (json!(""), json!(""))
        );
    }

    #[test]
    fn signed_body_verifies_with_callback_secret_only() {
        let o = crate::data::generate(crate::data::GenParams {
            seed: 1,
            appkey: "k",
            anchor_ms: 1_700_000_000_000,
            orders_per_month: 20,
        })
        .into_iter()
        .find(|o| o.legacy_line == crate::data::LEGACY_YOUXUAN)
        .expect("an 优选 order");
        let st = o.state_at(o.paytime).unwrap();
        let body = signed_body("cb-secret", &push_fields(&o, &st, "k"));
        let check = meituan_union::sign::verify_callback("cb-secret", &body).unwrap();
        assert!(check.valid, "{check:?}");
        let wrong = meituan_union::sign::verify_callback("api-secret", &body).unwrap();
        assert!(!wrong.valid);
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert!(v["tradeTypeList"].is_array());
        assert_eq!(v["status"], "1");
    }
}
