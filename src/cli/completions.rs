//! `pgconf completions SHELL` and `pgconf man`: generated from the command definitions
//! (clap_complete, clap_mangen), so they never drift from the real options.

use std::io::{self, Write};

use clap::CommandFactory;

use super::{Cli, ExitStatus};

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  pgconf completions bash > /etc/bash_completion.d/pgconf
  pgconf completions zsh > \"${fpath[1]}/_pgconf\"
  pgconf completions fish > ~/.config/fish/completions/pgconf.fish";

pub fn run_completions(args: &CompletionsArgs, out: &mut dyn Write) -> io::Result<ExitStatus> {
    let mut cmd = Cli::command();
    // generate() panics on a write error, so it writes to memory and we write the result.
    let mut buffer = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "pgconf", &mut buffer);
    out.write_all(&buffer)?;
    Ok(ExitStatus::Success)
}

pub const MAN_EXAMPLES: &str = "\
Examples:
  pgconf man > /usr/local/share/man/man1/pgconf.1 && man pgconf";

pub fn run_man(out: &mut dyn Write) -> io::Result<ExitStatus> {
    let man = clap_mangen::Man::new(Cli::command());
    man.render(out)?;
    // One section per subcommand, so `man pgconf` documents every option.
    for sub in Cli::command().get_subcommands() {
        if sub.is_hide_set() {
            continue;
        }
        writeln!(out, ".SH \"PGCONF {}\"", sub.get_name().to_uppercase())?;
        clap_mangen::Man::new(sub.clone()).render_options_section(out)?;
    }
    Ok(ExitStatus::Success)
}
