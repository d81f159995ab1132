//! serde's error messages rephrased for people who write scenario files:
//! "expected …, got …", JSON words instead of Rust type names, and a
//! "did you mean" for a misspelt field or choice.

/// Rephrases one serde message as "expected …, got …" where it can.
pub fn describe_serde(msg: &str) -> String {
    let msg = strip_position(msg);
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let (got, expected) = split_choice(rest);
        return format!("unknown field{}; expected one of {}", did_you_mean(got, &expected), expected.join(", "));
    }
    if msg.starts_with("missing field") {
        return "required field is missing".to_string();
    }
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let (got, expected) = split_choice(rest);
        let choices: Vec<String> = expected.iter().map(|c| format!("\"{c}\"")).collect();
        return format!("expected one of {}, got \"{got}\"{}", choices.join(", "), did_you_mean(got, &expected));
    }
    for prefix in ["invalid type: ", "invalid value: ", "invalid length "] {
        if let Some(rest) = msg.strip_prefix(prefix)
            && let Some((got, expected)) = rest.split_once(", expected ")
        {
            return format!("expected {}, got {}", plain_expected(expected), plain_got(got));
        }
    }
    msg
}

/// `x`, expected `a`, `b` or `c`  →  ("x", ["a", "b", "c"]); the part after
/// "unknown field `" or "unknown variant `".
fn split_choice(rest: &str) -> (&str, Vec<&str>) {
    let (got, tail) = rest.split_once('`').unwrap_or((rest, ""));
    let expected = tail.split('`').enumerate().filter(|(i, _)| i % 2 == 1).map(|(_, s)| s).collect();
    (got, expected)
}

/// "; did you mean `x`?" for the closest of `choices`, if one is close.
pub(super) fn did_you_mean(got: &str, choices: &[&str]) -> String {
    let best = choices.iter().map(|c| (edit_distance(got, c), *c)).min();
    match best {
        Some((d, c)) if d <= 2.max(got.len() / 4) && d < got.len() => format!(" (did you mean \"{c}\"?)"),
        _ => String::new(),
    }
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// serde's "expected" side in JSON words.
fn plain_expected(e: &str) -> String {
    match e {
        "u64" => "a whole number from 0 to 18446744073709551615".into(),
        "u32" => "a whole number from 0 to 4294967295".into(),
        "f64" => "a number".into(),
        "a sequence" => "a list".into(),
        "a boolean" => "true or false".into(),
        _ if e.starts_with("struct ") => "an object {\"field\": value, ...}".into(),
        _ if e.starts_with("unit variant") => "a string".into(),
        _ => e.to_string(),
    }
}

/// serde's "got" side (its `Unexpected`) in JSON words.
fn plain_got(g: &str) -> String {
    match g {
        "map" => "an object".into(),
        "sequence" => "a list".into(),
        "unit value" | "null" => "null".into(),
        _ => g.replace("floating point", "the number").replace("integer", "the number"),
    }
}

/// serde_json appends " at line L column C"; the callers place it themselves.
pub fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_choice() {
        let m = describe_serde("unknown variant `protocl`, expected `protocol` or `naive`");
        assert_eq!(m, r#"expected one of "protocol", "naive", got "protocl" (did you mean "protocol"?)"#);
        let m = describe_serde("unknown variant `lifo`, expected one of `fifo`, `edf`, `scan-edf`");
        assert!(m.starts_with(r#"expected one of "fifo", "edf", "scan-edf", got "lifo""#), "{m}");
        let m = describe_serde("unknown field `disk_per_module`, expected `modules` or `disks_per_module`");
        assert!(m.contains(r#"did you mean "disks_per_module"?"#), "{m}");
        assert!(!describe_serde("unknown field `zzz`, expected `modules` or `disks`").contains("did you mean"));
    }

    #[test]
    fn speaks_json_not_rust() {
        assert_eq!(
            describe_serde("invalid type: string \"x\", expected u64"),
            "expected a whole number from 0 to 18446744073709551615, got string \"x\""
        );
        assert_eq!(describe_serde("invalid type: map, expected a sequence"), "expected a list, got an object");
        assert_eq!(
            describe_serde("invalid type: null, expected struct RawContent"),
            "expected an object {\"field\": value, ...}, got null"
        );
        assert_eq!(
            describe_serde("invalid value: integer `-1`, expected u32"),
            "expected a whole number from 0 to 4294967295, got the number `-1`"
        );
    }
}
