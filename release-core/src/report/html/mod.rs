//! One self-contained HTML page per run: no script, no font, no request of any kind (a
//! Content-Security-Policy of `default-src 'none'` says so to the browser), so it opens from an
//! artifact download or a mail attachment and reads the same with JavaScript off. Soak windows
//! are inline SVG charts, one point per sample, against the levels that judged them.

mod chart;
mod decision;
mod document;
mod summary;

pub(crate) use decision::decision_section;
pub(crate) use document::{Page, badge, text};
pub use summary::render;
