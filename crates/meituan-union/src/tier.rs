//! The console's call-frequency table (调用频次): the daily call limit
//! Meituan grants by monthly average order volume. One definition for the
//! sandbox, the core and (through the bindings) the UI.
//!
//! Source: the seed manual's tier table (2000 after the first approval;
//! 3000 from 1000 monthly orders, 6000 from 2000, 15000 from 5000, 不限
//! from 10000).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A row of the table, by its daily limit. Serialized as `"2000"`,
/// `"3000"`, `"6000"`, `"15000"`, `"unlimited"`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Tier {
    /// After the first approval.
    #[default]
    #[serde(rename = "2000")]
    T2000,
    #[serde(rename = "3000")]
    T3000,
    #[serde(rename = "6000")]
    T6000,
    #[serde(rename = "15000")]
    T15000,
    /// 不限: calls are still counted.
    #[serde(rename = "unlimited")]
    Unlimited,
}

impl Tier {
    /// Lowest first.
    pub const ALL: [Tier; 5] = [
        Tier::T2000,
        Tier::T3000,
        Tier::T6000,
        Tier::T15000,
        Tier::Unlimited,
    ];

    /// Calls per Beijing day; `None` for 不限.
    pub const fn daily_limit(self) -> Option<u32> {
        match self {
            Tier::T2000 => Some(2000),
            Tier::T3000 => Some(3000),
            Tier::T6000 => Some(6000),
            Tier::T15000 => Some(15000),
            Tier::Unlimited => None,
        }
    }

    /// The smallest monthly average order count that qualifies for the tier.
    pub const fn min_monthly_orders(self) -> u32 {
        match self {
            Tier::T2000 => 0,
            Tier::T3000 => 1000,
            Tier::T6000 => 2000,
            Tier::T15000 => 5000,
            Tier::Unlimited => 10000,
        }
    }

    /// The tier the table grants for a monthly average of `n` orders.
    pub fn for_monthly_average(n: f64) -> Tier {
        Tier::ALL
            .iter()
            .rev()
            .copied()
            .find(|t| n >= f64::from(t.min_monthly_orders()))
            .unwrap_or(Tier::T2000)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Tier::T2000 => "2000",
            Tier::T3000 => "3000",
            Tier::T6000 => "6000",
            Tier::T15000 => "15000",
            Tier::Unlimited => "unlimited",
        }
    }

    /// The next tier up, if any.
    pub fn next(self) -> Option<Tier> {
        let i = Tier::ALL.iter().position(|t| *t == self)?;
        Tier::ALL.get(i + 1).copied()
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tier name that is not one of the table's rows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown tier {0:?}: expected 2000, 3000, 6000, 15000 or unlimited")]
pub struct UnknownTier(pub String);

impl FromStr for Tier {
    type Err = UnknownTier;
    /// The serialized names, plus 不限 for unlimited.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "不限" => Ok(Tier::Unlimited),
            t => Tier::ALL
                .into_iter()
                .find(|tier| tier.as_str() == t)
                .ok_or_else(|| UnknownTier(t.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reads_by_average_and_by_name() {
        assert_eq!(Tier::for_monthly_average(0.0), Tier::T2000);
        assert_eq!(Tier::for_monthly_average(999.9), Tier::T2000);
        assert_eq!(Tier::for_monthly_average(1000.0), Tier::T3000);
        assert_eq!(Tier::for_monthly_average(4999.0), Tier::T6000);
        assert_eq!(Tier::for_monthly_average(10000.0), Tier::Unlimited);
        for t in Tier::ALL {
            assert_eq!(t.as_str().parse::<Tier>(), Ok(t));
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{t}\""));
        }
        assert_eq!("不限".parse::<Tier>(), Ok(Tier::Unlimited));
        assert!("2500".parse::<Tier>().is_err());
        assert_eq!(Tier::T15000.next(), Some(Tier::Unlimited));
        assert_eq!(Tier::Unlimited.next(), None);
        assert_eq!(Tier::default(), Tier::T2000);
    }
}
