//! Layers without circles: no module of `release-core` imports one that imports it back, directly
//! or through others (the layer map is in `docs/decisions.md`).
//!
//! The check reads `src/**/*.rs`, follows every `crate::…` and `super::…` path (in `use` trees and
//! in code) to the module it names, and looks for cycles. A module is a top-level module of the
//! crate, except inside `gates/`, `plan/` and `rollback/`, where each child is its own module, so
//! `gates::alerts` reaching into `gates::prometheus` counts. Names re-exported by `lib.rs` or by a
//! `mod.rs` are followed to where they are defined. Test code (`#[cfg(test)]` items) and comments
//! are left out: tests may build whatever they need.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules whose children are modules of their own in the graph.
const SPLIT: &[&str] = &["gates", "plan", "rollback", "rollout", "run", "runbook"];

/// Circles known and being removed elsewhere, each with why; an entry here that no longer
/// closes a circle fails the test, so the list only shrinks.
const KNOWN_CIRCLES: &[(&[&str], &str)] = &[];

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let graph = Graph::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));

    // The reader must see the imports it is meant to judge, or an empty graph would pass.
    assert!(
        graph.has_edge("gates::http", "gate"),
        "the checker lost track of `gates::http` using `gate`; edges: {:#?}",
        graph.edges.keys().collect::<Vec<_>>()
    );
    assert!(
        graph.has_edge("gates::kinds", "gates::env"),
        "the checker lost the plan's builder"
    );

    // `cargo test --test layers -- --nocapture` prints the whole graph.
    for ((from, to), places) in &graph.edges {
        println!("{from} -> {to}  ({}:{})", places[0].file, places[0].line);
    }
    let mut cycles = graph.cycles();
    for (known, why) in KNOWN_CIRCLES {
        let before = cycles.len();
        cycles.retain(|cycle| cycle != known);
        assert!(
            cycles.len() < before,
            "{} no longer closes a circle ({why}): remove it from KNOWN_CIRCLES",
            known.join(" -> ")
        );
    }
    assert!(cycles.is_empty(), "{}", graph.describe(&cycles));

    // Kinds (the folders under `gates/`) share mechanics through `probe`, `net` and `text`,
    // never through each other; a file beside them (a list of kinds) may name them.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let is_kind = |node: &str| {
        node.strip_prefix("gates::")
            .is_some_and(|kind| src.join("gates").join(kind).is_dir())
    };
    let across: Vec<String> = graph
        .edges
        .iter()
        .filter(|((from, to), _)| is_kind(from) && is_kind(to))
        .map(|((from, to), places)| {
            format!("{from} -> {to}: {}:{}", places[0].file, places[0].line)
        })
        .collect();
    assert!(
        across.is_empty(),
        "gate kinds import each other:\n{}",
        across.join("\n")
    );
}

/// Where one module uses another: the file, the line and the path as written.
#[derive(Debug, Clone)]
struct Use {
    file: String,
    line: usize,
    path: String,
}

#[derive(Debug, Default)]
struct Graph {
    /// (from, to) -> the first few places that make the edge.
    edges: BTreeMap<(String, String), Vec<Use>>,
}

impl Graph {
    fn read(src: &Path) -> Self {
        let files = rust_files(src);
        let crate_map = CrateMap::read(src, &files);
        let mut graph = Graph::default();
        for file in &files {
            let relative = file.strip_prefix(src).expect("under src");
            let module = module_path(relative);
            if module.is_empty() {
                continue; // lib.rs only declares and re-exports
            }
            let from = crate_map.node(&module);
            if crate_map.is_transparent(&module) {
                continue; // a split module's mod.rs only re-exports its children
            }
            let text = std::fs::read_to_string(file).expect("readable source");
            let code = without_tests(&blank_comments_and_strings(&text));
            for (offset, written) in paths(&code) {
                let Some(absolute) = absolute(&module, &written, relative) else {
                    continue;
                };
                let Some(to) = crate_map.resolve(&absolute) else {
                    continue;
                };
                if to == from {
                    continue;
                }
                let places = graph.edges.entry((from.clone(), to)).or_default();
                if places.len() < 3 {
                    places.push(Use {
                        file: relative.display().to_string(),
                        line: text[..offset].matches('\n').count() + 1,
                        path: written.join("::"),
                    });
                }
            }
        }
        graph
    }

