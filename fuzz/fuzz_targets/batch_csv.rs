//! The CSV / pasted-lines batch import: any text gives rows or a typed
//! error, never a panic, and never more rows than the import allows.
#![no_main]

use desk_core::links::batch::{parse, BatchDefaults, ParsedRow};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let defaults = BatchDefaults {
        sid: Some("fuzz".into()),
        link_types: vec![1],
        short_link: false,
    };
    match parse(&text, &defaults) {
        Ok(rows) => {
            for row in rows {
                if let ParsedRow::Bad { reason, .. } = row {
                    assert!(!reason.is_empty(), "a refused row must say why");
                }
            }
        }
        Err(e) => assert_eq!(e.code(), desk_core::ErrorCode::InvalidInput),
    }
});
