//! `docs/ci.md` stays true: each of its workflows is well-formed YAML of the shape GitHub
//! Actions reads, and every `release` command in them is accepted by the real command line.
//!
//! No YAML crate is in the lock file, so a small reader of the block style the page uses checks
//! the workflows: anything outside that style (anchors, tags, multi-line flow collections) is
//! an error, which keeps the page plain rather than passing what the reader cannot judge.

use std::collections::BTreeSet;

use crate::support::Release;

const DOC: &str = include_str!("../../../docs/ci.md");

#[derive(Debug)]
enum Yaml {
    Map(Vec<(String, Yaml)>),
    Seq(Vec<Yaml>),
    Scalar(String),
}

impl Yaml {
    fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn scalar(&self) -> Option<&str> {
        match self {
            Yaml::Scalar(text) => Some(text),
            _ => None,
        }
    }

    fn entries(&self) -> &[(String, Yaml)] {
        match self {
            Yaml::Map(entries) => entries,
            _ => &[],
        }
    }

    fn items(&self) -> &[Yaml] {
        match self {
            Yaml::Seq(items) => items,
            _ => &[],
        }
    }

    /// Every scalar below this node, with the key it is the value of.
    fn scalars<'a>(&'a self, key: &'a str, out: &mut Vec<(&'a str, &'a str)>) {
        match self {
            Yaml::Scalar(text) => out.push((key, text)),
            Yaml::Seq(items) => items.iter().for_each(|item| item.scalars(key, out)),
            Yaml::Map(entries) => entries.iter().for_each(|(k, v)| v.scalars(k, out)),
        }
    }
}

struct Line {
    number: usize,
    indent: usize,
    text: String,
}

/// A reader of block-style YAML: mappings, sequences (`- ` items, which may open a mapping),
/// plain, quoted and block (`|`, `>`) scalars, one-line flow sequences, comments.
struct Reader {
    lines: Vec<Line>,
    pos: usize,
}

fn parse_yaml(text: &str) -> Result<Yaml, String> {
    let mut lines = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let body = raw.trim_start_matches(' ');
        if body.starts_with('\t') {
            return Err(format!("line {number}: a tab in the indentation"));
        }
        lines.push(Line {
            number,
            indent: raw.len() - body.len(),
            text: raw.trim_end().to_owned(),
        });
    }
    let mut reader = Reader { lines, pos: 0 };
    let Some(indent) = reader.peek().map(|line| line.indent) else {
        return Err("no content".to_owned());
    };
    let root = reader.node(indent)?;
    match reader.peek() {
        Some(line) => Err(format!("line {}: unexpected indentation", line.number)),
        None => Ok(root),
    }
}

impl Reader {
    /// The next line with content (not blank, not only a comment).
    fn peek(&mut self) -> Option<&Line> {
        while let Some(line) = self.lines.get(self.pos) {
            let content = line.text.trim_start();
            if content.is_empty() || content.starts_with('#') {
                self.pos += 1;
            } else {
                return self.lines.get(self.pos);
            }
        }
        None
    }

    fn node(&mut self, indent: usize) -> Result<Yaml, String> {
        let is_seq = self.peek().is_some_and(|line| is_item(content(line)));
        if is_seq {
            self.seq(indent)
        } else {
            self.map(indent)
        }
    }

