//! DiskSim's own drive files as input: the nested `name = value` parameter
//! syntax of `.parv`, `.diskspecs` and `.model` files (blocks `type name {
//! ... }`, lists `[ ... ]`, `source FILE` includes, `#` comments), and the
//! `.seek` table a model names. Paths are relative to the file naming them.
//! The result is a `DriveSpec`; anything the model cannot honour (another
//! sparing scheme, remapped defects, a seek type other than `extracted`)
//! is an error naming the file, the parameter path and what was expected.

use super::error::DriveError;
use super::spec::{BusSpec, CacheSpec, DriveSpec, OverheadSpec, ReadAhead, SeekSpec, Sparing, ZoneSpec};
use std::path::{Path, PathBuf};

/// A parameter value.
#[derive(Clone, Debug)]
enum Value {
    Scalar(String),
    Block(Block),
    List(Vec<Value>),
}

/// `kind name { params }`, or a nested `kind { params }`.
#[derive(Clone, Debug)]
struct Block {
    kind: String,
    name: String,
    params: Vec<(String, Value)>,
    /// The file it was read from (for errors and relative paths).
    file: PathBuf,
}

/// Top-level definitions of a file and everything it sources.
#[derive(Default)]
struct Defs {
    blocks: Vec<Block>,
    /// `instantiate [ names ] as BLOCK`, in order.
    instances: Vec<(Vec<String>, String)>,
}

/// Include depth beyond which a `source` is taken for a cycle.
const MAX_DEPTH: usize = 16;

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    line: usize,
    path: &'a Path,
    depth: usize,
}

fn read_file(path: &Path) -> Result<String, DriveError> {
    std::fs::read_to_string(path).map_err(|source| DriveError::Io { path: path.to_path_buf(), source })
}

fn is_punct(c: u8) -> bool {
    matches!(c, b'{' | b'}' | b'[' | b']' | b',' | b'=' | b'#')
}

