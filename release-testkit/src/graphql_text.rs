//! Just enough of a GraphQL document's text to route it as a server would: the first root
//! field of its operation and whether that field has a selection set. A real server executes the
//! document, not the `operationName`, so the platform mock routes on this first.

/// The first root field of a document and whether a selection set follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RootField {
    pub(crate) name: String,
    pub(crate) has_selection: bool,
}

/// The first root field of `query`: the first field inside the operation's outer braces
/// (after an alias, if any). `None` when the text has no braces or no field in them.
pub(crate) fn root_field(query: &str) -> Option<RootField> {
    let text = strip_comments(query);
    let open = text.find('{')?;
    let mut rest = text[open + 1..].trim_start();
    let mut name = identifier(rest)?;
    rest = rest[name.len()..].trim_start();
    if let Some(after_alias) = rest.strip_prefix(':') {
        rest = after_alias.trim_start();
        name = identifier(rest)?;
        rest = rest[name.len()..].trim_start();
    }
    if rest.starts_with('(') {
        rest = skip_arguments(rest)?.trim_start();
    }
    Some(RootField {
        name: name.to_owned(),
        has_selection: rest.starts_with('{'),
    })
}

/// A GraphQL name at the start of `text`.
fn identifier(text: &str) -> Option<&str> {
    let end = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(text.len(), |(at, _)| at);
    let name = &text[..end];
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_well.then_some(name)
}

/// The text after the balanced `( … )` at the start of `text`, skipping strings.
fn skip_arguments(text: &str) -> Option<&str> {
    let mut depth = 0_usize;
    let mut in_string = false;
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' => depth += 1,
            ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(&text[at + 1..]);
                }
            }
            _ => {}
        }
    }
    None
}

/// `query` without `#` comments (outside strings).
fn strip_comments(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    for line in query.lines() {
        let mut in_string = false;
        let mut escaped = false;
        for c in line.chars() {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
            } else if c == '#' {
                break;
            } else if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(query: &str) -> Option<(String, bool)> {
        root_field(query).map(|f| (f.name, f.has_selection))
    }

    #[test]
    fn finds_the_root_field_and_its_selection() {
        let yes = |name: &str| Some((name.to_owned(), true));
        let no = |name: &str| Some((name.to_owned(), false));
        assert_eq!(
            field("mutation DeploymentRollback($id: String!) { deploymentRollback(id: $id) }"),
            no("deploymentRollback")
        );
        assert_eq!(
            field("mutation R($id: String!) {\n  deploymentRollback(id:$id) { id status }\n}"),
            yes("deploymentRollback")
        );
        assert_eq!(
            field("query ProjectToken { projectToken { id } }"),
            yes("projectToken")
        );
        assert_eq!(
            field("{ renamed: deployment(id: \"a)b{\") { status } }"),
            yes("deployment")
        );
        assert_eq!(
            field(
                "# { nope\nquery X { # }\n deployments(input: {serviceId: \"s\"}) { edges { node { id } } } }"
            ),
            yes("deployments")
        );
        assert_eq!(
            field("mutation M { serviceInstanceDeployV2 }"),
            no("serviceInstanceDeployV2")
        );
    }

    #[test]
    fn hostile_text_has_no_root_field() {
        for query in [
            "",
            "…",
            "query X",
            "{",
            "{ }",
            "{ 1abc }",
            "{ a(b: \"",
            "{ a((( }",
        ] {
            assert_eq!(field(query), None, "{query:?}");
        }
        let deep = format!("{{ a{} }}", "(".repeat(100_000));
        assert_eq!(field(&deep), None);
    }
}