    fn seq(&mut self, indent: usize) -> Result<Yaml, String> {
        let mut items = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            let number = line.number;
            if line.indent > indent || !is_item(content(line)) {
                return Err(format!("line {number}: expected a `- ` item"));
            }
            let after_dash = &content(line)[1..];
            let rest = after_dash.trim_start();
            if rest.is_empty() {
                self.pos += 1;
                match self.peek() {
                    Some(next) if next.indent > indent => {
                        let child = next.indent;
                        items.push(self.node(child)?);
                    }
                    _ => items.push(Yaml::Scalar(String::new())),
                }
            } else if split_key(rest).is_some() || is_item(rest) {
                // `- key: value` opens a mapping whose keys line up with `key`.
                let offset = indent + 1 + (after_dash.len() - rest.len());
                let rest = rest.to_owned();
                let line = &mut self.lines[self.pos];
                line.indent = offset;
                line.text = format!("{}{rest}", " ".repeat(offset));
                items.push(self.node(offset)?);
            } else {
                let value = scalar(rest, number)?;
                self.pos += 1;
                items.push(value);
            }
        }
        Ok(Yaml::Seq(items))
    }

    fn map(&mut self, indent: usize) -> Result<Yaml, String> {
        let mut entries: Vec<(String, Yaml)> = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            let number = line.number;
            if line.indent > indent {
                return Err(format!("line {number}: unexpected indentation"));
            }
            let text = content(line).to_owned();
            if is_item(&text) {
                return Err(format!("line {number}: a `- ` item among a mapping's keys"));
            }
            let Some((key, value)) = split_key(&text) else {
                return Err(format!(
                    "line {number}: expected `key: value`, found {text:?}"
                ));
            };
            let key = unquote(key);
            if entries.iter().any(|(k, _)| *k == key) {
                return Err(format!("line {number}: the key `{key}` appears twice"));
            }
            let value = strip_comment(value).trim().to_owned();
            self.pos += 1;
            let node = if value.is_empty() {
                match self.peek() {
                    Some(next) if next.indent > indent => {
                        let child = next.indent;
                        self.node(child)?
                    }
                    _ => Yaml::Scalar(String::new()),
                }
            } else if ["|", "|-", "|+", ">", ">-", ">+"].contains(&value.as_str()) {
                self.block_scalar(indent, value.starts_with('>'))
            } else {
                scalar(&value, number)?
            };
            entries.push((key, node));
        }
        Ok(Yaml::Map(entries))
    }

    /// The lines more indented than the key, blank ones included.
    fn block_scalar(&mut self, indent: usize, folded: bool) -> Yaml {
        let mut body = Vec::new();
        while let Some(line) = self.lines.get(self.pos) {
            if !line.text.trim().is_empty() && line.indent <= indent {
                break;
            }
            body.push(line);
            self.pos += 1;
        }
        let margin = body
            .iter()
            .filter(|line| !line.text.trim().is_empty())
            .map(|line| line.indent)
            .min()
            .unwrap_or(0);
        let lines = body
            .iter()
            .map(|line| line.text.get(margin..).unwrap_or(""));
        let joined: Vec<&str> = lines.collect();
        Yaml::Scalar(joined.join(if folded { " " } else { "\n" }))
    }
}

fn content(line: &Line) -> &str {
    line.text.trim_start()
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// `key: value` or `key:`, the key plain or quoted.
fn split_key(text: &str) -> Option<(&str, &str)> {
    let end = quoted_end(text).unwrap_or(0);
    let colon = text[end..].find(": ").map(|at| end + at).or_else(|| {
        text.ends_with(':')
            .then(|| text.len() - 1)
            .filter(|&at| at >= end)
    })?;
    let key = &text[..colon];
    let plain_key = key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    (!key.is_empty() && (plain_key || end > 0)).then(|| (key, &text[colon + 1..]))
}

/// Where a quoted string at the start of `text` ends (just after its closing quote).
fn quoted_end(text: &str) -> Option<usize> {
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let mut escaped = false;
    for (at, c) in text.char_indices().skip(1) {
        if quote == '"' && c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        if c == quote && !escaped {
            return Some(at + 1);
        }
        escaped = false;
    }
    None
}

fn unquote(text: &str) -> String {
    match quoted_end(text) {
        Some(end) if end == text.len() => text[1..end - 1].to_owned(),
        _ => text.to_owned(),
    }
}

/// `value # comment` without the comment (a `#` after a space, outside quotes).
fn strip_comment(value: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (at, c) in value.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && previous == ' ' => return &value[..at],
            None => {}
        }
        previous = c;
    }
    value
}

