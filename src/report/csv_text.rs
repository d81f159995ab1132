//! A CSV file's text, built in memory row by row through the `csv` crate,
//! which quotes a field only when it must (a comma, a quote or a line break
//! in it). The numbers are ours: integers through `itoa`, floats with fixed
//! decimals through [`FixedPoint`], so files compare byte for byte.

use super::decimal::{FixedPoint, Fx};

/// What a failed write into memory means: a row whose field count differs
/// from the header's, a bug the tests of every file catch. A `Vec` itself
/// never refuses bytes.
const SAME_WIDTH: &str = "every CSV row has as many fields as its header";

/// A CSV file being written: a header, then rows.
pub(crate) struct CsvText {
    w: csv::Writer<Vec<u8>>,
}

impl CsvText {
    /// Starts a file with its `header` row and room for about `bytes` bytes.
    pub(crate) fn new<I, T>(header: I, bytes: usize) -> CsvText
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let mut w = csv::Writer::from_writer(Vec::with_capacity(bytes));
        w.write_record(header).expect(SAME_WIDTH);
        CsvText { w }
    }

    /// The next row; [`CsvRow::end`] finishes it.
    pub(crate) fn row(&mut self) -> CsvRow<'_> {
        CsvRow { w: &mut self.w }
    }

    /// The whole text.
    pub(crate) fn into_string(self) -> String {
        let bytes = self.w.into_inner().map_err(|e| e.into_error()).expect(SAME_WIDTH);
        // Every field came from a `str` and the crate adds only ASCII, so
        // the lossy path is never taken.
        String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

/// One row, written field by field.
pub(crate) struct CsvRow<'a> {
    w: &'a mut csv::Writer<Vec<u8>>,
}

impl CsvRow<'_> {
    fn field(&mut self, bytes: &[u8]) -> &mut Self {
        self.w.write_field(bytes).expect(SAME_WIDTH);
        self
    }

    pub(crate) fn int(&mut self, v: impl itoa::Integer) -> &mut Self {
        let mut buf = itoa::Buffer::new();
        let text = buf.format(v);
        self.field(text.as_bytes())
    }

    /// `1` or `0`.
    pub(crate) fn flag(&mut self, v: bool) -> &mut Self {
        self.int(u8::from(v))
    }

    /// `v` with `d` decimals, as `{:.d$}` of [`Fx`] writes it.
    pub(crate) fn fx(&mut self, v: f64, d: usize) -> &mut Self {
        match FixedPoint::of(v, d) {
            Some(text) => self.field(text.as_str().as_bytes()),
            None => self.field(format!("{:.d$}", Fx(v)).as_bytes()),
        }
    }

    /// An integer, or an empty cell for "none".
    pub(crate) fn opt_int(&mut self, v: Option<impl itoa::Integer>) -> &mut Self {
        match v {
            Some(v) => self.int(v),
            None => self.field(b""),
        }
    }

    /// `v` with `d` decimals, or an empty cell for "none".
    pub(crate) fn opt_fx(&mut self, v: Option<f64>, d: usize) -> &mut Self {
        match v {
            Some(v) => self.fx(v, d),
            None => self.field(b""),
        }
    }

    /// Text, quoted if it holds a comma, a quote or a line break.
    pub(crate) fn text(&mut self, v: &str) -> &mut Self {
        self.field(v.as_bytes())
    }

    /// Ends the row.
    pub(crate) fn end(&mut self) {
        self.w.write_record(None::<&[u8]>).expect(SAME_WIDTH);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::decimal::tests::values;

    #[test]
    fn numbers_are_written_as_the_format_strings_write_them() {
        // Every float kind (negative zeros, NaN, values past FixedPoint's
        // range), integers at their extremes, a flag and text.
        for v in values() {
            for d in [0, 6, 9] {
                let mut t = CsvText::new(["f", "i", "u", "b", "t"], 0);
                t.row().fx(v, d).int(i64::MIN).int(u64::MAX).flag(true).text("a b").end();
                let want = format!("f,i,u,b,t\n{:.d$},{},{},1,a b\n", Fx(v), i64::MIN, u64::MAX);
                assert_eq!(t.into_string(), want, "v = {v:e}, d = {d}");
            }
        }
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let mut t = CsvText::new(["a", "b"], 0);
        t.row().text("plain").text("x, y").end();
        t.row().text("say \"hi\"").text("two\nlines").end();
        t.row().text("").int(-3).end();
        assert_eq!(t.into_string(), "a,b\nplain,\"x, y\"\n\"say \"\"hi\"\"\",\"two\nlines\"\n,-3\n");
    }

    #[test]
    #[should_panic(expected = "as many fields as its header")]
    fn a_row_of_another_width_is_a_bug() {
        let mut t = CsvText::new(["a", "b"], 0);
        t.row().int(1).end();
    }
}
