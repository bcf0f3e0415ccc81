//! The signed-call gateway: every call to Meituan goes through [`api::Api`],
//! which counts it in the quota ledger ([`quota`]) and raises the 80 % and
//! 100 % notices ([`quota_alerts`]).

pub mod api;
pub mod quota;
pub mod quota_alerts;