/// A value on one line: quoted, a flow sequence `[a, b]`, or plain.
fn scalar(value: &str, number: usize) -> Result<Yaml, String> {
    let error = |what: &str| Err(format!("line {number}: {what}: {value:?}"));
    if value.starts_with(['"', '\'']) {
        return match quoted_end(value) {
            Some(end) if end == value.len() => Ok(Yaml::Scalar(unquote(value))),
            Some(_) => error("text after a quoted string"),
            None => error("an unclosed quote"),
        };
    }
    if let Some(inner) = value.strip_prefix('[') {
        let Some(inner) = inner.strip_suffix(']') else {
            return error("an unclosed `[`");
        };
        if inner.contains(['[', ']', '{', '}', '"', '\'']) {
            return error("a flow sequence this reader does not know");
        }
        let items = inner.split(',').map(str::trim);
        return items
            .map(|item| match item {
                "" => error("an empty item in a flow sequence"),
                _ => Ok(Yaml::Scalar(item.to_owned())),
            })
            .collect::<Result<_, _>>()
            .map(Yaml::Seq);
    }
    // Indicators that mean something else at the start of a plain scalar (a tag, an anchor,
    // an alias, a flow mapping, reserved characters).
    if value.starts_with(['!', '&', '*', '{', '}', ']', '@', '`', '%', '|', '>', '?']) {
        return error("a plain scalar starting with an indicator");
    }
    if value.contains(": ") {
        return error("`: ` in a plain scalar (quote it)");
    }
    if value.matches("${{").count() != value.matches("}}").count() {
        return error("an unbalanced `${{ }}` expression");
    }
    Ok(Yaml::Scalar(value.to_owned()))
}

/// The ```yaml blocks of the page.
fn workflows() -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in DOC.lines() {
        match &mut current {
            None if line.trim_end() == "```yaml" => current = Some(Vec::new()),
            None => {}
            Some(lines) if line.trim_end() == "```" => {
                blocks.push(lines.join("\n"));
                current = None;
            }
            Some(lines) => lines.push(line),
        }
    }
    assert!(current.is_none(), "an unclosed ```yaml block in docs/ci.md");
    blocks
}

/// What GitHub Actions requires of a workflow, and what this page's workflows rely on.
fn check_workflow(workflow: &Yaml) -> Result<(), String> {
    for key in ["name", "on", "jobs"] {
        workflow
            .get(key)
            .ok_or_else(|| format!("no top-level `{key}`"))?;
    }
    const TOP: [&str; 8] = [
        "name",
        "run-name",
        "on",
        "concurrency",
        "permissions",
        "env",
        "defaults",
        "jobs",
    ];
    for (key, _) in workflow.entries() {
        if !TOP.contains(&key.as_str()) {
            return Err(format!("unknown top-level key `{key}`"));
        }
    }
    let jobs = workflow.get("jobs").map(Yaml::entries).unwrap_or_default();
    if jobs.is_empty() {
        return Err("no jobs".to_owned());
    }
    let job_names: BTreeSet<&str> = jobs.iter().map(|(name, _)| name.as_str()).collect();
    const JOB: [&str; 15] = [
        "name",
        "needs",
        "if",
        "runs-on",
        "environment",
        "env",
        "outputs",
        "services",
        "steps",
        "concurrency",
        "permissions",
        "timeout-minutes",
        "strategy",
        "continue-on-error",
        "defaults",
    ];
    const STEP: [&str; 11] = [
        "name",
        "id",
        "if",
        "uses",
        "with",
        "run",
        "env",
        "working-directory",
        "shell",
        "continue-on-error",
        "timeout-minutes",
    ];
    let reference = regex::Regex::new(r"\b(steps|needs)\.([A-Za-z0-9_-]+)\.outputs\.").unwrap();
    for (name, job) in jobs {
        for (key, _) in job.entries() {
            if !JOB.contains(&key.as_str()) {
                return Err(format!("job {name}: unknown key `{key}`"));
            }
        }
        job.get("runs-on")
            .ok_or_else(|| format!("job {name}: no `runs-on`"))?;
        let needs: Vec<&str> = match job.get("needs") {
            None => Vec::new(),
            Some(Yaml::Scalar(one)) => vec![one.as_str()],
            Some(many) => many.items().iter().filter_map(Yaml::scalar).collect(),
        };
        for need in &needs {
            if !job_names.contains(need) || need == name {
                return Err(format!(
                    "job {name}: needs `{need}`, which is not another job"
                ));
            }
        }
        let steps = job.get("steps").map(Yaml::items).unwrap_or_default();
        if steps.is_empty() {
            return Err(format!("job {name}: no steps"));
        }
        let mut step_ids = BTreeSet::new();
        for step in steps {
            for (key, _) in step.entries() {
                if !STEP.contains(&key.as_str()) {
                    return Err(format!("job {name}: a step has the unknown key `{key}`"));
                }
            }
            if step.get("uses").is_some() == step.get("run").is_some() {
                return Err(format!("job {name}: a step needs one of `uses` or `run`"));
            }
            if let Some(id) = step.get("id").and_then(Yaml::scalar) {
                step_ids.insert(id);
            }
        }
        // `steps.X.outputs` and `needs.X.outputs` must name a step of this job and a job it
        // needs.
        let mut texts = Vec::new();
        job.scalars(name, &mut texts);
        for (_, text) in texts {
            for found in reference.captures_iter(text) {
                let (kind, target) = (&found[1], &found[2]);
                let known = match kind {
                    "steps" => step_ids.contains(target),
                    _ => needs.contains(&target),
                };
                if !known {
                    return Err(format!("job {name}: `{kind}.{target}` is not known there"));
                }
            }
        }
    }
    Ok(())
}

