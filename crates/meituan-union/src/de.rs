//! Lenient field decoders. Public SDKs disagree on whether Meituan sends
//! numbers or strings (dtapps types every field as a string, wepkg uses
//! ints), so response types accept both rather than fail a whole page of
//! orders over one field.

use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;

/// An integer given as a JSON number or a numeric string; `null`, `""` and
/// a missing field are `None`.
pub(crate) fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("expected an integer, got {n}"))),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("expected an integer, got {s:?}"))),
        Some(other) => Err(de::Error::custom(format!(
            "expected an integer, got {other}"
        ))),
    }
}

/// A text field given as a string or a number (money amounts such as
/// `"30.50"` or `30.5`, ids); numbers keep their source text.
pub(crate) fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(other) => Err(de::Error::custom(format!("expected text, got {other}"))),
    }
}

/// A list of integers given as an array (of numbers or numeric strings), a
/// JSON text such as `"[2,3]"`, a comma list `"2,3"`, or `null`.
pub(crate) fn lenient_i64_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    struct ListVisitor;
    impl<'de> Visitor<'de> for ListVisitor {
        type Value = Vec<i64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of integers")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<i64>, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<Vec<i64>, E> {
            Ok(Vec::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<i64>, D::Error> {
            d.deserialize_any(ListVisitor)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Vec<i64>, E> {
            let inner = s.trim().trim_start_matches('[').trim_end_matches(']');
            inner
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| {
                    p.trim_matches('"')
                        .parse::<i64>()
                        .map_err(|_| E::custom(format!("expected integers, got {s:?}")))
                })
                .collect()
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<i64>, A::Error> {
            #[derive(Deserialize)]
            struct Item(#[serde(deserialize_with = "lenient_i64")] Option<i64>);
            let mut out = Vec::new();
            while let Some(Item(v)) = seq.next_element::<Item>()? {
                if let Some(v) = v {
                    out.push(v);
                }
            }
            Ok(out)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Vec<i64>, A::Error> {
            // `arbitrary_precision` hands a bare number over as a map.
            let mut value: Option<String> = None;
            while let Some((_, v)) = map.next_entry::<IgnoredAny, String>()? {
                value = Some(v);
            }
            match value.and_then(|v| v.parse::<i64>().ok()) {
                Some(v) => Ok(vec![v]),
                None => Err(de::Error::custom("expected a list of integers")),
            }
        }
    }
    d.deserialize_any(ListVisitor)
}

/// A list of JSON objects given as an array, as a single object (bububa
/// types `orderDetail` as one object, dtapps as an array), or `null`.
/// Anything else in the array is dropped rather than failing the page.
pub(crate) fn object_or_list<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<serde_json::Map<String, Value>>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Object(m)) => vec![m],
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::Object(m) => Some(m),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct T {
        #[serde(default, deserialize_with = "lenient_i64")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "lenient_string")]
        s: Option<String>,
        #[serde(default, deserialize_with = "lenient_i64_list")]
        l: Vec<i64>,
    }

    fn t(json: &str) -> T {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn accepts_both_shapes() {
        let a = t(r#"{"n":"12","s":30.50,"l":"[2,3]"}"#);
        assert_eq!(
            (a.n, a.s.as_deref(), a.l),
            (Some(12), Some("30.50"), vec![2, 3])
        );
        let b = t(r#"{"n":12,"s":"x","l":[2,"3"]}"#);
        assert_eq!(
            (b.n, b.s.as_deref(), b.l),
            (Some(12), Some("x"), vec![2, 3])
        );
        let c = t(r#"{"n":"","s":null,"l":null}"#);
        assert_eq!((c.n, c.s, c.l), (None, None, vec![]));
        let d = t(r#"{}"#);
        assert_eq!((d.n, d.s, d.l), (None, None, vec![]));
        let e = t(r#"{"l":"2,3"}"#);
        assert_eq!(e.l, vec![2, 3]);
        assert!(serde_json::from_str::<T>(r#"{"n":"x"}"#).is_err());
        assert!(serde_json::from_str::<T>(r#"{"n":1.5}"#).is_err());
    }
}
