//! Meituan Union (美团联盟) protocol crate: signing for the legacy
//! `openapi.meituan.com/api/*` MD5 scheme, the order-callback MD5 scheme and
//! the `media.meituan.com` cps_open S-Ca HMAC scheme; typed endpoints; an
//! async client. No storage and no Tauri in here.

pub mod secret;
pub mod sign;

pub use secret::Secret;
pub use sign::{
    callback_canonical, content_md5, legacy_canonical, legacy_params_from_json, legacy_sign,
    legacy_wire_query, mask_canonical, media_sign, sign_callback_fields, verify_callback,
    CallbackCheck, CallbackError, LegacyParamError, MediaRequestParts, MediaSignature,
};