/// The `release …` commands of a `run` script, each as its arguments.
fn release_commands(script: &str) -> Vec<Vec<String>> {
    let joined = script.replace("\\\n", " ");
    let mut commands = Vec::new();
    for line in joined.lines() {
        for segment in shell_segments(line) {
            let mut words = segment.into_iter().skip_while(|word| {
                ["if", "then", "else", "do", "!", "time", "exec"].contains(&word.as_str())
                    || word.split_once('=').is_some_and(|(name, _)| {
                        !name.is_empty()
                            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    })
            });
            if words.next().as_deref() == Some("release") {
                commands.push(words.collect());
            }
        }
    }
    commands
}

/// Ends the word being read: kept, or dropped when it is a redirection's target.
fn finish(word: &mut String, in_word: &mut bool, words: &mut Vec<String>, redirect: &mut bool) {
    if *in_word {
        if *redirect {
            *redirect = false;
        } else {
            words.push(std::mem::take(word));
        }
        word.clear();
        *in_word = false;
    }
}

/// A line of shell cut into simple commands at `|`, `;` and `&`, each as its words with quotes
/// removed; a redirection (`> FILE`) and a comment are left out.
fn shell_segments(line: &str) -> Vec<Vec<String>> {
    let mut segments = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut redirect = false;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => word.push(c),
            None => match c {
                '"' | '\'' => {
                    quote = Some(c);
                    in_word = true;
                }
                ' ' | '\t' => finish(&mut word, &mut in_word, &mut words, &mut redirect),
                '#' if !in_word => break,
                '|' | ';' | '&' => {
                    finish(&mut word, &mut in_word, &mut words, &mut redirect);
                    if !words.is_empty() {
                        segments.push(std::mem::take(&mut words));
                    }
                }
                '>' | '<' => {
                    finish(&mut word, &mut in_word, &mut words, &mut redirect);
                    redirect = true;
                }
                _ => {
                    word.push(c);
                    in_word = true;
                }
            },
        }
    }
    finish(&mut word, &mut in_word, &mut words, &mut redirect);
    if !words.is_empty() {
        segments.push(words);
    }
    segments
}

fn parsed_workflows() -> Vec<Yaml> {
    let blocks = workflows();
    assert!(
        blocks.len() >= 2,
        "docs/ci.md has {} workflows",
        blocks.len()
    );
    blocks
        .iter()
        .enumerate()
        .map(|(index, block)| {
            let workflow = parse_yaml(block)
                .unwrap_or_else(|err| panic!("docs/ci.md, workflow {}: {err}", index + 1));
            check_workflow(&workflow)
                .unwrap_or_else(|err| panic!("docs/ci.md, workflow {}: {err}", index + 1));
            workflow
        })
        .collect()
}

fn scripts(workflow: &Yaml) -> Vec<&str> {
    let mut texts = Vec::new();
    workflow.scalars("", &mut texts);
    texts
        .into_iter()
        .filter(|(key, _)| *key == "run")
        .map(|(_, text)| text)
        .collect()
}

