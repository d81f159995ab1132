//! Scenario files: loading, `--set` overrides and validation.
//!
//! The path from a file to a runnable model is: read text → JSON value →
//! apply `--set` overrides on the value with every default filled in (so an
//! override can reach a defaulted field, and an unknown path is caught) →
//! typed `RawScenario` (serde, unknown fields rejected, the field path kept;
//! every type error collected, `typecheck`) → `validate` (every semantic
//! problem collected, not just the first) → `Scenario`.

pub mod limits;
mod messages;
pub mod raw;
mod set;
mod shape;
mod typecheck;
mod validate;

pub use raw::*;
pub use set::apply_set;
pub use validate::{Class, MAX_CLASSES, MAX_STREAMS, SECTOR_BYTES, Scenario, title_key};

use messages::strip_position;
use std::fmt;
use std::path::Path;

/// One thing wrong with the input, located by file and field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The scenario file, or `--set` / `--seed` for command-line input.
    pub file: String,
    /// Dotted JSON path (`headend.disks_per_module`, `faults[2].module`);
    /// empty when the problem concerns the whole document.
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: {}: {}", self.file, self.path, self.message)
        }
    }
}

/// Every problem found in one input; displayed one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub problems: Vec<Problem>,
}

impl ScenarioError {
    pub fn one(file: &str, path: &str, message: impl Into<String>) -> Self {
        ScenarioError { problems: vec![Problem { file: file.to_string(), path: path.to_string(), message: message.into() }] }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// A scenario as loaded: the checked model input plus the resolved JSON
/// (every default filled in, overrides applied) that a manifest records.
pub struct Loaded {
    pub scenario: Scenario,
    pub resolved: serde_json::Value,
}

/// Reads, overrides and validates a scenario file.
pub fn load(path: &Path, sets: &[String], seed: Option<u64>) -> Result<Loaded, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::one(&file, "", format!("cannot read the file: {e}")))?;
    load_str(&file, &text, sets, seed)
}

/// As [`load`], from text already read; `file` names it in messages.
pub fn load_str(file: &str, text: &str, sets: &[String], seed: Option<u64>) -> Result<Loaded, ScenarioError> {
    if text.starts_with('\u{feff}') {
        return Err(ScenarioError::one(
            file,
            "",
            "the file starts with a byte-order mark (U+FEFF); expected plain UTF-8 JSON: save it without the mark",
        ));
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        ScenarioError::one(
            file,
            "",
            format!("malformed JSON at line {} column {}: {}", e.line(), e.column(), strip_position(&e.to_string())),
        )
    })?;
    if let Some(p) = shape::duplicate_key(file, text).or_else(|| shape::list_for_object(file, &value)) {
        return Err(ScenarioError { problems: vec![p] });
    }
    let raw = typed(file, value)?;
    // Round-trip through the typed form so every defaulted field exists in
    // the value an override is applied to.
    let mut full = serde_json::to_value(&raw).map_err(|e| ScenarioError::one(file, "", format!("internal: {e}")))?;
    let mut problems = Vec::new();
    for s in sets {
        if let Err(p) = apply_set(&mut full, s) {
            problems.push(p);
        }
    }
    if let Some(seed) = seed {
        full["seed"] = serde_json::Value::from(seed);
    }
    if !problems.is_empty() {
        return Err(ScenarioError { problems });
    }
    let raw = if sets.is_empty() && seed.is_none() {
        raw
    } else {
        if let Some(p) = shape::list_for_object(file, &full) {
            return Err(ScenarioError { problems: vec![p] });
        }
        typed(file, full.clone())?
    };
    // The resolved scenario as its typed form writes it, so that equal
    // experiments look alike (`100` and `100.0` in a seconds field, a
    // default written out or left implicit) and hash alike.
    let resolved = serde_json::to_value(&raw).map_err(|e| ScenarioError::one(file, "", format!("internal: {e}")))?;
    let scenario = validate::validate(file, raw)?;
    // The outputs every run writes; `run --trace` checks again with reads.csv.
    limits::check(file, &scenario, false)?;
    Ok(Loaded { scenario, resolved })
}

/// The typed form of `value`, or every type error in it together with the
/// semantic problems of the rest (`typecheck`).
fn typed(file: &str, value: serde_json::Value) -> Result<RawScenario, ScenarioError> {
    match typecheck::read(file, value) {
        typecheck::Read::Ok(raw) => Ok(raw),
        typecheck::Read::Bad { problems, repaired: Some((raw, replaced)) } => {
            let semantic = validate::validate(file, raw).err().map(|e| e.problems).unwrap_or_default();
            Err(typecheck::combine(problems, semantic, &replaced))
        }
        typecheck::Read::Bad { problems, repaired: None } => Err(ScenarioError { problems }),
    }
}

/// The JSON Schema (draft 2020-12) of scenario files, from the serde types
/// and their doc comments: field types, defaults, enum values,
/// `additionalProperties: false`. Ranges and cross-field rules live in
/// `validate.rs` only, so a file the schema accepts may still be rejected.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(RawScenario);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}