impl<'a> Parser<'a> {
    fn err<T>(&self, reason: impl Into<String>) -> Result<T, DriveError> {
        Err(DriveError::Syntax { path: self.path.to_path_buf(), line: self.line, reason: reason.into() })
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn bump(&mut self) {
        if self.peek() == Some(b'\n') {
            self.line += 1;
        }
        self.pos += 1;
    }
    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c == b'#' {
                while self.peek().is_some_and(|c| c != b'\n') {
                    self.bump();
                }
            } else if c.is_ascii_whitespace() {
                self.bump();
            } else {
                break;
            }
        }
    }
    fn expect(&mut self, c: u8) -> Result<(), DriveError> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.bump();
            Ok(())
        } else {
            let got = self.peek().map_or("end of file".to_string(), |g| format!("`{}`", g as char));
            self.err(format!("expected `{}`, found {got}", c as char))
        }
    }
    /// A run of non-space, non-punctuation characters.
    fn word(&mut self) -> Result<String, DriveError> {
        self.skip_ws();
        let start = self.pos;
        while self.peek().is_some_and(|c| !c.is_ascii_whitespace() && !is_punct(c)) {
            self.bump();
        }
        if start == self.pos {
            return self.err("expected a name");
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.pos]).into_owned())
    }

    fn top(&mut self, defs: &mut Defs) -> Result<(), DriveError> {
        loop {
            self.skip_ws();
            if self.peek().is_none() {
                return Ok(());
            }
            let w = self.word()?;
            match w.as_str() {
                "source" => {
                    let f = self.word()?;
                    let p = self.relative(&f);
                    self.include(&p, defs)?;
                }
                "instantiate" => {
                    self.expect(b'[')?;
                    let mut names = Vec::new();
                    loop {
                        self.skip_ws();
                        if self.peek() == Some(b']') {
                            self.bump();
                            break;
                        }
                        names.push(self.word()?);
                        self.skip_ws();
                        if self.peek() == Some(b',') {
                            self.bump();
                        }
                    }
                    if self.word()? != "as" {
                        return self.err("expected `as` after `instantiate [ ... ]`");
                    }
                    let target = self.word()?;
                    defs.instances.push((names, target));
                }
                "topology" => {
                    self.word()?;
                    self.word()?;
                    self.skip_brackets()?;
                }
                _ => {
                    let name = self.word()?;
                    self.expect(b'{')?;
                    let params = self.body()?;
                    defs.blocks.push(Block { kind: w, name, params, file: self.path.to_path_buf() });
                }
            }
        }
    }

    fn relative(&self, f: &str) -> PathBuf {
        self.path.parent().unwrap_or(Path::new(".")).join(f)
    }

    fn include(&self, p: &Path, defs: &mut Defs) -> Result<(), DriveError> {
        if self.depth >= MAX_DEPTH {
            return self.err(format!("`source {}`: sources nested deeper than {MAX_DEPTH} (a cycle?)", p.display()));
        }
        let text = read_file(p)?;
        let mut sub = Parser { s: text.as_bytes(), pos: 0, line: 1, path: p, depth: self.depth + 1 };
        sub.top(defs)
    }

    /// Skips a balanced `[ ... ]`.
    fn skip_brackets(&mut self) -> Result<(), DriveError> {
        self.expect(b'[')?;
        let mut depth = 1;
        while depth > 0 {
            self.skip_ws();
            match self.peek() {
                None => return self.err("unclosed `[`"),
                Some(b'[') => depth += 1,
                Some(b']') => depth -= 1,
                _ => {}
            }
            self.bump();
        }
        Ok(())
    }

    /// Consumes `close` if it comes next; an error at the end of the file.
    fn closes(&mut self, close: u8) -> Result<bool, DriveError> {
        self.skip_ws();
        match self.peek() {
            None => self.err(format!("missing `{}` before the end of the file", close as char)),
            Some(c) if c == close => {
                self.bump();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Parameters up to the closing `}` (the `{` already read).
    fn body(&mut self) -> Result<Vec<(String, Value)>, DriveError> {
        let mut params = Vec::new();
        loop {
            if self.closes(b'}')? {
                return Ok(params);
            }
            let start = self.pos;
            while self.peek().is_some_and(|c| !matches!(c, b'=' | b'{' | b'}' | b'\n' | b',')) {
                self.bump();
            }
            if self.peek() != Some(b'=') {
                return self.err("expected `name = value`");
            }
            let name = normalize(&String::from_utf8_lossy(&self.s[start..self.pos]));
            self.bump();
            let v = self.value()?;
            params.push((name, v));
            self.skip_ws();
            if self.peek() == Some(b',') {
                self.bump();
            }
        }
    }

    fn value(&mut self) -> Result<Value, DriveError> {
        self.skip_ws();
        if self.peek() == Some(b'[') {
            self.bump();
            let mut items = Vec::new();
            loop {
                if self.closes(b']')? {
                    return Ok(Value::List(items));
                }
                items.push(self.value()?);
                self.skip_ws();
                if self.peek() == Some(b',') {
                    self.bump();
                }
            }
        }
        let start = self.pos;
        while self.peek().is_some_and(|c| !matches!(c, b',' | b'}' | b']' | b'{' | b'\n' | b'#')) {
            self.bump();
        }
        let tok = String::from_utf8_lossy(&self.s[start..self.pos]).trim().to_string();
        if self.peek() == Some(b'{') {
            self.bump();
            let params = self.body()?;
            return Ok(Value::Block(Block { kind: tok, name: String::new(), params, file: self.path.to_path_buf() }));
        }
        if let Some(f) = tok.strip_prefix("source ") {
            let p = self.relative(f.trim());
            let mut defs = Defs::default();
            self.include(&p, &mut defs)?;
            return match defs.blocks.into_iter().next() {
                Some(b) => Ok(Value::Block(b)),
                None => self.err(format!("`source {}`: expected a block definition in it", p.display())),
            };
        }
        if tok.is_empty() {
            return self.err("expected a value");
        }
        Ok(Value::Scalar(tok))
    }
}

/// Collapses runs of spaces so `Stripe unit  =` finds `Stripe unit`.
fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A block seen through its parameter path, for typed lookups with errors.
struct At<'a> {
    b: &'a Block,
    path: String,
}

impl<'a> At<'a> {
    fn err<T>(&self, name: &str, expected: impl Into<String>) -> Result<T, DriveError> {
        Err(DriveError::Param { path: self.b.file.clone(), param: format!("{}.{name}", self.path), expected: expected.into() })
    }
    fn get(&self, name: &str) -> Option<&'a Value> {
        self.b.params.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
    fn scalar(&self, name: &str) -> Result<Option<&'a str>, DriveError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Scalar(s)) => Ok(Some(s)),
            Some(_) => self.err(name, "a single value"),
        }
    }
    fn opt_f64(&self, name: &str) -> Result<Option<f64>, DriveError> {
        match self.scalar(name)? {
            None => Ok(None),
            Some(s) => match s.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
                _ => self.err(name, format!("a number >= 0, got `{s}`")),
            },
        }
    }
    fn f64_or(&self, name: &str, default: f64) -> Result<f64, DriveError> {
        Ok(self.opt_f64(name)?.unwrap_or(default))
    }
    fn f64(&self, name: &str) -> Result<f64, DriveError> {
        match self.opt_f64(name)? {
            Some(v) => Ok(v),
            None => self.err(name, "a number (parameter missing)"),
        }
    }
    fn opt_int(&self, name: &str) -> Result<Option<u64>, DriveError> {
        match self.scalar(name)? {
            None => Ok(None),
            Some(s) => match s.parse::<u64>() {
                Ok(v) => Ok(Some(v)),
                // DiskSim writes some integers as `97.000000`.
                Err(_) => match s.parse::<f64>() {
                    Ok(v) if v >= 0.0 && v.fract() == 0.0 && v < 1e18 => Ok(Some(v as u64)),
                    _ => self.err(name, format!("a whole number >= 0, got `{s}`")),
                },
            },
        }
    }
    fn int(&self, name: &str) -> Result<u64, DriveError> {
        match self.opt_int(name)? {
            Some(v) => Ok(v),
            None => self.err(name, "a whole number (parameter missing)"),
        }
    }
    fn u32(&self, name: &str) -> Result<u32, DriveError> {
        let v = self.int(name)?;
        u32::try_from(v).or_else(|_| self.err(name, format!("a whole number below 2^32, got {v}")))
    }
    fn block(&self, name: &str) -> Result<At<'a>, DriveError> {
        match self.get(name) {
            Some(Value::Block(b)) => Ok(At { b, path: format!("{}.{name}", self.path) }),
            Some(_) => self.err(name, "a block `type { ... }` or `source FILE`"),
            None => self.err(name, "a block `type { ... }` (parameter missing)"),
        }
    }
    fn list(&self, name: &str) -> Result<&'a [Value], DriveError> {
        match self.get(name) {
            Some(Value::List(v)) => Ok(v),
            Some(_) => self.err(name, "a list `[ ... ]`"),
            None => Ok(&[]),
        }
    }
}

