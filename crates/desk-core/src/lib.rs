//! Union Desk's domain, with no Tauri in it: everything the desktop shell and
//! the `mtu` CLI share. Time, the HTTP base URL and the vault are passed in so
//! every part is testable headlessly and deterministically.

pub mod api;
pub mod clipboard;
pub mod clock;
pub mod desk;
pub mod embedded;
pub mod error;
pub mod logging;
pub mod paths;
pub mod profiles;
pub mod quota;
pub mod quota_alerts;
pub mod reveal;
pub mod safe_write;
pub mod settings;
pub mod store;
pub mod vault;
// Console workflows (issue 7).
pub mod authorization;
pub mod callback;
pub mod console_actions;
pub mod requests;
pub mod tiers;
pub mod verify;
pub mod workdays;
// Links and orders (issue 6).
pub mod batch;
pub mod export;
pub mod images;
pub mod links;
pub mod minicode;
pub mod order_detail;
pub mod orders;
pub mod quality;
pub mod search;
pub mod sids;
pub mod sync;
// The signature debugger (issue 19 item 12).
pub mod debugger;

pub use clock::{Clock, ManualClock, SystemClock};
pub use desk::Desk;
pub use error::{Error, ErrorCode, IpcError, Result};
pub use store::Store;
