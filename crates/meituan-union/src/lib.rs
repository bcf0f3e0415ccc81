//! Meituan Union (美团联盟) protocol crate: signing for the legacy
//! `openapi.meituan.com/api/*` MD5 scheme, the order-callback MD5 scheme and
//! the `media.meituan.com` cps_open S-Ca HMAC scheme; typed endpoints; an
//! async client. No storage and no Tauri in here.
//!
//! Layers, lowest first:
//! - [`sign`]: pure functions, checked against `tests/data/vectors.json`;
//! - [`legacy`], [`media`]: typed requests (validated before anything is
//!   sent) and lenient typed responses;
//! - [`client`]: one reqwest client, one attempt per call, typed [`Error`]
//!   kinds, an [`Attempt`] record for the call log.

pub mod beijing;
pub mod client;
mod de;
pub mod enums;
pub mod error;
pub mod http;
pub mod legacy;
pub mod lines;
pub mod media;
pub mod mtunion;
pub mod secret;
pub mod sign;
pub mod tier;
pub mod validate;

pub use client::{
    decode_legacy_answer, decode_media_answer, prepare_legacy, prepare_media, ApiGeneration,
    Attempt, Client, ClientConfig, Credentials, Outcome, PreparedRequest, LEGACY_BASE_URL,
    MEDIA_BASE_URL,
};
pub use enums::*;
pub use error::{ApiErrorKind, Error};
pub use legacy::{
    GenerateLinkRequest, LegacyEndpoint, LegacyOrder, LinkResponse, MiniCodeRequest,
    OrderListRequest, OrderListResponse, OrderRequest, QualityScore, QualityScoreRequest,
    QualityScoreResponse,
};
pub use lines::{LineName, OrderLine};
pub use media::{
    Coupon, MediaEndpoint, MediaOrder, QueryCouponRequest, QueryCouponResponse, QueryOrderRequest,
    QueryOrderResponse, ReferralLinkRequest, ReferralLinkResponse,
};
pub use secret::Secret;
pub use sign::{
    callback_canonical, content_md5, legacy_canonical, legacy_params_from_json, legacy_sign,
    legacy_wire_query, mask_canonical, media_sign, media_sign_listing, sign_callback_fields,
    verify_callback, CallbackCheck, CallbackError, LegacyParamError, LegacySign, MediaRequestParts,
    MediaSignature,
};
pub use tier::{Tier, UnknownTier};
