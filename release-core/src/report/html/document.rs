//! The page around the sections: head, style, escaping.

use crate::report::text::single_line;

/// The text with `&`, `<`, `>`, `"` and `'` escaped, safe in element content and in quoted
/// attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text from a summary on one line ([`single_line`]: what acts on a terminal is shown escaped),
/// then escaped for HTML.
pub(crate) fn text(value: &str) -> String {
    escape(&single_line(value))
}

/// A page being written: a title and its sections' HTML, in order.
#[derive(Debug, Default)]
pub(crate) struct Page {
    title: String,
    body: String,
}

impl Page {
    /// A page titled `title` (plain text).
    pub(crate) fn new(title: &str) -> Self {
        Self {
            title: text(title),
            body: String::new(),
        }
    }

    /// Appends HTML written by this module's sections.
    pub(crate) fn push(&mut self, html: &str) {
        self.body.push_str(html);
    }

    /// The whole document.
    pub(crate) fn finish(self) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"generator\" content=\"release {version}\">\n\
             <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\
             <footer>written by release {version}</footer>\n</body>\n</html>\n",
            version = escape(env!("CARGO_PKG_VERSION")),
            title = self.title,
            body = self.body,
        )
    }
}

/// A verdict, outcome, decision or state as a coloured word.
pub(crate) fn badge(word: &str) -> String {
    let class: String = word
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    format!("<span class=\"badge is-{class}\">{}</span>", text(word))
}

const STYLE: &str = "
:root { color-scheme: light dark; --pass: #1a7f37; --warn: #9a6700; --fail: #cf222e;
  --error: #a40e26; --inconclusive: #8250df; --skipped: #6e7781; --line: #d0d7de; }
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem auto;
  max-width: 72rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left;
  vertical-align: top; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, 'SFMono-Regular', Menlo, monospace; font-size: .9em;
  overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: .6rem; color: #fff;
  font-weight: 600; font-size: .85em; background: var(--skipped); }
.is-pass, .is-passed, .is-proceed, .is-proceeding, .is-clear, .is-done, .is-rolled-back
  { background: var(--pass); }
.is-warn, .is-warned, .is-passed_with_warnings, .is-hold, .is-held, .is-watch
  { background: var(--warn); }
.is-fail, .is-blocked, .is-rollback, .is-fired, .is-failed, .is-rollback-incomplete
  { background: var(--fail); }
.is-error { background: var(--error); } .is-inconclusive { background: var(--inconclusive); }
figure.soak { margin: 1rem 0 1.5rem; } figure.soak figcaption { font-weight: 600; }
svg.soak-chart { width: 100%; max-width: 48rem; height: auto; border: 1px solid var(--line); }
svg .frame { fill: none; stroke: var(--line); } svg .series { fill: none; stroke: #57606a;
  stroke-width: 1.5; } svg text { font: 11px system-ui, sans-serif; fill: currentColor; }
svg .threshold { stroke-width: 1.2; stroke-dasharray: 6 4; }
svg .threshold-warn { stroke: var(--warn); } svg .threshold-fail { stroke: var(--fail); }
svg .threshold-baseline { stroke: #0969da; stroke-dasharray: 2 3; }
svg .sample { stroke: #fff; stroke-width: 1; }
svg .sample-pass { fill: var(--pass); } svg .sample-warn { fill: var(--warn); }
svg .sample-fail { fill: var(--fail); } svg .sample-error { fill: var(--error); }
svg .sample-inconclusive, svg .sample-skipped, svg .sample-unknown { fill: var(--skipped); }
svg .no-value { fill: none; stroke: var(--skipped); stroke-width: 1.5; }
ul.timeline { list-style: none; padding-left: 0; border-left: 3px solid var(--line); }
ul.timeline li { margin: 0 0 .6rem; padding-left: .8rem; }
footer { margin-top: 3rem; color: var(--skipped); font-size: .85em; }
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_shown_not_obeyed() {
        assert_eq!(
            text("<script>alert('x')</script> & \"q\"\n\u{1b}[31mred"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot; red"
        );
        let page = Page::new("a </title><script>");
        assert!(
            page.finish()
                .contains("<title>a &lt;/title&gt;&lt;script&gt;</title>")
        );
    }
}
