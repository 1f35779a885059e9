//! Commented plans to start from (`release init`): the smallest useful one, and the whole
//! runbook (the plan the demo and the contract tests run, so it cannot drift from them).

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A plan to start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    /// One environment, an `env` gate and two `http` gates, every key explained.
    Minimal,
    /// The production release runbook: every phase, soak windows, rollback triggers, the rollout.
    Runbook,
}

impl Template {
    /// Every template, in the order help texts list them.
    pub const ALL: [Template; 2] = [Template::Minimal, Template::Runbook];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Template::Minimal => "minimal",
            Template::Runbook => "runbook",
        }
    }

    /// The plan's text.
    ///
    /// ```
    /// use release_core::plan::Template;
    /// for template in Template::ALL {
    ///     let plan = release_core::Plan::parse("release.toml", template.text()).unwrap();
    ///     assert!(!plan.gates.is_empty());
    /// }
    /// ```
    pub fn text(self) -> &'static str {
        match self {
            Template::Minimal => include_str!("../../templates/minimal.toml"),
            Template::Runbook => include_str!("../../templates/runbook.toml"),
        }
    }

    /// Writes the plan to `path`, which must not exist: an existing file (or one created at the
    /// same moment by someone else) is never replaced.
    pub fn write_new(self, path: &Path) -> Result<(), TemplateError> {
        let failed = |source: std::io::Error| match source.kind() {
            std::io::ErrorKind::AlreadyExists => TemplateError::Exists {
                path: path.to_path_buf(),
            },
            _ => TemplateError::Write {
                path: path.to_path_buf(),
                source,
            },
        };
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(failed)?;
        let written = file
            .write_all(self.text().as_bytes())
            .and_then(|()| file.sync_all());
        drop(file);
        if let Err(source) = written {
            // A half-written plan would be refused later with a confusing error; none is better.
            let _ = std::fs::remove_file(path);
            return Err(TemplateError::Write {
                path: path.to_path_buf(),
                source,
            });
        }
        Ok(())
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Template {
    type Err = TemplateError;

    /// ```
    /// use release_core::plan::Template;
    /// assert_eq!("runbook".parse::<Template>().ok(), Some(Template::Runbook));
    /// let error = "full".parse::<Template>().unwrap_err().to_string();
    /// assert_eq!(error, "unknown template \"full\": expected minimal or runbook");
    /// ```
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Template::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| TemplateError::Unknown {
                name: crate::names::escaped(name).into_owned(),
            })
    }
}

/// A template could not be chosen or written.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// No template has this name.
    #[error("unknown template \"{name}\": expected minimal or runbook")]
    Unknown {
        /// The name given, escaped.
        name: String,
    },
    /// The file is there already; it was left as it was.
    #[error("{} already exists; it was left as it is (remove it, or write elsewhere with --plan)", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// The file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}