/// Loads a drive from a DiskSim `.parv`, `.diskspecs` or `.model` file.
pub fn load(path: &Path) -> Result<DriveSpec, DriveError> {
    let text = read_file(path)?;
    load_text(path, &text)
}

pub(super) fn load_text(path: &Path, text: &str) -> Result<DriveSpec, DriveError> {
    let mut defs = Defs::default();
    Parser { s: text.as_bytes(), pos: 0, line: 1, path, depth: 0 }.top(&mut defs)?;
    let param_err = |param: &str, expected: &str| DriveError::Param {
        path: path.to_path_buf(),
        param: param.to_string(),
        expected: expected.to_string(),
    };
    let disks: Vec<&Block> = defs.blocks.iter().filter(|b| b.kind == "disksim_disk").collect();
    let disk = match disks.as_slice() {
        [one] => Some(*one),
        [] => None,
        many => {
            // Several drive types: the one instantiated first.
            let inst = defs.instances.iter().find_map(|(_, t)| many.iter().find(|b| &b.name == t));
            Some(*inst.ok_or_else(|| param_err("disksim_disk", "one drive type, or one instantiated"))?)
        }
    };
    let mut spec = match disk {
        Some(d) => {
            let at = At { b: d, path: d.name.clone() };
            let mut spec = model(&at.block("Model")?)?;
            controller(&at, &mut spec)?;
            spec.name = d.name.clone();
            spec
        }
        None => match defs.blocks.iter().find(|b| b.kind == "dm_disk") {
            Some(m) => model(&At { b: m, path: m.name.clone() })?,
            None => return Err(param_err("disksim_disk", "a `disksim_disk` (or `dm_disk`) block")),
        },
    };
    // Host transfer: the slowest of the drive's own and any bus's per-block time.
    let bus_ms = defs
        .blocks
        .iter()
        .filter(|b| b.kind == "disksim_bus")
        .map(|b| At { b, path: b.name.clone() }.f64_or("Read block transfer time", 0.0))
        .try_fold(spec.bus.as_ref().map_or(0.0, |b| b.sector_ms), |acc, v| v.map(|v| acc.max(v)))?;
    spec.bus = (bus_ms > 0.0).then_some(BusSpec { sector_ms: bus_ms });
    spec.validate().map_err(|(p, e)| param_err(&p, &e))?;
    Ok(spec)
}

