//! Union Desk's domain, with no Tauri in it: everything the desktop shell and
//! the `mtu` CLI share. Time, the HTTP base URL and the vault are passed in so
//! every part is testable headlessly and deterministically.

// Features, each a folder.
pub mod callback;
pub mod console;
pub mod debugger;
pub mod gateway;
pub mod links;
pub mod orders;
pub mod profiles;
pub mod search;
pub mod secrets;
// Shared parts.
pub mod clock;
pub mod desk;
pub mod embedded;
pub mod error;
pub mod export;
pub mod images;
pub mod logging;
pub mod paths;
pub mod safe_write;
pub mod settings;
pub mod store;
pub mod words;

pub use clock::{Clock, ManualClock, SystemClock};
pub use desk::Desk;
pub use error::{Error, ErrorCode, IpcError, Result};
pub use store::Store;
