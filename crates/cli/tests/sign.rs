//! Pushes every vector of `vectors.json` through the built `mtu sign`
//! binary and checks the reference answers, plus the exit-code contract.

use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};

const VECTORS: &str = include_str!("../../meituan-union/tests/data/vectors.json");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn mtu_sign(input: &str, extra_args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mtu"))
        .arg("sign")
        .args(extra_args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mtu starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn ok_json(input: &Value) -> Value {
    let run = mtu_sign(&input.to_string(), &[]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 1, "one JSON object, one line");
    serde_json::from_str(&run.stdout).expect("stdout is JSON")
}

fn legacy(v: &Value) -> usize {
    let inputs = &v["inputs"];
    let reference = &v["reference"];
    let secret = &inputs["secret"];
    match v["id"].as_str().unwrap() {
        "L10" => {
            let input = json!({"scheme":"legacy-md5","secret":secret,"params":inputs["params"]});
            let run = mtu_sign(&input.to_string(), &[]);
            assert_eq!(run.code, 2);
            assert!(run.stdout.is_empty());
            assert!(
                run.stderr.contains("bool values are ambiguous"),
                "{}",
                run.stderr
            );
            assert!(!run.stderr.contains(secret.as_str().unwrap()));
            let mut params = inputs["params"].clone();
            params["shortLink"] = json!("0");
            let out = ok_json(&json!({"scheme":"legacy-md5","secret":secret,"params":params}));
            assert_eq!(out["sign"], reference["sign_if_sent_as_string_0"]);
            2
        }
        "L11" => {
            for side in ["a", "b"] {
                let out = ok_json(&json!({
                    "scheme":"legacy-md5","secret":secret,"params":inputs[format!("params_{side}")]
                }));
                assert_eq!(out["canonical"], reference[format!("canonical_{side}")]);
                assert_eq!(out["sign"], reference[format!("sign_{side}")]);
            }
            2
        }
        id => {
            let out =
                ok_json(&json!({"scheme":"legacy-md5","secret":secret,"params":inputs["params"]}));
            assert_eq!(out["canonical"], reference["canonical_string"], "{id}");
            assert_eq!(out["sign"], reference["sign"], "{id}");
            assert_eq!(
                out.as_object().unwrap().len(),
                2,
                "{id}: only sign and canonical"
            );
            1
        }
    }
}

fn callback(v: &Value) -> usize {
    let id = v["id"].as_str().unwrap();
    let inputs = &v["inputs"];
    let reference = &v["reference"];
    let out = ok_json(&json!({
        "scheme":"callback-md5","secret":inputs["callback_secret"],"body":inputs["raw_body"]
    }));
    assert_eq!(out["valid"], reference["verify_callback"][0], "{id}");
    assert_eq!(out["expected_sign"], reference["sign"], "{id}");
    assert_eq!(out["reason"], Value::Null, "{id}");
    // The API secret (the classic mistake) must not verify.
    let wrong = ok_json(&json!({
        "scheme":"callback-md5","secret":inputs["api_secret"],"body":inputs["raw_body"]
    }));
    assert_eq!(wrong["valid"], false, "{id}");
    assert_eq!(wrong["reason"], "sign mismatch", "{id}");
    2
}

fn media(v: &Value) -> usize {
    let id = v["id"].as_str().unwrap();
    let inputs = &v["inputs"];
    let reference = &v["reference"];
    let out = ok_json(&json!({
        "scheme": "media-s-ca",
        "app_key": inputs["app_key"],
        "secret": inputs["app_secret"],
        "method": inputs["method"],
        "path": inputs["path"],
        "query": inputs["query"],
        "body": inputs["body_utf8"],
        "timestamp_ms": inputs["S-Ca-Timestamp"],
        "extra_headers": inputs["extra_headers"],
    }));
    assert_eq!(out["content_md5"], reference["Content-MD5"], "{id}");
    assert_eq!(out["string_to_sign"], reference["string_to_sign"], "{id}");
    assert_eq!(out["signature"], reference["S-Ca-Signature"], "{id}");
    assert_eq!(
        out["signature_headers"], reference["S-Ca-Signature-Headers"],
        "{id}"
    );
    1
}

#[test]
fn every_vector_through_mtu_sign() {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 24);
    let mut checked = 0;
    for v in vectors {
        checked += match v["scheme"].as_str().unwrap() {
            "legacy-md5" => legacy(v),
            "callback-md5" => callback(v),
            "media-s-ca-hmac" => media(v),
            other => panic!("{}: unknown scheme {other}", v["id"]),
        };
    }
    assert!(checked >= vectors.len());
}

#[test]
fn bad_input_exits_2_with_a_message() {
    for (input, needle) in [
        ("", "no input"),
        ("{not json", "not valid JSON"),
        ("[1,2]", "one JSON object"),
        (
            r#"{"scheme":"legacy-md5","params":{}}"#,
            "missing field \"secret\"",
        ),
        (
            r#"{"scheme":"legacy-md5","secret":"s"}"#,
            "missing field \"params\"",
        ),
        (r#"{"secret":"s"}"#, "missing field \"scheme\""),
        (r#"{"scheme":"rsa","secret":"s"}"#, "unknown scheme"),
        (
            r#"{"scheme":"media-s-ca","secret":"s","app_key":"k","method":"POST","path":"/p","body":null}"#,
            "missing field \"timestamp_ms\"",
        ),
        (
            r#"{"scheme":"callback-md5","secret":"s","body":"not json"}"#,
            "not valid JSON",
        ),
    ] {
        let run = mtu_sign(input, &[]);
        assert_eq!(run.code, 2, "input {input:?}: stderr {}", run.stderr);
        assert!(run.stdout.is_empty(), "input {input:?}");
        assert!(
            run.stderr.contains(needle),
            "input {input:?}: {}",
            run.stderr
        );
        assert!(run.stderr.starts_with("mtu sign: "));
    }
}

#[test]
fn help_explains_with_an_example() {
    let out = Command::new(env!("CARGO_BIN_EXE_mtu"))
        .args(["sign", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "legacy-md5",
        "callback-md5",
        "media-s-ca",
        "Examples:",
        "| mtu sign",
        "exit code 2",
    ] {
        assert!(help.contains(needle), "help lacks {needle:?}:\n{help}");
    }
}
