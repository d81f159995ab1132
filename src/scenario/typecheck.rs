//! Every type error of a scenario in one pass. serde stops at the first
//! value it cannot read; to report the others too, the value is replaced by
//! one of the right type (the field's default, or for a required field the
//! value of a template scenario) — an unknown field is removed — and the
//! document is read again, until it reads or a replacement is impossible.
//! The semantic checks then run on the repaired document, leaving out what
//! they say about a replaced field: its value is nobody's.

use super::shape::{path_string, template};
use super::{Problem, RawScenario, ScenarioError, messages::describe_serde};
use serde_json::Value;

/// Most type errors listed for one file: a file of another format would
/// otherwise give one per field.
const MAX_TYPE_ERRORS: usize = 50;

/// One step of a path into a JSON document.
#[derive(Clone, Debug, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// What reading a document found.
pub enum Read {
    Ok(RawScenario),
    /// The type errors, and the repaired document with the paths replaced
    /// or removed in it (none when it could not be repaired).
    Bad {
        problems: Vec<Problem>,
        repaired: Option<(RawScenario, Vec<String>)>,
    },
}

/// Reads `value` as a scenario, collecting every type error.
pub fn read(file: &str, value: Value) -> Read {
    let template = template();
    let mut doc = value;
    let mut problems: Vec<Problem> = Vec::new();
    let mut replaced: Vec<String> = Vec::new();
    loop {
        let err = match serde_path_to_error::deserialize::<_, RawScenario>(doc.clone()) {
            Ok(raw) if problems.is_empty() => return Read::Ok(raw),
            Ok(raw) => return Read::Bad { problems, repaired: Some((raw, replaced)) },
            Err(e) => e,
        };
        let (mut segs, inner) = (segments(err.path()), err.inner().to_string());
        let mut path = path_string(err.path());
        // serde names an unknown or missing field in the message and points
        // at its parent; users want the field itself in the path. (For an
        // unknown field the path sometimes already ends with it.)
        let named = ["unknown field `", "missing field `"]
            .iter()
            .find_map(|p| inner.strip_prefix(p).and_then(|rest| rest.split('`').next()).map(str::to_string));
        if let Some(field) = &named
            && segs.last() != Some(&Seg::Key(field.clone()))
        {
            segs.push(Seg::Key(field.clone()));
            path = if path.is_empty() { field.clone() } else { format!("{path}.{field}") };
        }
        let problem = Problem { file: file.to_string(), path: path.clone(), message: describe_serde(&inner) };
        // A problem met twice: the repair did not take; stop here.
        if problems.contains(&problem) {
            return Read::Bad { problems, repaired: None };
        }
        problems.push(problem);
        let fixed = if inner.starts_with("unknown field `") {
            remove(&mut doc, &segs)
        } else {
            template.as_ref().and_then(|t| lookup(t, &segs)).is_some_and(|v| set(&mut doc, &segs, v.clone()))
        };
        if !fixed || problems.len() >= MAX_TYPE_ERRORS {
            return Read::Bad { problems, repaired: None };
        }
        replaced.push(path);
    }
}

/// Type errors and the semantic problems of the repaired document that do
/// not concern a replaced field, in one error.
pub fn combine(problems: Vec<Problem>, semantic: Vec<Problem>, replaced: &[String]) -> ScenarioError {
    let mut all = problems;
    let touches = |p: &Problem| {
        replaced.iter().any(|r| {
            let leaf = r.rsplit('.').next().unwrap_or(r);
            p.path == *r || p.path.starts_with(&format!("{r}.")) || p.path.starts_with(&format!("{r}[")) || p.message.contains(leaf)
        })
    };
    all.extend(semantic.into_iter().filter(|p| !touches(p)));
    ScenarioError { problems: all }
}

fn segments(p: &serde_path_to_error::Path) -> Vec<Seg> {
    use serde_path_to_error::Segment;
    p.iter()
        .filter_map(|s| match s {
            Segment::Seq { index } => Some(Seg::Index(*index)),
            Segment::Map { key } => Some(Seg::Key(key.clone())),
            _ => None,
        })
        .collect()
}

/// The template's value at `segs`; list elements are looked up in the
/// template's first element.
fn lookup<'a>(mut v: &'a Value, segs: &[Seg]) -> Option<&'a Value> {
    for s in segs {
        v = match (s, v) {
            (Seg::Key(k), Value::Object(m)) => m.get(k)?,
            (Seg::Index(_), Value::Array(a)) => a.first()?,
            _ => return None,
        };
    }
    Some(v)
}

fn parent_mut<'a>(mut v: &'a mut Value, segs: &[Seg]) -> Option<&'a mut Value> {
    for s in segs {
        v = match (s, v) {
            (Seg::Key(k), Value::Object(m)) => m.get_mut(k)?,
            (Seg::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

/// Puts `new` at `segs` (a missing field is added); false if the path does
/// not lead there.
fn set(doc: &mut Value, segs: &[Seg], new: Value) -> bool {
    let Some((last, parent)) = segs.split_last() else { return false };
    match (last, parent_mut(doc, parent)) {
        (Seg::Key(k), Some(Value::Object(m))) => {
            m.insert(k.clone(), new);
            true
        }
        (Seg::Index(i), Some(Value::Array(a))) if *i < a.len() => {
            a[*i] = new;
            true
        }
        _ => false,
    }
}

fn remove(doc: &mut Value, segs: &[Seg]) -> bool {
    match (segs.split_last(), segs.split_last().and_then(|(_, p)| parent_mut(doc, p))) {
        (Some((Seg::Key(k), _)), Some(Value::Object(m))) => m.remove(k).is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(json: &str) -> (Vec<String>, Vec<String>) {
        match read("f.json", serde_json::from_str(json).unwrap()) {
            Read::Ok(_) => panic!("read"),
            Read::Bad { problems, repaired } => {
                (problems.iter().map(|p| p.path.clone()).collect(), repaired.map(|r| r.1).unwrap_or_default())
            }
        }
    }

    #[test]
    fn every_type_error_is_found_and_repaired() {
        let (paths, replaced) = bad(r#"{ "name": "t", "seed": "one", "duration_s": 30,
            "headend": { "modules": 2.5, "disks_per_module": 2, "colour": 1 },
            "workload": { "streams": 4 }, "faults": [ { "at_s": "soon", "kind": "disk" } ] }"#);
        // In the order serde meets them: keys sorted (serde_json's map).
        assert_eq!(paths, ["faults[0].at_s", "headend.colour", "headend.modules", "seed"]);
        assert_eq!(replaced, paths);
        // A required section missing: filled from the template.
        let (paths, _) = bad(r#"{ "name": "t", "seed": 1, "duration_s": 30, "headend": { "modules": 2, "disks_per_module": 2 } }"#);
        assert_eq!(paths, ["workload"]);
    }
}
