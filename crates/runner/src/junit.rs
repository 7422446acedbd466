//! JUnit XML, the shape GitHub Actions (through test-report actions), GitLab
//! (`artifacts:reports:junit`) and Jenkins read: `<testsuites>` holding one `<testsuite>` whose
//! `<testcase>`s carry `<failure>` or `<error>`, with counts and times as attributes.
//!
//! Test cases are streamed to a side file as results arrive (memory stays flat for millions of
//! events); the counts, known only at the end, are written with the header when it is done.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use harness::{FixtureResult, Status, Summary, diff};

/// Writes one JUnit report.
#[derive(Debug)]
pub struct JunitWriter {
    path: PathBuf,
    part: PathBuf,
    cases: BufWriter<File>,
}

impl JunitWriter {
    pub fn create(path: &Path) -> std::io::Result<JunitWriter> {
        let mut part = path.as_os_str().to_owned();
        part.push(".part");
        let part = PathBuf::from(part);
        let cases = BufWriter::new(File::create(&part)?);
        Ok(JunitWriter { path: path.to_owned(), part, cases })
    }

    /// Adds one (already redacted) result as a test case.
    pub fn add(&mut self, result: &FixtureResult) -> std::io::Result<()> {
        let classname = match result.line {
            Some(_) => result.path.display().to_string(),
            None => result.path.parent().map(|p| p.display().to_string()).unwrap_or_default(),
        };
        let name = match result.line {
            Some(line) if result.name != harness::batch::case_name(&result.path, Some(line), None) => {
                format!("{} (line {line})", result.name)
            }
            _ => result.name.clone(),
        };
        let seconds = result.usage.map(|u| u.micros as f64 / 1e6).unwrap_or(0.0);
        write!(
            self.cases,
            "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" time=\"{seconds:.6}\"",
            escape(&name),
            escape(&classname),
            escape(&result.path.display().to_string())
        )?;
        if result.status == Status::Pass && result.warnings.is_empty() {
            return writeln!(self.cases, "/>");
        }
        writeln!(self.cases, ">")?;
        let message = result.message.as_deref().unwrap_or("failed");
        match result.status {
            Status::Pass => {}
            Status::Fail => {
                let mut body = Vec::new();
                if let (Some(expected), Some(actual)) = (&result.expected, &result.actual) {
                    body.push("(- expected, + actual)".to_owned());
                    body.extend(diff(expected, actual));
                }
                if let (Some(expected), Some(actual)) = (&result.expected_flow, &result.actual_flow) {
                    body.push(format!("expected: {}", serde_json::to_string(expected).unwrap_or_default()));
                    body.push(format!("actual:   {}", serde_json::to_string(actual).unwrap_or_default()));
                }
                writeln!(
                    self.cases,
                    "      <failure message=\"{}\" type=\"fail\">{}</failure>",
                    escape(message),
                    escape(&body.join("\n"))
                )?;
            }
            Status::Error => {
                writeln!(self.cases, "      <error message=\"{}\" type=\"error\"/>", escape(message))?;
            }
        }
        if !result.warnings.is_empty() {
            writeln!(self.cases, "      <system-out>{}</system-out>", escape(&result.warnings.join("\n")))?;
        }
        writeln!(self.cases, "    </testcase>")
    }

    /// Writes the report with its counts, and removes the side file.
    pub fn finish(self, summary: &Summary, elapsed: Duration) -> std::io::Result<()> {
        let cases = self.cases.into_inner().map_err(|error| error.into_error())?;
        drop(cases);
        let tests = summary.total();
        let counts = format!(
            "tests=\"{tests}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"{:.3}\"",
            summary.failed,
            summary.errors,
            elapsed.as_secs_f64()
        );
        let mut out = BufWriter::new(File::create(&self.path)?);
        writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(out, "<testsuites name=\"runner replay\" {counts}>")?;
        writeln!(out, "  <testsuite name=\"runner replay\" {counts}>")?;
        std::io::copy(&mut File::open(&self.part)?, &mut out)?;
        writeln!(out, "  </testsuite>")?;
        writeln!(out, "</testsuites>")?;
        out.flush()?;
        std::fs::remove_file(&self.part)
    }
}

/// Text as XML attribute or element content; characters XML 1.0 cannot hold are dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a<b & \"c\"\u{1}\n"), "a&lt;b &amp; &quot;c&quot;&#10;");
    }
}