/// Geometry and mechanism from a `dm_disk` block.
fn model(m: &At) -> Result<DriveSpec, DriveError> {
    let surfaces = m.u32("Number of data surfaces")?;
    let layout = m.block("Layout Model")?;
    if layout.b.kind != "dm_layout_g1" {
        return layout.err("", format!("a `dm_layout_g1` block, got `{}`", layout.b.kind));
    }
    if layout.int("LBN-to-PBN mapping scheme")? != 0 {
        return layout.err("LBN-to-PBN mapping scheme", "0 (the only mapping supported)");
    }
    let sparing = match layout.int("Sparing scheme used")? {
        0 => Sparing::None,
        9 => Sparing::SectorsPerZone,
        v => return layout.err("Sparing scheme used", format!("0 or 9 (the schemes supported), got {v}")),
    };
    let units_ok = |at: &At| -> Result<(), DriveError> {
        match at.scalar("Skew units")? {
            None | Some("sectors") => Ok(()),
            Some(u) => at.err("Skew units", format!("`sectors` (the only unit supported), got `{u}`")),
        }
    };
    units_ok(&layout)?;
    let mut zones = Vec::new();
    for (i, v) in layout.list("Zones")?.iter().enumerate() {
        let Value::Block(b) = v else {
            return layout.err(&format!("Zones[{i}]"), "a `dm_layout_g1_zone { ... }` block");
        };
        let z = At { b, path: format!("{}.Zones[{i}]", layout.path) };
        units_ok(&z)?;
        let mut slips = Vec::new();
        for (k, s) in z.list("slips")?.iter().enumerate() {
            match s {
                Value::Scalar(t) if t.parse::<u64>().is_ok() => slips.push(t.parse::<u64>().unwrap_or_default()),
                _ => return z.err(&format!("slips[{k}]"), "a whole number >= 0"),
            }
        }
        if !z.list("defects")?.is_empty() {
            return z.err("defects", "an empty list (remapped defects are not modelled)");
        }
        zones.push(ZoneSpec {
            first_cylinder: z.u32("First cylinder number")?,
            last_cylinder: z.u32("Last cylinder number")?,
            sectors_per_track: z.u32("Blocks per track")?,
            first_block_offset_sectors: z.opt_int("Offset of first block")?.unwrap_or(0) as u32,
            reserved_front_sectors: z.opt_int("Empty space at zone front")?.unwrap_or(0),
            track_skew_sectors: z.opt_int("Skew for track switch")?.unwrap_or(0) as u32,
            cylinder_skew_sectors: z.opt_int("Skew for cylinder switch")?.unwrap_or(0) as u32,
            spare_sectors: z.opt_int("Number of spares")?.unwrap_or(0),
            slips,
        });
    }
    let mech = m.block("Mechanical Model")?;
    if let Some(a) = mech.scalar("Access time type")?
        && a != "trackSwitchPlusRotation"
    {
        return mech.err("Access time type", format!("`trackSwitchPlusRotation` (the only one modelled), got `{a}`"));
    }
    let seek = match mech.scalar("Seek type")? {
        Some("extracted") => {
            let Some(f) = mech.scalar("Full seek curve")? else {
                return mech.err("Full seek curve", "the name of a seek table file");
            };
            let p = mech.b.file.parent().unwrap_or(Path::new(".")).join(f);
            SeekSpec::Table { points_cyl_ms: seek_table(&p)? }
        }
        other => {
            return mech.err("Seek type", format!("`extracted` (a measured table), got `{}`", other.unwrap_or("nothing")));
        }
    };
    Ok(DriveSpec {
        name: m.b.name.clone(),
        surfaces,
        rpm: mech.f64("Rotation speed (in rpms)")?,
        zones,
        sparing,
        seek,
        head_switch_ms: mech.f64_or("Head switch time", 0.0)?,
        write_settle_ms: mech.f64_or("Add. write settling delay", 0.0)?,
        overhead: OverheadSpec::default(),
        bus: None,
        cache: None,
    })
}

