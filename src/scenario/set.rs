//! `--set PATH=VALUE` overrides on the resolved JSON value.

use super::Problem;
use serde_json::Value;

/// Applies one `PATH=VALUE` override. VALUE is parsed as JSON when it is
/// JSON (`900`, `[]`, `"edf"`, `{"at_s":1,…}`) and taken as a string
/// otherwise (`edf`). PATH must name a field that exists in the scenario
/// (with defaults filled in); list elements are addressed by index
/// (`faults.0.at_s`).
pub fn apply_set(full: &mut Value, assignment: &str) -> Result<(), Problem> {
    let problem = |path: &str, message: String| Problem { file: "--set".to_string(), path: path.to_string(), message };
    let Some((path, text)) = assignment.split_once('=') else {
        return Err(problem(assignment, "expected PATH=VALUE".to_string()));
    };
    if path.is_empty() {
        return Err(problem(path, "expected PATH=VALUE with a non-empty PATH".to_string()));
    }
    let value: Value = serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()));
    let mut node = full;
    let segments: Vec<&str> = path.split('.').collect();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let here = segments[..=i].join(".");
        if node.is_null() {
            // An optional section left out (`migration.load_balance`): create
            // it; the typed re-parse then checks the fields given.
            *node = Value::Object(Default::default());
        }
        node = match node {
            Value::Object(map) => {
                if !map.contains_key(*seg) {
                    let known: Vec<&str> = map.keys().map(String::as_str).collect();
                    if !known.is_empty() {
                        let hint = super::messages::did_you_mean(seg, &known);
                        return Err(problem(&here, format!("unknown field{hint}; expected one of {}", known.join(", "))));
                    }
                }
                if last {
                    map.insert(seg.to_string(), value);
                    return Ok(());
                }
                map.entry(seg.to_string()).or_insert(Value::Null)
            }
            Value::Array(items) => {
                let len = items.len();
                let Some(item) = seg.parse::<usize>().ok().and_then(|k| items.get_mut(k)) else {
                    return Err(problem(&here, format!("expected a list index below {len}, got `{seg}`")));
                };
                if last {
                    *item = value;
                    return Ok(());
                }
                item
            }
            _ => return Err(problem(&here, "is not an object or list; cannot set a field inside it".to_string())),
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sets_nested_values_and_rejects_unknown_paths() {
        let mut v = json!({"workload": {"streams": 10}, "faults": [{"at_s": 1.0}], "opt": null});
        apply_set(&mut v, "workload.streams=900").unwrap();
        apply_set(&mut v, "faults.0.at_s=2.5").unwrap();
        apply_set(&mut v, "opt.interval_s=3").unwrap();
        assert_eq!(v["workload"]["streams"], json!(900));
        assert_eq!(v["faults"][0]["at_s"], json!(2.5));
        assert_eq!(v["opt"]["interval_s"], json!(3));
        let err = apply_set(&mut v, "workload.streamz=1").unwrap_err();
        assert_eq!(err.path, "workload.streamz");
        assert!(err.message.contains("unknown field"));
        assert!(apply_set(&mut v, "faults.3.at_s=1").unwrap_err().message.contains("below 1"));
        apply_set(&mut v, "faults=[]").unwrap();
        assert_eq!(v["faults"], json!([]));
    }
}