#[test]
fn every_workflow_in_the_ci_page_is_well_formed() {
    let workflows = parsed_workflows();
    let names: Vec<&str> = workflows
        .iter()
        .filter_map(|workflow| workflow.get("name").and_then(Yaml::scalar))
        .collect();
    assert_eq!(
        names,
        ["runbook", "release", "freeze", "release-store-rehearsal"]
    );

    // The runbook: production only behind its environment (a protection rule), never
    // cancelled half way, through the repository's action.
    let runbook = &workflows[0];
    let production = runbook
        .get("jobs")
        .and_then(|j| j.get("production"))
        .unwrap();
    assert_eq!(
        production.get("environment").and_then(Yaml::scalar),
        Some("production")
    );
    assert_eq!(
        production
            .get("concurrency")
            .and_then(|c| c.get("cancel-in-progress"))
            .and_then(Yaml::scalar),
        Some("false")
    );
    assert!(
        production
            .get("steps")
            .unwrap()
            .items()
            .iter()
            .any(|step| step.get("uses").and_then(Yaml::scalar) == Some("./")),
        "production runs the repository's action"
    );

    let release = &workflows[1];
    let concurrency = release.get("concurrency").unwrap();
    assert_eq!(
        concurrency.get("cancel-in-progress").and_then(Yaml::scalar),
        Some("false"),
        "a rollout is never cancelled half way"
    );
    // The URL carries a password: a secret everywhere but in the rehearsal's own container.
    for workflow in &workflows {
        let mut texts = Vec::new();
        workflow.scalars("", &mut texts);
        for (key, value) in texts {
            if key == "RELEASE_LOG_URL" {
                let rehearsal =
                    workflow.get("name").and_then(Yaml::scalar) == Some("release-store-rehearsal");
                assert!(
                    value == "${{ secrets.RELEASE_LOG_URL }}"
                        || rehearsal && value.contains("@localhost:5432/"),
                    "RELEASE_LOG_URL: {value}"
                );
            }
        }
    }
}

#[test]
fn every_release_command_in_the_ci_page_parses() {
    let mut commands = BTreeSet::new();
    for workflow in parsed_workflows() {
        for script in scripts(&workflow) {
            commands.extend(release_commands(script));
        }
    }
    // The page's promises: a rollout, a launch gate judged from the store, a freeze from
    // another workflow, and the exported log.
    for wanted in [
        "rollout",
        "launch-gate",
        "freeze",
        "unfreeze",
        "log",
        "rollback",
    ] {
        assert!(
            commands
                .iter()
                .any(|args| args.first().map(String::as_str) == Some(wanted)),
            "no `release {wanted}` in docs/ci.md: {commands:?}"
        );
    }
    for args in &commands {
        let (run, _dir) = Release::new().args(args).arg("--help").run();
        assert_eq!(
            run.code,
            0,
            "docs/ci.md: `release {}` is not accepted:\n{}",
            args.join(" "),
            run.stderr
        );
        assert!(run.stdout.contains("Usage: release"), "{}", run.stdout);
    }
}

