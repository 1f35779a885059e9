//! Just enough of a GraphQL document's text to route it as a server would: the first root
//! field of its operation and whether that field has a selection set. A real server executes the
//! document, not the `operationName`, so the platform mock routes on this first.

/// The first root field of a document and whether a selection set follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RootField {
    pub(crate) name: String,
    pub(crate) has_selection: bool,
    /// The field's arguments whose values are a variable or a string.
    pub(crate) arguments: Vec<(String, Argument)>,
}

/// The value of a root field's argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Argument {
    /// `$name`.
    Variable(String),
    /// A string literal, unescaped as far as `\"` and `\\`.
    Literal(String),
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
    let mut arguments = Vec::new();
    if rest.starts_with('(') {
        let (inside, after) = split_arguments(rest)?;
        arguments = parse_arguments(inside);
        rest = after.trim_start();
    }
    Some(RootField {
        name: name.to_owned(),
        has_selection: rest.starts_with('{'),
        arguments,
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

/// The text inside the balanced `( … )` at the start of `text`, and the text after it,
/// skipping strings.
fn split_arguments(text: &str) -> Option<(&str, &str)> {
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
                    return Some((&text[1..at], &text[at + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// `name: $variable` and `name: "literal"` pairs of an argument list; other values (objects,
/// lists, numbers) are skipped.
fn parse_arguments(mut text: &str) -> Vec<(String, Argument)> {
    let mut arguments = Vec::new();
    loop {
        text = text.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        let Some(name) = identifier(text) else {
            return arguments;
        };
        text = text[name.len()..].trim_start();
        let Some(value) = text.strip_prefix(':') else {
            return arguments;
        };
        text = value.trim_start();
        if let Some(variable) = text.strip_prefix('$') {
            let Some(variable) = identifier(variable) else {
                return arguments;
            };
            arguments.push((name.to_owned(), Argument::Variable(variable.to_owned())));
            text = &text[1 + variable.len()..];
        } else if let Some(literal) = text.strip_prefix('"') {
            let mut value = String::new();
            let mut escaped = false;
            let mut end = None;
            for (at, c) in literal.char_indices() {
                match c {
                    _ if escaped => {
                        value.push(c);
                        escaped = false;
                    }
                    '\\' => escaped = true,
                    '"' => {
                        end = Some(at);
                        break;
                    }
                    _ => value.push(c),
                }
            }
            let Some(end) = end else {
                return arguments;
            };
            arguments.push((name.to_owned(), Argument::Literal(value)));
            text = &literal[end + 1..];
        } else {
            text = skip_value(text);
        }
    }
}

/// The text after one value that is neither a variable nor a string: up to the next `,` or
/// name at depth 0.
fn skip_value(text: &str) -> &str {
    let mut depth = 0_usize;
    let mut in_string = false;
    for (at, c) in text.char_indices() {
        if in_string {
            in_string = c != '"';
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => depth += 1,
            '}' | ']' => depth = depth.saturating_sub(1),
            ',' | ' ' | '\n' | '\t' if depth == 0 => return &text[at..],
            _ => {}
        }
    }
    ""
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
    fn reads_variables_and_string_literals_of_the_arguments() {
        let root = root_field(
            r#"mutation D($e: String!, $s: String!) { serviceInstanceDeployV2(environmentId: $e, input: { a: [1, "x,y"] }, serviceId: "svc-\"q\"", commitSha: $sha) }"#,
        )
        .unwrap();
        let variable = |name: &str| Argument::Variable(name.to_owned());
        assert_eq!(
            root.arguments,
            [
                ("environmentId".to_owned(), variable("e")),
                (
                    "serviceId".to_owned(),
                    Argument::Literal("svc-\"q\"".to_owned())
                ),
                ("commitSha".to_owned(), variable("sha")),
            ]
        );
        for hostile in [
            "{ f(a: \"open) }",
            "{ f(a: $) }",
            "{ f(: 1) }",
            "{ f(a 1) }",
        ] {
            // Never a panic; whatever was readable before the damage.
            let _ = root_field(hostile);
        }
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
