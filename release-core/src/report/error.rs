use super::format::Format;

/// A report that could not be produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A format name that is not one of [`Format::ALL`].
    #[error("unknown report format {name:?}: expected one of {}", Format::names())]
    UnknownFormat {
        /// The name given.
        name: String,
    },
    /// The summary could not be serialized as JSON.
    #[error("failed to serialize the summary as JSON")]
    Json(#[source] serde_json::Error),
    /// The JUnit report could not be written.
    #[error("failed to write JUnit XML")]
    Junit(#[source] quick_junit::SerializeError),
}
