//! `journey completions SHELL`: the shell's completion script for every subcommand and option,
//! generated from the command line's own definition (clap_complete), so it never drifts.

use clap::CommandFactory;
use clap_complete::Shell;
use std::process::ExitCode;

/// Print the completion script for a shell.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  journey completions bash > ~/.local/share/bash-completion/completions/journey\n  journey completions zsh > ~/.zfunc/_journey      # with fpath+=~/.zfunc in .zshrc\n  journey completions fish > ~/.config/fish/completions/journey.fish\n  journey completions powershell >> $PROFILE"
)]
pub struct Args {
    /// The shell.
    #[arg(value_enum)]
    shell: Shell,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let mut command = super::Cli::command();
    clap_complete::generate(args.shell, &mut command, "journey", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}