/// Overheads, bus and cache from a `disksim_disk` block.
fn controller(d: &At, spec: &mut DriveSpec) -> Result<(), DriveError> {
    let scale = d.f64_or("Time scale for overheads", 1.0)?;
    let o = |name: &str| -> Result<f64, DriveError> { Ok(d.f64_or(name, 0.0)? * scale) };
    spec.overhead = OverheadSpec {
        read_hit_after_read_ms: o("Read hit over. after read")?,
        read_hit_after_write_ms: o("Read hit over. after write")?,
        read_miss_after_read_ms: o("Read miss over. after read")?,
        read_miss_after_write_ms: o("Read miss over. after write")?,
        write_after_read_ms: o("Write miss over. after read")?,
        write_after_write_ms: o("Write miss over. after write")?,
        write_back_after_read_ms: o("Write hit over. after read")?,
        write_back_after_write_ms: o("Write hit over. after write")?,
        per_request_ms: o("Per-request overhead time")?,
        read_completion_ms: o("Read completion overhead")?,
        write_completion_ms: o("Write completion overhead")?,
    };
    let bulk = d.f64_or("Bulk sector transfer time", 0.0)?;
    spec.bus = (bulk > 0.0).then_some(BusSpec { sector_ms: bulk });
    if d.opt_int("Enable caching in buffer")?.unwrap_or(0) != 0 {
        let read_ahead = match d.opt_int("Buffer continuous read")?.unwrap_or(0) {
            0 => ReadAhead::None,
            1 => ReadAhead::TrackEnd,
            2 => ReadAhead::CylinderEnd,
            3 => ReadAhead::SegmentEnd,
            4 => ReadAhead::NextTrack,
            v => return d.err("Buffer continuous read", format!("0..=4, got {v}")),
        };
        spec.cache = Some(CacheSpec {
            segments: d.u32("Number of buffer segments")?,
            segment_sectors: d.int("Segment size (in blks)")?,
            read_ahead,
            max_read_ahead_sectors: d.opt_int("Maximum read-ahead (blks)")?.unwrap_or(0),
            write_back: d.opt_int("Fast write level")?.unwrap_or(0) > 0,
        });
    }
    Ok(())
}

