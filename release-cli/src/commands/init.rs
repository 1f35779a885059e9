//! `release init`: a commented plan to start from (`release_core::plan::Template`), written
//! where `--plan` points (`release.toml` in the current directory), never over a file.

use release_core::plan::Template;

use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

pub(crate) fn run(global: &GlobalArgs, template: &str) -> Result<i32, CliError> {
    let template: Template = template.parse().map_err(CliError::input)?;
    template.write_new(&global.plan).map_err(CliError::input)?;
    let plan = global.plan.display();
    output::print_stdout(&format!(
        "wrote {plan} (template {template})\nnext: edit it, then `release plan check{}`\n",
        match global.plan.as_os_str() == "release.toml" {
            true => String::new(),
            false => format!(" --plan {plan}"),
        }
    ))?;
    Ok(release_core::exit_code::PASSED)
}
