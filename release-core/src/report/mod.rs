//! Reports of a run's [`Summary`](crate::Summary), one module per output format: a table for
//! people ([`human`]), the JSON summary ([`json`]), JUnit XML for CI test views ([`junit`]),
//! GitHub-flavoured Markdown ([`markdown`]), one self-contained HTML page with a chart per soak
//! window ([`html`]) and GitHub Actions annotations and step summaries ([`github`]). Every
//! format renders the same summary; none of them evaluates anything.

mod error;
mod format;
pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod log_listing;
pub mod markdown;
mod soak;
mod text;

pub use error::ReportError;
pub use format::{Format, RenderOptions, render};
