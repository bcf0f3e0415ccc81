//! `mtu sign`: the signature debugger from a terminal. One JSON object in
//! on stdin, one JSON object out on stdout; all the work is done by
//! `meituan_union::sign`, the same code the app and the sandbox use, and the
//! masking by `desk_core::debugger`, as on the app's 签名调试 screen.

use desk_core::debugger;
use meituan_union::sign::{
    legacy_canonical, legacy_params_from_json, legacy_sign, media_sign, verify_callback,
    MediaRequestParts,
};
use meituan_union::Secret;
use serde_json::{json, Map, Value};
use std::fmt;
use std::io::{Read, Write};
use std::process::ExitCode;

pub const LONG_ABOUT: &str = "\
Compute or check a Meituan Union signature.

Reads ONE JSON object on stdin and writes ONE JSON object on stdout.
The \"scheme\" field picks what to do:

  legacy-md5    openapi.meituan.com /api/* query signature
    in:  {\"scheme\":\"legacy-md5\",\"secret\":S,\"params\":{...}}
    out: {\"sign\":...,\"canonical\":...}
    Params are signed exactly as given (nothing is added, `sign` is
    ignored). Values are strings or integers; bools and floats are refused
    because SDKs disagree on how to write them.

  callback-md5  verify an order push (订单回推) with the callback secret
    in:  {\"scheme\":\"callback-md5\",\"secret\":S,\"body\":\"<raw JSON text>\"}
    out: {\"valid\":true|false,\"expected_sign\":...,\"reason\":null|...}

  media-s-ca    media.meituan.com cps_open S-Ca HMAC headers
    in:  {\"scheme\":\"media-s-ca\",\"app_key\":K,\"secret\":S,\"method\":\"POST\",
          \"path\":P,\"query\":{...}|null,\"body\":\"<raw>\"|null,
          \"timestamp_ms\":\"...\",\"extra_headers\":{...}}   (extra_headers optional)
    out: {\"content_md5\":...,\"string_to_sign\":...,\"signature\":...,
          \"signature_headers\":\"S-Ca-App,S-Ca-Timestamp\"}

Bad JSON, a missing or unknown field, or a value that cannot be signed
ends with a message on stderr and exit code 2. The secret is never printed
in an error; the legacy canonical string contains it at both ends unless
--mask-secret is given.";

const EXAMPLES: &str = "\
Examples:
  echo '{\"scheme\":\"legacy-md5\",\"secret\":\"0123456789abcdef0123456789abcdef\",
        \"params\":{\"appkey\":\"5f2e0c8d9a7b4e1f8c3d2b1a0e9f8d7c\",\"ts\":\"1700000000\",
                  \"actId\":\"33\",\"linkType\":\"1\",\"sid\":\"a1\"}}' | mtu sign

  jq -n --arg body \"$(cat push.json)\" --arg secret \"$CALLBACK_SECRET\" \\
     '{scheme:\"callback-md5\",secret:$secret,body:$body}' | mtu sign";

/// Compute or check a signature (stdin JSON → stdout JSON).
#[derive(clap::Args, Debug)]
#[command(long_about = LONG_ABOUT, after_long_help = EXAMPLES)]
pub struct SignArgs {
    /// Show the legacy canonical string as `<secret>…<secret>`.
    #[arg(long)]
    pub mask_secret: bool,
}

/// Why the input could not be signed. Never holds the secret.
#[derive(Debug, PartialEq, Eq)]
pub enum SignInputError {
    NoInput,
    NotJson(String),
    NotAnObject,
    MissingField(&'static str),
    WrongType {
        field: &'static str,
        expected: &'static str,
    },
    UnknownField(String),
    UnknownScheme(String),
    Unsignable(String),
}

impl fmt::Display for SignInputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignInputError::NoInput => write!(f, "no input on stdin; see `mtu sign --help`"),
            SignInputError::NotJson(e) => write!(f, "the input is not valid JSON: {e}"),
            SignInputError::NotAnObject => write!(f, "the input must be one JSON object"),
            SignInputError::MissingField(field) => write!(f, "missing field \"{field}\""),
            SignInputError::WrongType { field, expected } => {
                write!(f, "field \"{field}\" must be {expected}")
            }
            SignInputError::UnknownField(field) => write!(
                f,
                "unknown field \"{field}\" for this scheme; see `mtu sign --help`"
            ),
            SignInputError::UnknownScheme(s) => write!(
                f,
                "unknown scheme \"{s}\"; use legacy-md5, callback-md5 or media-s-ca"
            ),
            SignInputError::Unsignable(reason) => write!(f, "{reason}"),
        }
    }
}

/// Entry point of the subcommand.
pub fn run(args: &SignArgs) -> ExitCode {
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("mtu sign: cannot read stdin: {e}");
        return ExitCode::from(2);
    }
    match sign_json(&input, args.mask_secret) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            match writeln!(stdout, "{out}") {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("mtu sign: cannot write stdout: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Err(e) => {
            eprintln!("mtu sign: {e}");
            ExitCode::from(2)
        }
    }
}

/// The whole debugger as a pure function: input text → output object.
pub fn sign_json(input: &str, mask_secret: bool) -> Result<Value, SignInputError> {
    if input.trim().is_empty() {
        return Err(SignInputError::NoInput);
    }
    // serde_json here keeps number text exactly (arbitrary_precision), so
    // integer params sign as written.
    let value: Value =
        serde_json::from_str(input).map_err(|e| SignInputError::NotJson(e.to_string()))?;
    let Value::Object(obj) = value else {
        return Err(SignInputError::NotAnObject);
    };
    let scheme = str_field(&obj, "scheme")?;
    match scheme {
        "legacy-md5" => legacy(&obj, mask_secret),
        "callback-md5" => callback(&obj),
        "media-s-ca" | "media-s-ca-hmac" => media(&obj),
        other => Err(SignInputError::UnknownScheme(other.to_owned())),
    }
}

fn check_fields(obj: &Map<String, Value>, allowed: &[&str]) -> Result<(), SignInputError> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(SignInputError::UnknownField(k.clone())),
        None => Ok(()),
    }
}

fn str_field<'a>(
    obj: &'a Map<String, Value>,
    field: &'static str,
) -> Result<&'a str, SignInputError> {
    match obj.get(field) {
        None | Some(Value::Null) => Err(SignInputError::MissingField(field)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(SignInputError::WrongType {
            field,
            expected: "a string",
        }),
    }
}

fn object_field<'a>(
    obj: &'a Map<String, Value>,
    field: &'static str,
    required: bool,
) -> Result<Option<&'a Map<String, Value>>, SignInputError> {
    match obj.get(field) {
        None | Some(Value::Null) if required => Err(SignInputError::MissingField(field)),
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(SignInputError::WrongType {
            field,
            expected: "an object",
        }),
    }
}

fn string_pairs(map: &Map<String, Value>) -> Result<Vec<(String, String)>, SignInputError> {
    legacy_params_from_json(map).map_err(|e| SignInputError::Unsignable(e.to_string()))
}

fn as_refs(owned: &[(String, String)]) -> Vec<(&str, &str)> {
    owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn legacy(obj: &Map<String, Value>, mask_secret: bool) -> Result<Value, SignInputError> {
    check_fields(obj, &["scheme", "secret", "params"])?;
    let secret = str_field(obj, "secret")?;
    let params = object_field(obj, "params", true)?.expect("required");
    let owned = string_pairs(params)?;
    let pairs = as_refs(&owned);
    let canonical = legacy_canonical(secret, &pairs);
    let canonical = if mask_secret {
        debugger::masked(&canonical, &Secret::from(secret))
    } else {
        canonical
    };
    Ok(json!({
        "sign": legacy_sign(secret, &pairs),
        "canonical": canonical,
    }))
}

fn callback(obj: &Map<String, Value>) -> Result<Value, SignInputError> {
    check_fields(obj, &["scheme", "secret", "body"])?;
    let secret = str_field(obj, "secret")?;
    // The raw text is what Meituan signed; an object is accepted too and
    // written back compactly (number text is kept).
    let body = match obj.get("body") {
        None | Some(Value::Null) => return Err(SignInputError::MissingField("body")),
        Some(Value::String(s)) => s.clone(),
        Some(v @ Value::Object(_)) => v.to_string(),
        Some(_) => {
            return Err(SignInputError::WrongType {
                field: "body",
                expected: "the raw JSON text of the push, as a string",
            })
        }
    };
    let check = verify_callback(secret, body.as_bytes())
        .map_err(|e| SignInputError::Unsignable(format!("field \"body\": {e}")))?;
    Ok(json!({
        "valid": check.valid,
        "expected_sign": check.expected_sign,
        "reason": check.reason,
    }))
}

fn media(obj: &Map<String, Value>) -> Result<Value, SignInputError> {
    check_fields(
        obj,
        &[
            "scheme",
            "app_key",
            "secret",
            "method",
            "path",
            "query",
            "body",
            "timestamp_ms",
            "extra_headers",
        ],
    )?;
    let app_key = str_field(obj, "app_key")?;
    let secret = str_field(obj, "secret")?;
    let method = str_field(obj, "method")?;
    let path = str_field(obj, "path")?;
    let timestamp = match obj.get("timestamp_ms") {
        None | Some(Value::Null) => return Err(SignInputError::MissingField("timestamp_ms")),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) if n.as_u64().is_some() => n.to_string(),
        Some(_) => {
            return Err(SignInputError::WrongType {
                field: "timestamp_ms",
                expected: "epoch milliseconds (a string or an integer)",
            })
        }
    };
    let query = object_field(obj, "query", false)?
        .map(string_pairs)
        .transpose()?;
    let body = match obj.get("body") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_bytes()),
        Some(_) => {
            return Err(SignInputError::WrongType {
                field: "body",
                expected: "the raw body text as a string, or null",
            })
        }
    };
    let extra = object_field(obj, "extra_headers", false)?
        .map(|m| {
            m.iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    _ => Err(SignInputError::WrongType {
                        field: "extra_headers",
                        expected: "an object of string header values",
                    }),
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let query_refs = query.as_deref().map(as_refs);
    let extra_refs = as_refs(&extra);
    let sig = media_sign(
        secret,
        &MediaRequestParts {
            method,
            path,
            query: query_refs.as_deref(),
            body,
            app_key,
            timestamp_ms: &timestamp,
            extra_signed_headers: &extra_refs,
        },
    );
    Ok(json!({
        "content_md5": sig.content_md5,
        "string_to_sign": sig.string_to_sign,
        "signature": sig.signature,
        "signature_headers": sig.signature_headers,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_clear_and_never_echo_the_secret() {
        let secret = "TOPSECRET-0123456789";
        let cases = [
            ("", SignInputError::NoInput),
            ("{", SignInputError::NotJson(String::new())),
            ("[]", SignInputError::NotAnObject),
            (
                r#"{"secret":"TOPSECRET-0123456789"}"#,
                SignInputError::MissingField("scheme"),
            ),
            (
                r#"{"scheme":"legacy-md5","secret":"TOPSECRET-0123456789"}"#,
                SignInputError::MissingField("params"),
            ),
            (
                r#"{"scheme":"nope","secret":"TOPSECRET-0123456789"}"#,
                SignInputError::UnknownScheme("nope".into()),
            ),
            (
                r#"{"scheme":"legacy-md5","secret":"TOPSECRET-0123456789","params":{},"secert":1}"#,
                SignInputError::UnknownField("secert".into()),
            ),
        ];
        for (input, want) in cases {
            let got = sign_json(input, false).unwrap_err();
            match (&got, &want) {
                (SignInputError::NotJson(_), SignInputError::NotJson(_)) => {}
                _ => assert_eq!(got, want, "{input}"),
            }
            assert!(!got.to_string().contains(secret));
        }
        let bool_param = r#"{"scheme":"legacy-md5","secret":"s","params":{"shortLink":false}}"#;
        let e = sign_json(bool_param, false).unwrap_err();
        assert!(e.to_string().contains("bool values are ambiguous"), "{e}");
    }

    #[test]
    fn mask_hides_the_secret_in_the_canonical_string() {
        let input = r#"{"scheme":"legacy-md5","secret":"sek","params":{"a":"1"}}"#;
        let out = sign_json(input, true).unwrap();
        assert_eq!(out["canonical"], "<secret>a1<secret>");
        let plain = sign_json(input, false).unwrap();
        assert_eq!(plain["canonical"], "seka1sek");
        assert_eq!(out["sign"], plain["sign"]);
        // A secret pasted as a value is hidden too.
        let echoed = r#"{"scheme":"legacy-md5","secret":"sek","params":{"a":"sek"}}"#;
        let out = sign_json(echoed, true).unwrap();
        assert_eq!(out["canonical"], "<secret>a<secret><secret>");
    }

    #[test]
    fn callback_body_may_be_an_object() {
        let body = r#"{"a":"1","n":1.50,"sign":"x"}"#;
        let as_text = json!({"scheme":"callback-md5","secret":"s","body": body}).to_string();
        let as_obj = format!(r#"{{"scheme":"callback-md5","secret":"s","body":{body}}}"#);
        let a = sign_json(&as_text, false).unwrap();
        let b = sign_json(&as_obj, false).unwrap();
        assert_eq!(a["expected_sign"], b["expected_sign"]);
        assert_eq!(a["valid"], false);
        assert_eq!(a["reason"], "sign mismatch");
    }
}