#[test]
fn the_workflow_reader_refuses_what_github_would() {
    let cases = [
        ("name: x\non: push\njobs:\n\tbuild: {}\n", "a tab"),
        ("name: x\nname: y\n", "appears twice"),
        ("a:\n  b: 1\n   c: 2\n", "unexpected indentation"),
        ("a: run: this\n", "`: ` in a plain scalar"),
        ("a: \"open\n", "an unclosed quote"),
        ("a: [x, y\n", "an unclosed `[`"),
        ("a: !cancelled()\n", "indicator"),
        ("a: ${{ x\n", "unbalanced"),
        ("a:\n  - x\n  b: y\n", "expected a `- ` item"),
        ("just text\n", "expected `key: value`"),
        ("", "no content"),
    ];
    for (yaml, expected) in cases {
        let err = parse_yaml(yaml).expect_err(yaml);
        assert!(err.contains(expected), "{yaml:?}: {err}");
    }

    let workflow = |jobs: &str| parse_yaml(&format!("name: w\non: push\njobs:\n{jobs}")).unwrap();
    let refused = [
        ("  a:\n    steps:\n      - run: x\n", "no `runs-on`"),
        (
            "  a:\n    runs-on: u\n    steps:\n      - run: x\n        uses: y\n",
            "one of",
        ),
        (
            "  a:\n    runs-on: u\n    needs: b\n    steps:\n      - run: x\n",
            "needs `b`",
        ),
        (
            "  a:\n    runs-on: u\n    step:\n      - run: x\n",
            "unknown key `step`",
        ),
        (
            "  a:\n    runs-on: u\n    if: steps.nope.outputs.x\n    steps:\n      - run: x\n",
            "`steps.nope`",
        ),
    ];
    for (jobs, expected) in refused {
        let err = check_workflow(&workflow(jobs)).expect_err(jobs);
        assert!(err.contains(expected), "{jobs:?}: {err}");
    }

    assert_eq!(
        release_commands(
            "set +e\nrelease log export > out.jsonl\nX=1 release freeze --reason \"a b\" | tee f\n\
             if ! release rollout \\\n  --env production; then exit 1; fi\necho release # release x"
        ),
        [
            vec!["log", "export"],
            vec!["freeze", "--reason", "a b"],
            vec!["rollout", "--env", "production"],
        ]
    );
}

const ACTION: &str = include_str!("../../../action.yml");

/// The repository's composite action (`action.yml`): what GitHub requires of one, inputs that
/// reach scripts only through the environment (an input spliced into a script is shell
/// injection), and the command line it builds accepted by the CLI.
#[test]
fn the_action_is_well_formed_and_builds_command_lines_the_cli_accepts() {
    let action = parse_yaml(ACTION).unwrap_or_else(|err| panic!("action.yml: {err}"));
    for key in ["name", "description", "inputs", "outputs", "runs"] {
        assert!(action.get(key).is_some(), "action.yml has no `{key}`");
    }
    for (name, input) in action.get("inputs").unwrap().entries() {
        assert!(
            input.get("description").and_then(Yaml::scalar).is_some(),
            "input `{name}` has no description"
        );
    }
    let runs = action.get("runs").unwrap();
    assert_eq!(runs.get("using").and_then(Yaml::scalar), Some("composite"));
    let steps = runs.get("steps").unwrap().items();
    assert!(steps.len() >= 4, "{steps:?}");
    for step in steps {
        let name = step.get("name").and_then(Yaml::scalar).unwrap_or("?");
        if let Some(script) = step.get("run").and_then(Yaml::scalar) {
            assert!(
                step.get("shell").and_then(Yaml::scalar).is_some(),
                "step `{name}`: a composite action's run step needs a shell"
            );
            assert!(
                !script.contains("${{"),
                "step `{name}` splices an expression into its script: {script}"
            );
        }
        if let Some(uses) = step.get("uses").and_then(Yaml::scalar) {
            let (_, version) = uses.split_once('@').unwrap_or_default();
            assert!(
                version.starts_with('v'),
                "step `{name}` does not pin `{uses}`"
            );
        }
    }
    // Each summary gets its page, and the page is uploaded with it.
    let scripts: Vec<&str> = steps
        .iter()
        .filter_map(|step| step.get("run").and_then(Yaml::scalar))
        .collect();
    assert!(
        scripts
            .iter()
            .any(|s| s.contains("report --from \"$summary\" --format html")),
        "no step renders the HTML pages: {scripts:?}"
    );
    assert!(
        ACTION.contains("${{ inputs.artifacts-dir }}/*-summary.html"),
        "the pages are not uploaded"
    );
    // The command line the run step builds: --plan, --env, then the command's words.
    for command in [
        "preflight",
        "launch-gate",
        "rollout --version 1.4.0",
        "rollback evaluate",
        "report --from artifacts/release/production-launch-gate-summary.json --format html",
    ] {
        let (run, _dir) = Release::new()
            .args(["--plan", "release.toml", "--env", "production"])
            .args(command.split(' '))
            .arg("--help")
            .run();
        assert_eq!(run.code, 0, "release {command}: {}", run.stderr);
    }
}
