//! The UI's own sentences, for the few texts the core writes for a person to
//! read (a batch's result file, the quota notifications): the same catalogues the screens use
//! (`ui/src/lib/i18n/*.json`, embedded at build time), so a file says what
//! the screen says, in the user's language, from one source.

use crate::settings::Language;
use serde_json::Value;
use std::sync::OnceLock;

const ZH_CN: &str = include_str!("../../../ui/src/lib/i18n/zh-CN.json");
const EN: &str = include_str!("../../../ui/src/lib/i18n/en.json");

fn catalogue(language: Language) -> &'static Value {
    static ZH: OnceLock<Value> = OnceLock::new();
    static EN_: OnceLock<Value> = OnceLock::new();
    let (cell, text) = match language {
        Language::ZhCn => (&ZH, ZH_CN),
        Language::En => (&EN_, EN),
    };
    // The catalogues are checked by the UI's tests and `words`' own; a
    // broken one reads as empty, and every key then shows itself.
    cell.get_or_init(|| serde_json::from_str(text).unwrap_or(Value::Null))
}

/// Whether `key` (dotted, as the UI writes it) names a sentence.
pub fn has(language: Language, key: &str) -> bool {
    lookup(language, key).is_some()
}

fn lookup(language: Language, key: &str) -> Option<&'static str> {
    key.split('.')
        .try_fold(catalogue(language), |node, part| node.get(part))?
        .as_str()
}

/// The sentence `key` in `language` with `{name}` filled in from `params`,
/// as the UI's `translate` does; an unknown key reads as itself.
pub fn t(language: Language, key: &str, params: &[(&str, &str)]) -> String {
    match lookup(language, key) {
        Some(text) => fill(text, params),
        None => key.to_owned(),
    }
}

fn fill(text: &str, params: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..name_end];
        match params.iter().find(|(k, _)| *k == name) {
            Some((_, value)) if !name.is_empty() && after[name_end..].starts_with('}') => {
                out.push_str(value);
                rest = &after[name_end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_parameters_like_the_ui() {
        let key = "links.batch.problem.no_sid";
        for language in [Language::ZhCn, Language::En] {
            let raw = lookup(language, key).expect("the sentence exists");
            assert!(raw.contains("{line}"), "{raw}");
            assert_eq!(
                t(language, key, &[("line", "3")]),
                raw.replace("{line}", "3")
            );
            // An unknown parameter stays as written.
            assert_eq!(t(language, key, &[("other", "x")]), raw);
        }
        assert_eq!(t(Language::ZhCn, "x.{a}", &[("a", "1")]), "x.{a}");
        // Braces that do not name a parameter are kept.
        assert_eq!(fill("{ {a} {b", &[("a", "1")]), "{ 1 {b");
        assert_eq!(t(Language::En, "no.such.key", &[]), "no.such.key");
        assert!(
            !has(Language::En, "links.batch"),
            "a group is not a sentence"
        );
    }

    #[test]
    fn both_catalogues_parse() {
        for language in [Language::ZhCn, Language::En] {
            assert!(catalogue(language).is_object(), "{language:?}");
        }
    }
}
