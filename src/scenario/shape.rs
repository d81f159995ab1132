//! Checks on the shape of the JSON that serde's derives let through.
//!
//! Two mistakes would otherwise be accepted silently: a key written twice
//! (`serde_json::Value` keeps the last one, so the first value is dropped
//! without a word), and a list where an object is expected (serde's struct
//! derive reads `"headend": [4, 8]` as its fields in declaration order, so a
//! reordering of `raw.rs` would change what such a file means).

use super::Problem;
use super::messages::strip_position;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// The first key that appears twice in one JSON object of `text`, as a
/// problem located by line, column and dotted path. `None` if there is none
/// or if the text is not JSON (the caller's parse reports that).
pub fn duplicate_key(file: &str, text: &str) -> Option<Problem> {
    let mut de = serde_json::Deserializer::from_str(text);
    let err = serde_path_to_error::deserialize::<_, NoDuplicates>(&mut de).err()?;
    let inner = err.inner();
    let msg = strip_position(&inner.to_string());
    let key = msg.strip_prefix(DUPLICATE)?;
    let parent = path_string(err.path());
    let path = if parent.is_empty() { key.to_string() } else { format!("{parent}.{key}") };
    Some(Problem {
        file: file.to_string(),
        path,
        message: format!(
            "given twice (second time at line {} column {}); expected each field once, since only one value can be used",
            inner.line(),
            inner.column()
        ),
    })
}

const DUPLICATE: &str = "duplicate key ";

/// Walks any JSON document and fails on the first duplicate key.
struct NoDuplicates;

impl<'de> Deserialize<'de> for NoDuplicates {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicatesVisitor)
    }
}

struct NoDuplicatesVisitor;

impl<'de> Visitor<'de> for NoDuplicatesVisitor {
    type Value = NoDuplicates;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_i64<E>(self, _: i64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_u64<E>(self, _: u64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_f64<E>(self, _: f64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_str<E>(self, _: &str) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_unit<E>(self) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NoDuplicates, A::Error> {
        while seq.next_element::<NoDuplicates>()?.is_some() {}
        Ok(NoDuplicates)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NoDuplicates, A::Error> {
        let mut seen: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(de::Error::custom(format!("{DUPLICATE}{key}")));
            }
            map.next_value::<NoDuplicates>()?;
            seen.push(key);
        }
        Ok(NoDuplicates)
    }
}

/// A document with every optional section present, so that its typed and
/// re-serialised form shows which paths hold objects.
const TEMPLATE: &str = r#"{ "name": "t", "seed": 0, "duration_s": 1,
    "headend": { "modules": 1, "disks_per_module": 1 },
    "workload": { "streams": 0 },
    "migration": { "load_balance": { "interval_s": 1 } },
    "faults": [ { "at_s": 0, "kind": "disk" } ] }"#;

/// TEMPLATE typed and written back: every field present, defaults filled
/// in, each of the right type.
pub fn template() -> Option<Value> {
    serde_json::from_str::<super::RawScenario>(TEMPLATE).ok().and_then(|r| serde_json::to_value(r).ok())
}

/// The first place where `user` holds a list (or a scalar) where the
/// scenario format has an object; follows lists of objects (`faults`)
/// element by element.
pub fn list_for_object(file: &str, user: &Value) -> Option<Problem> {
    walk(user, &template()?, "").map(|(path, got)| Problem {
        file: file.to_string(),
        path,
        message: format!("expected an object {{\"field\": value, ...}}, got {got}"),
    })
}

fn walk(user: &Value, template: &Value, path: &str) -> Option<(String, &'static str)> {
    let join = |k: &str| if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
    match (template, user) {
        (Value::Object(t), Value::Object(u)) => u.iter().find_map(|(k, v)| t.get(k).and_then(|tv| walk(v, tv, &join(k)))),
        // serde's own message for scalars and null is clear; only a list
        // can be mistaken for an object's fields.
        (Value::Object(_), Value::Array(_)) => Some((path.to_string(), "a list")),
        (Value::Array(t), Value::Array(u)) => {
            let tv = t.first()?;
            u.iter().enumerate().find_map(|(i, v)| walk(v, tv, &format!("{path}[{i}]")))
        }
        _ => None,
    }
}

/// serde_path_to_error's path as the dotted form used in messages.
pub fn path_string(p: &serde_path_to_error::Path) -> String {
    let s = p.to_string();
    if s == "." { String::new() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_duplicate_keys_at_any_depth() {
        let p = duplicate_key("f", r#"{"a": 1, "b": {"c": [ {"d": 1, "d": 2} ]}}"#).unwrap();
        assert_eq!(p.path, "b.c[0].d");
        assert!(p.message.contains("line 1"), "{}", p.message);
        assert!(duplicate_key("f", r#"{"a": 1, "b": {"a": 2}}"#).is_none());
        assert!(duplicate_key("f", "{").is_none());
    }

    #[test]
    fn finds_lists_written_for_objects() {
        let v: Value = serde_json::from_str(r#"{"headend": [4, 8], "faults": []}"#).unwrap();
        assert_eq!(list_for_object("f", &v).unwrap().path, "headend");
        let v: Value = serde_json::from_str(r#"{"faults": [{"at_s": 1}, [1, "disk"]]}"#).unwrap();
        assert_eq!(list_for_object("f", &v).unwrap().path, "faults[1]");
        let v: Value = serde_json::from_str(r#"[1, 2]"#).unwrap();
        assert_eq!(list_for_object("f", &v).unwrap().path, "");
        let v: Value = serde_json::from_str(r#"{"migration": {"load_balance": null}, "faults": [{"at_s": 1}]}"#).unwrap();
        assert!(list_for_object("f", &v).is_none());
    }
}
