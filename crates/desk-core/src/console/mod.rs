//! The Meituan Union console's workflows the app guides and tracks: API
//! authorization, call-frequency and special-case requests with their
//! answers and alerts, the tier advisor, the working-day calendar the
//! console's promises are counted in, and the console actions.

pub mod actions;
pub mod authorization;
pub mod requests;
pub mod tiers;
pub mod workdays;
