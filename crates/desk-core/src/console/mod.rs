//! The Meituan Union console's workflows the app guides and tracks: API
//! authorization, call-frequency and special-case requests with their
//! answers and alerts, the tier advisor, the working-day calendar the
//! console's promises are counted in, and the console actions.

pub mod actions;
pub mod applications;
pub mod authorization;
pub mod sandbox;
pub mod tiers;
pub mod workdays;

use serde::{Deserialize, Serialize};

/// How a console step was taken: in the embedded sandbox's console, which
/// the app drives itself, or by the user in Meituan's console, which the app
/// only records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    Sandbox,
    Manual,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Sandbox => "sandbox",
            Via::Manual => "manual",
        }
    }

    /// The stored word; anything but `sandbox` was recorded by hand.
    pub fn from_stored(s: &str) -> Via {
        if s == "sandbox" {
            Via::Sandbox
        } else {
            Via::Manual
        }
    }
}