/// A DiskSim seek file: `Seek distances measured: N` then `distance, ms` lines.
fn seek_table(path: &Path) -> Result<Vec<(u32, f64)>, DriveError> {
    let text = read_file(path)?;
    let bad = |line: usize, reason: String| DriveError::Syntax { path: path.to_path_buf(), line, reason };
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let n: usize = match lines.next() {
        Some((_, l)) => match l.trim().strip_prefix("Seek distances measured:").map(|r| r.trim().parse()) {
            Some(Ok(n)) => n,
            _ => return Err(bad(1, "expected `Seek distances measured: N`".into())),
        },
        None => return Err(bad(1, "expected `Seek distances measured: N`, found an empty file".into())),
    };
    let mut points = Vec::with_capacity(n);
    for (i, l) in lines {
        let mut parts = l.split(',').map(str::trim);
        match (parts.next().map(str::parse::<u32>), parts.next().map(str::parse::<f64>), parts.next()) {
            (Some(Ok(d)), Some(Ok(t)), None) if t.is_finite() && t >= 0.0 => points.push((d, t)),
            _ => return Err(bad(i + 1, format!("expected `distance_cylinders, time_ms`, got `{}`", l.trim()))),
        }
    }
    if points.len() != n {
        return Err(bad(1, format!("expected {n} seek distances, found {}", points.len())));
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"
# a two-zone toy drive
dm_disk toy {
   Number of data surfaces = 2,
   Layout Model = dm_layout_g1 {
      LBN-to-PBN mapping scheme = 0,
      Sparing scheme used = 9,
      Zones = [
         dm_layout_g1_zone {
            First cylinder number = 0, Last cylinder number = 9,
            Blocks per track = 10, Offset of first block = 0.000000,
            Skew for track switch = 3.000000, Skew for cylinder switch = 4.000000,
            Number of spares = 2, slips = [ 5, 17 ], defects = []
         },
         dm_layout_g1_zone { First cylinder number = 10, Last cylinder number = 19,
            Blocks per track = 8, Number of spares = 0, slips = [], defects = [] }
      ]
   },
   Mechanical Model = dm_mech_g1 {
      Access time type = trackSwitchPlusRotation,
      Seek type = extracted,
      Full seek curve = toy.seek,
      Head switch time = 0.030000,
      Rotation speed (in rpms) = 6000
   }
}
"#;

    fn load_toy(dir: &Path, specs: &str) -> Result<DriveSpec, DriveError> {
        std::fs::write(dir.join("toy.model"), MODEL).expect("write");
        std::fs::write(dir.join("toy.seek"), "Seek distances measured: 2\n1,\t1.0\n19,\t3.0\n").expect("write");
        let p = dir.join("toy.diskspecs");
        std::fs::write(&p, specs).expect("write");
        load(&p)
    }

    const SPECS: &str = "disksim_disk D {\n Model = source toy.model,\n Bulk sector transfer time = 0.1,\n \
                         Enable caching in buffer = 1, Buffer continuous read = 1, Number of buffer segments = 2,\n \
                         Segment size (in blks) = 64,   # trailing comment\n Read miss over. after read = 0.5 }\n";

    #[test]
    fn loads_nested_blocks_lists_sources_and_seek_table() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = load_toy(dir.path(), SPECS).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.name, "D");
        assert_eq!(s.surfaces, 2);
        assert_eq!(s.zones.len(), 2);
        assert_eq!(s.zones[0].slips, vec![5, 17]);
        assert_eq!(s.zones[0].track_skew_sectors, 3);
        assert_eq!(s.sparing, Sparing::SectorsPerZone);
        assert_eq!(s.seek, SeekSpec::Table { points_cyl_ms: vec![(1, 1.0), (19, 3.0)] });
        assert_eq!(s.bus, Some(BusSpec { sector_ms: 0.1 }));
        assert_eq!(s.overhead.read_miss_after_read_ms, 0.5);
        // 10 cyl × 2 × 10 − 2 spares, then 10 × 2 × 8.
        assert_eq!(s.capacity_sectors(), 198 + 160);
        let c = s.cache.expect("cache");
        assert_eq!((c.segments, c.segment_sectors, c.read_ahead), (2, 64, ReadAhead::TrackEnd));
    }

    #[test]
    fn errors_name_file_parameter_and_expectation() {
        let dir = tempfile::tempdir().expect("tempdir");
        let e = load_toy(dir.path(), &SPECS.replace("= 64", "= lots")).expect_err("bad").to_string();
        assert!(e.contains("toy.diskspecs: D.Segment size (in blks): expected a whole number"), "{e}");
        let e = load_toy(dir.path(), &SPECS.replace("toy.model", "none.model")).expect_err("bad").to_string();
        assert!(e.contains("none.model: cannot read"), "{e}");
        let e = load_toy(dir.path(), "disksim_disk D {\n Model = source toy.model,\n Enable caching = 1\n").expect_err("bad");
        assert!(e.to_string().contains("toy.diskspecs:4: missing `}`"), "{e}");
        let e = load_toy(dir.path(), "disksim_disk D { Model }").expect_err("bad").to_string();
        assert!(e.contains("toy.diskspecs:1: expected `name = value`"), "{e}");
        std::fs::write(dir.path().join("loop.parv"), "source loop.parv\n").expect("write");
        let e = load(&dir.path().join("loop.parv")).expect_err("cycle").to_string();
        assert!(e.contains("a cycle?"), "{e}");
    }
}
