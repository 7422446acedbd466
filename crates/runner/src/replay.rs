//! Replaying fixtures: each case through the module, its effects compared with the expected
//! ones, and a result that says what happened as data (printed by the binary).

use std::path::PathBuf;

use actions_core::{Effect, Timestamp};
use serde::Serialize;

use crate::engine::{CallOutcome, ModuleInfo, ModuleRunner, Usage};
use crate::fixture::{Case, FixtureError, module_input};

/// How one fixture ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The effects were the expected ones.
    Pass,
    /// The module answered something else, refused the input, or broke a limit.
    Fail,
    /// The fixture itself could not be used.
    Error,
}

/// The result of one fixture, as `--json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixtureResult {
    pub path: PathBuf,
    pub name: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Vec<Effect>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Vec<Effect>>,
    /// Why the fixture failed or could not be used, in one sentence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    pub module: ModuleInfo,
}

/// Settings of one replay that are not in the fixtures.
#[derive(Debug, Clone, Copy)]
pub struct ReplayOptions {
    /// The instant used by fixtures that do not pin `now`.
    pub now: Timestamp,
}

/// Runs one loaded fixture (or reports why it could not be loaded).
pub fn replay_one(
    runner: &ModuleRunner,
    loaded: Result<Case, FixtureError>,
    path: PathBuf,
    options: ReplayOptions,
) -> FixtureResult {
    let case = match loaded {
        Ok(case) => case,
        Err(error) => {
            let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            return FixtureResult {
                path,
                name,
                status: Status::Error,
                action: None,
                now: None,
                expected: None,
                actual: None,
                message: Some(error.to_string()),
                usage: None,
                module: runner.info().clone(),
            };
        }
    };
    let now = case.now.unwrap_or(options.now);
    let input = module_input(case.action.spec(), &case.event);
    let call = runner.call(case.action, &input, now);
    let (status, actual, message) = match call.outcome {
        CallOutcome::Effects(effects) if effects == case.expect => (Status::Pass, Some(effects), None),
        CallOutcome::Effects(effects) => {
            (Status::Fail, Some(effects), Some("the effects differ from the expected ones".to_owned()))
        }
        CallOutcome::Refused(error) => (
            Status::Fail,
            None,
            Some(format!("the module refused the event ({}): {}", error.code, error.message)),
        ),
        CallOutcome::Failed(failure) => (Status::Fail, None, Some(format!("the module {failure}"))),
    };
    FixtureResult {
        path: case.path,
        name: case.name,
        status,
        action: Some(case.action.name().to_owned()),
        now: Some(now.to_iso_string()),
        expected: Some(case.expect),
        actual,
        message,
        usage: Some(call.usage),
        module: runner.info().clone(),
    }
}

/// Counts of a replay, as the closing line and `--json`'s last line give them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
}

impl Summary {
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Pass => self.passed += 1,
            Status::Fail => self.failed += 1,
            Status::Error => self.errors += 1,
        }
    }

    /// Exit code: 0 when all passed, 1 when any fixture failed or could not be read.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.failed + self.errors > 0)
    }
}

/// A readable diff of two effect lists: one effect per line, `-` expected only, `+` actual
/// only, two spaces for both (a longest-common-subsequence alignment).
pub fn diff(expected: &[Effect], actual: &[Effect]) -> Vec<String> {
    let show = |effect: &Effect| serde_json::to_string(effect).unwrap_or_default();
    let (n, m) = (expected.len(), actual.len());
    // lcs[i][j]: length of the common subsequence of expected[i..] and actual[j..].
    let mut lcs = vec![vec![0_usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let here = if expected.get(i) == actual.get(j) {
                cell(&lcs, i + 1, j + 1) + 1
            } else {
                cell(&lcs, i + 1, j).max(cell(&lcs, i, j + 1))
            };
            if let Some(slot) = lcs.get_mut(i).and_then(|row| row.get_mut(j)) {
                *slot = here;
            }
        }
    }
    let mut lines = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        match (expected.get(i), actual.get(j)) {
            (Some(e), Some(a)) if e == a => {
                lines.push(format!("  {}", show(e)));
                i += 1;
                j += 1;
            }
            (Some(e), Some(_)) if cell(&lcs, i + 1, j) >= cell(&lcs, i, j + 1) => {
                lines.push(format!("- {}", show(e)));
                i += 1;
            }
            (_, Some(a)) => {
                lines.push(format!("+ {}", show(a)));
                j += 1;
            }
            (Some(e), None) => {
                lines.push(format!("- {}", show(e)));
                i += 1;
            }
            (None, None) => break,
        }
    }
    lines
}

fn cell(table: &[Vec<usize>], i: usize, j: usize) -> usize {
    table.get(i).and_then(|row| row.get(j)).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(text: &str) -> Effect {
        Effect::Log(text.to_owned())
    }

    #[test]
    fn the_diff_marks_what_is_missing_and_what_is_extra() {
        let expected = [log("a"), log("b"), log("c")];
        let actual = [log("a"), log("x"), log("c"), log("d")];
        assert_eq!(
            diff(&expected, &actual),
            vec![
                "  {\"log\":\"a\"}",
                "- {\"log\":\"b\"}",
                "+ {\"log\":\"x\"}",
                "  {\"log\":\"c\"}",
                "+ {\"log\":\"d\"}",
            ]
        );
    }
}
