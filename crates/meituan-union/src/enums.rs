//! Integer enumerations of both API generations (SPEC.md A.2 and C).
//!
//! Requests use these types; responses keep the raw integer (Meituan adds
//! values without notice) and offer an accessor that maps it when known.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! int_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $code:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The integer sent on the wire.
            pub fn code(self) -> i64 {
                match self { $($name::$variant => $code),+ }
            }

            pub fn from_code(code: i64) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.code())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = crate::de::lenient_i64(d)?
                    .ok_or_else(|| serde::de::Error::custom(concat!(stringify!($name), " missing")))?;
                $name::from_code(code).ok_or_else(|| {
                    serde::de::Error::custom(format!(concat!("unknown ", stringify!($name), " {}"), code))
                })
            }
        }
    };
}

int_enum! {
    /// `linkType` of legacy `/api/generateLink` and `/api/miniCode`.
    pub enum LegacyLinkType {
        /// H5 page.
        H5 = 1,
        /// App deeplink.
        Deeplink = 2,
        /// Middle page that wakes the app (中间页唤起).
        MiddlePage = 3,
        /// WeChat mini-program path (微信小程序 path).
        WechatMiniProgram = 4,
        /// Group password (团口令).
        GroupPassword = 5,
        /// 优选 app deeplink.
        YouxuanDeeplink = 6,
        /// 优选 middle page.
        YouxuanMiddlePage = 7,
        /// 优选 mini-program.
        YouxuanMiniProgram = 8,
    }
}

int_enum! {
    /// `linkType` of media `get_referral_link`.
    pub enum MediaLinkType {
        /// H5 long link (H5长链).
        H5Long = 1,
        /// H5 short link (H5短链).
        H5Short = 2,
        Deeplink = 3,
        /// Mini-program path (小程序路径).
        MiniProgramPath = 4,
        /// Group password (团口令).
        GroupPassword = 5,
        /// Mini-program QR code (小程序码).
        MiniProgramCode = 6,
    }
}

int_enum! {
    /// Legacy `businessLine` (bububa/meituan `enum/businessLine.go:9-25`;
    /// names and the media codes are in [`crate::lines`]).
    pub enum BusinessLine {
        /// 平台: campaigns not attributable to one line.
        Platform = 1,
        /// 外卖/闪购/美团电商 (see [`SubBusinessLine`])
        WaimaiShangou = 2,
        /// 酒店
        Hotel = 3,
        /// 优选
        Youxuan = 4,
        /// 地推
        Ditui = 5,
        /// 到餐
        Daocan = 6,
        /// 到综
        Daozong = 7,
    }
}

int_enum! {
    /// Legacy `subBusinessLine` under [`BusinessLine::WaimaiShangou`]
    /// (bububa/meituan `enum/businessLine.go:31-41`).
    pub enum SubBusinessLine {
        /// 外卖
        Waimai = 1,
        /// 闪购
        Shangou = 2,
        /// 团好货 (美团电商)
        TuanHaohuo = 3,
        /// 拼好饭
        Pinhaofan = 4,
        /// 虚拟券包
        CouponPack = 5,
    }
}

int_enum! {
    /// Legacy order `status`.
    pub enum LegacyOrderStatus {
        /// 已付款
        Paid = 1,
        /// 已完成
        Completed = 8,
        /// 已退款或风控
        RefundedOrRisk = 9,
    }
}

int_enum! {
    /// Media `query_order` order `status`.
    pub enum MediaOrderStatus {
        /// 付款
        Paid = 2,
        /// 完成
        Completed = 3,
        /// 取消
        Cancelled = 4,
        /// 风控
        Risk = 5,
        /// 结算
        Settled = 6,
    }
}

int_enum! {
    /// Media `tradeType`.
    pub enum TradeType {
        Cps = 1,
        Cpa = 2,
    }
}

int_enum! {
    /// `queryTimeType` of both order queries.
    pub enum QueryTimeType {
        /// By payment time.
        PayTime = 1,
        /// By last modification time (what incremental sync wants).
        ModifyTime = 2,
    }
}

int_enum! {
    /// Media `platform`.
    pub enum Platform {
        /// 到家 and other business types.
        Daojia = 1,
        /// 到店 (food, leisure, hotel, tickets).
        Daodian = 2,
    }
}

int_enum! {
    /// Media `query_order` `searchType`.
    pub enum SearchType {
        /// Numbered pages (`page` + `limit`).
        Page = 1,
        /// Scroll: each answer carries the `scrollId` of the next page.
        Scroll = 2,
    }
}

int_enum! {
    /// Media `query_coupon` `sortField`.
    pub enum CouponSortField {
        Price = 1,
        Sales = 2,
        Commission = 3,
    }
}

int_enum! {
    /// Legacy `/api/getqualityscorebysid` `type`.
    pub enum QualityScoreType {
        /// 预估
        Estimated = 1,
        /// 实际
        Actual = 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for lt in LegacyLinkType::ALL {
            assert_eq!(LegacyLinkType::from_code(lt.code()), Some(*lt));
        }
        assert_eq!(LegacyLinkType::ALL.len(), 8);
        assert_eq!(MediaLinkType::ALL.len(), 6);
        assert_eq!(BusinessLine::from_code(6), Some(BusinessLine::Daocan));
        assert_eq!(BusinessLine::from_code(7), Some(BusinessLine::Daozong));
        // 9 and 10 (once attributed to yzchan) are in no stored source.
        assert_eq!(BusinessLine::from_code(9), None);
        assert_eq!(
            MediaOrderStatus::from_code(6),
            Some(MediaOrderStatus::Settled)
        );
        assert_eq!(
            LegacyOrderStatus::from_code(8),
            Some(LegacyOrderStatus::Completed)
        );
    }

    #[test]
    fn serde_is_the_integer() {
        assert_eq!(serde_json::to_string(&MediaLinkType::H5Short).unwrap(), "2");
        let t: TradeType = serde_json::from_str("\"2\"").unwrap();
        assert_eq!(t, TradeType::Cpa);
        assert!(serde_json::from_str::<TradeType>("7").is_err());
    }
}
