use release_core::exit_code;

/// Why the command could not do its job; every variant maps to an exit code.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// A bad plan, flag or input file: exit 2.
    #[error("{0}")]
    Input(String),
    /// A plan or env file with problems at known lines: exit 2; on GitHub Actions each is
    /// also annotated on its line.
    #[error("{message}")]
    InputAt {
        /// The error, as [`CliError::Input`] shows it.
        message: String,
        /// The file the problems are in, as given.
        file: String,
        /// Each problem: line, column, what is wrong.
        places: Vec<(usize, usize, String)>,
    },
    /// The tool's own output could not be written (the summary, the log): exit 2, after the
    /// report was printed.
    #[error("{0}")]
    Output(String),
    /// A signal ended the run before it had anything to record: `128 + signal`.
    #[error("{0}")]
    Interrupted(String),
}

impl From<release_core::run::RunError> for CliError {
    fn from(err: release_core::run::RunError) -> Self {
        match err {
            release_core::run::RunError::Interrupted => Self::Interrupted(err.to_string()),
            other => Self::Input(other.to_string()),
        }
    }
}

impl From<release_core::rollout::RolloutError> for CliError {
    fn from(err: release_core::rollout::RolloutError) -> Self {
        match err {
            release_core::rollout::RolloutError::Run(run) => run.into(),
            interrupted @ release_core::rollout::RolloutError::Interrupted { .. } => {
                Self::Interrupted(interrupted.to_string())
            }
            other => Self::Input(other.to_string()),
        }
    }
}

impl From<release_core::run::RecordError> for CliError {
    fn from(err: release_core::run::RecordError) -> Self {
        Self::Output(err.to_string())
    }
}

impl From<release_core::PlanError> for CliError {
    fn from(err: release_core::PlanError) -> Self {
        match &err {
            release_core::PlanError::Invalid { path, diagnostics } => located(
                &err,
                path,
                diagnostics.iter().map(|d| (d.line, d.column, &d.message)),
            ),
            _ => Self::Input(err.to_string()),
        }
    }
}

impl From<release_core::EnvFileError> for CliError {
    fn from(err: release_core::EnvFileError) -> Self {
        match &err {
            release_core::EnvFileError::Syntax { path, problems } => located(
                &err,
                path,
                problems.iter().map(|p| (p.line, p.column, &p.message)),
            ),
            _ => Self::Input(err.to_string()),
        }
    }
}

/// An input error with the file and lines its problems are at.
fn located<'a>(
    err: &impl std::fmt::Display,
    file: &std::path::Path,
    places: impl Iterator<Item = (usize, usize, &'a String)>,
) -> CliError {
    CliError::InputAt {
        message: err.to_string(),
        file: file.display().to_string(),
        places: places
            .map(|(line, column, message)| (line, column, message.clone()))
            .collect(),
    }
}

impl CliError {
    pub(crate) fn input(err: impl std::fmt::Display) -> Self {
        Self::Input(err.to_string())
    }

    pub(crate) fn output(err: impl std::fmt::Display) -> Self {
        Self::Output(err.to_string())
    }

    pub(crate) fn exit_code(&self) -> i32 {
        match self {
            CliError::Input(_) | CliError::InputAt { .. } | CliError::Output(_) => {
                exit_code::INVALID_INPUT
            }
            CliError::Interrupted(_) => {
                crate::signals::received().unwrap_or(exit_code::INTERRUPTED)
            }
        }
    }
}