    fn has_edge(&self, from: &str, to: &str) -> bool {
        self.edges.contains_key(&(from.to_owned(), to.to_owned()))
    }

    fn successors(&self, node: &str) -> Vec<&str> {
        self.edges
            .keys()
            .filter(|(from, _)| from == node)
            .map(|(_, to)| to.as_str())
            .collect()
    }

    /// Every circle through an edge, shortest first, each once (rotated to start at its least
    /// module), so the message lists each import that closes one.
    fn cycles(&self) -> Vec<Vec<String>> {
        let mut cycles = BTreeSet::new();
        for (from, to) in self.edges.keys() {
            let Some(back) = self.path(to, from) else {
                continue;
            };
            let mut cycle: Vec<String> = back;
            cycle.pop(); // `from` again
            cycle.insert(0, from.clone());
            let least = (0..cycle.len()).min_by_key(|&i| &cycle[i]).unwrap_or(0);
            cycle.rotate_left(least);
            cycle.push(cycle[0].clone());
            cycles.insert((cycle.len(), cycle));
        }
        cycles.into_iter().map(|(_, cycle)| cycle).collect()
    }

    /// Breadth-first path from `from` to `to` (both included), at least one edge long.
    fn path(&self, from: &str, to: &str) -> Option<Vec<String>> {
        let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([from]);
        while let Some(node) = queue.pop_front() {
            for next in self.successors(node) {
                if next == to {
                    let mut path = vec![to.to_owned(), node.to_owned()];
                    let mut at = node;
                    while at != from {
                        at = parent[at];
                        path.push(at.to_owned());
                    }
                    path.reverse();
                    return Some(path);
                }
                if next != from && !parent.contains_key(next) {
                    parent.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
        None
    }

    fn describe(&self, cycles: &[Vec<String>]) -> String {
        let mut out = format!(
            "{} module circle(s) in release-core/src; a module may use only modules below it \
             (docs/decisions.md, \"Layers\"):\n",
            cycles.len()
        );
        for cycle in cycles {
            out += &format!("\n  {}\n", cycle.join(" -> "));
            for pair in cycle.windows(2) {
                let places = &self.edges[&(pair[0].clone(), pair[1].clone())];
                for place in places {
                    out += &format!(
                        "    {} -> {}: {}:{} `{}`\n",
                        pair[0], pair[1], place.file, place.line, place.path
                    );
                }
            }
        }
        out
    }
}

/// What the crate declares: its modules, and where re-exported names are defined.
struct CrateMap {
    /// Every module path that has a file (`["gates", "http", "check"]`).
    modules: BTreeSet<Vec<String>>,
    /// (module holding the `pub use`, exported name) -> absolute path it re-exports.
    reexports: BTreeMap<(Vec<String>, String), Vec<String>>,
}

impl CrateMap {
    fn read(src: &Path, files: &[PathBuf]) -> Self {
        let mut modules = BTreeSet::new();
        let mut reexports = BTreeMap::new();
        for file in files {
            let relative = file.strip_prefix(src).expect("under src");
            let module = module_path(relative);
            modules.insert(module.clone());
            let is_root = module.is_empty() || relative.ends_with("mod.rs");
            if !is_root {
                continue;
            }
            let text = std::fs::read_to_string(file).expect("readable source");
            let code = without_tests(&blank_comments_and_strings(&text));
            for statement in use_statements(&code) {
                for (path, alias) in use_tree(&statement) {
                    let Some(name) = alias.or_else(|| path.last().cloned()) else {
                        continue;
                    };
                    let target = match path.first().map(String::as_str) {
                        Some("crate") => path[1..].to_vec(),
                        Some("super") | Some("self") => continue,
                        _ => module.iter().cloned().chain(path.iter().cloned()).collect(),
                    };
                    reexports.insert((module.clone(), name), target);
                }
            }
        }
        CrateMap { modules, reexports }
    }

    /// The graph node a module belongs to.
    fn node(&self, module: &[String]) -> String {
        let depth = if SPLIT.contains(&module[0].as_str()) {
            2
        } else {
            1
        };
        module[..depth.min(module.len())].join("::")
    }

    fn is_transparent(&self, module: &[String]) -> bool {
        module.len() == 1 && SPLIT.contains(&module[0].as_str())
    }

    /// The node an absolute path (without `crate`) lands in, following re-exports.
    fn resolve(&self, path: &[String]) -> Option<String> {
        let mut path = path.to_vec();
        for _ in 0..8 {
            // The longest prefix that is a module; the next segment may be a re-exported name.
            let module_len = (0..=path.len())
                .rev()
                .find(|&len| self.modules.contains(&path[..len]))?;
            let module = path[..module_len].to_vec();
            match path.get(module_len) {
                Some(name) if self.reexports.contains_key(&(module.clone(), name.clone())) => {
                    let target = &self.reexports[&(module, name.clone())];
                    path = target
                        .iter()
                        .chain(&path[module_len + 1..])
                        .cloned()
                        .collect();
                }
                _ if module.is_empty() => return None,
                _ => return Some(self.node(&module)),
            }
        }
        None
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src is readable")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}

/// `gates/http/check.rs` -> `["gates", "http", "check"]`; `gates/mod.rs` -> `["gates"]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    let file = parts.pop().expect("a file name");
    match file.as_str() {
        "mod.rs" | "lib.rs" => {}
        other => parts.push(other.trim_end_matches(".rs").to_owned()),
    }
    parts
}

/// A path as written (`["super", "super", "prometheus", "check"]`) made absolute, without `crate`.
fn absolute(module: &[String], written: &[String], file: &Path) -> Option<Vec<String>> {
    let mut base: Vec<String> = module.to_vec();
    let mut rest = written;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                assert!(
                    !base.is_empty(),
                    "{}: `super` above the crate root",
                    file.display()
                );
                base.pop();
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// Every `crate::…` / `super::…` path in the code, with its byte offset; `use` trees with braces
/// are expanded into one path per leaf.
fn paths(code: &str) -> Vec<(usize, Vec<String>)> {
    let bytes = code.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while at < code.len() {
        let rest = &code[at..];
        // `$crate::` in a macro is `crate::`.
        let starts = ["crate::", "super::"].iter().any(|p| rest.starts_with(p));
        let boundary = at == 0 || !is_ident(bytes[at - 1] as char);
        if starts && boundary {
            let end = tree_end(code, at);
            for (path, _) in use_tree(&code[at..end]) {
                found.push((at, path));
            }
            at = end.max(at + 1);
        } else {
            at += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    found
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Where a path or `use` tree starting at `start` ends: at depth 0 only identifiers, `::`, `*`
/// and an opening brace continue it; inside braces, commas and spaces do too.
fn tree_end(code: &str, start: usize) -> usize {
    let mut depth = 0usize;
    let mut chars = code[start..].char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        let continues = match c {
            c if is_ident(c) || c == '*' => true,
            ':' if chars.peek().map(|&(_, c)| c) == Some(':') => {
                chars.next();
                true
            }
            '{' => {
                depth += 1;
                true
            }
            '}' if depth > 0 => {
                depth -= 1;
                true
            }
            ',' => depth > 0,
            c if c.is_whitespace() => depth > 0,
            _ => false,
        };
        if !continues {
            return start + offset;
        }
    }
    code.len()
}

/// The leaves of a `use` tree (`a::{b, c::{d as e}}`), each with its alias.
fn use_tree(text: &str) -> Vec<(Vec<String>, Option<String>)> {
    fn walk(
        tokens: &[String],
        at: &mut usize,
        prefix: Vec<String>,
        out: &mut Vec<(Vec<String>, Option<String>)>,
    ) {
        let mut path = prefix;
        loop {
            match tokens.get(*at).map(String::as_str) {
                Some("{") => {
                    *at += 1;
                    loop {
                        match tokens.get(*at).map(String::as_str) {
                            Some("}") => {
                                *at += 1;
                                return;
                            }
                            Some(",") => *at += 1,
                            None => return,
                            _ => walk(tokens, at, path.clone(), out),
                        }
                    }
                }
                Some("*") => {
                    *at += 1;
                    out.push((path, None));
                    return;
                }
                Some(word) if word.chars().all(is_ident) => {
                    path.push(word.to_owned());
                    *at += 1;
                    match tokens.get(*at).map(String::as_str) {
                        Some("::") => *at += 1,
                        Some("as") => {
                            let alias = tokens.get(*at + 1).cloned();
                            *at += 2;
                            out.push((path, alias));
                            return;
                        }
                        _ => {
                            if path.last().map(String::as_str) == Some("self") {
                                path.pop();
                            }
                            out.push((path, None));
                            return;
                        }
                    }
                }
                _ => {
                    if !path.is_empty() {
                        out.push((path, None));
                    }
                    return;
                }
            }
        }
    }
    let tokens = tokens(text);
    let mut out = Vec::new();
    let mut at = 0;
    walk(&tokens, &mut at, Vec::new(), &mut out);
    out
}

fn tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_ident(c) {
            let start = i;
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            tokens.push("::".to_owned());
            i += 2;
        } else if c.is_whitespace() {
            i += 1;
        } else {
            tokens.push(c.to_string());
            i += 1;
        }
    }
    tokens
}

/// The trees of every `pub use` / `pub(crate) use` statement.
fn use_statements(code: &str) -> Vec<String> {
    let mut statements = Vec::new();
    for (start, _) in code.match_indices("use ") {
        let before = code[..start].trim_end();
        if !(before.ends_with("pub") || before.ends_with("pub(crate)")) {
            continue;
        }
        let tree_start = start + "use ".len();
        let Some(len) = code[tree_start..].find(';') else {
            continue;
        };
        statements.push(code[tree_start..tree_start + len].to_owned());
    }
    statements
}

/// The code with comments and the contents of string and char literals replaced by spaces, so
/// offsets (and line numbers) stay those of the file.
fn blank_comments_and_strings(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, c: char| {
        if c == '\n' {
            out.push('\n');
        } else {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && (i == 0 || !is_ident(chars[i - 1]))
        {
            // Raw string: r"…", r#"…"#.
            let mut hashes = 0;
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            out.extend(std::iter::repeat_n(' ', j + 1 - i));
            i = j + 1;
            while i < chars.len() {
                if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
                    out.extend(std::iter::repeat_n(' ', hashes + 1));
                    i += hashes + 1;
                    break;
                }
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
                if i < chars.len() {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && is_char_literal(&chars, i) {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '\\' {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
                blank(&mut out, chars[i]);
                i += 1;
            }
            out.push(' ');
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// `'x'`, `'\n'`, `'\u{1F600}'` rather than a lifetime `'a`.
fn is_char_literal(chars: &[char], quote: usize) -> bool {
    match chars.get(quote + 1) {
        Some('\\') => true,
        Some(_) => chars.get(quote + 2) == Some(&'\''),
        None => false,
    }
}

/// The code without `#[cfg(test)]` items: the attribute and the item after it (to its `;` or to
/// the brace that closes it) become spaces.
fn without_tests(code: &str) -> String {
    let mut out = code.to_owned();
    let mut from = 0;
    while let Some(found) = out[from..].find("#[cfg(test)]") {
        let start = from + found;
        let bytes = out.as_bytes();
        let mut i = start + "#[cfg(test)]".len();
        let mut depth = 0usize;
        while i < bytes.len() {
            match bytes[i] {
                b';' if depth == 0 => break,
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        let end = (i + 1).min(out.len());
        let blanked: String = out[start..end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        out.replace_range(start..end, &blanked);
        from = end;
    }
    out
}
