//! `journey lsp`: the language server, for editors.

use std::process::ExitCode;

/// Run the language server on standard input and output (for an editor to start).
#[derive(clap::Args)]
#[command(
    after_help = "Editors start this themselves: point an LSP client at `journey lsp` for *.journey files\n(docs/editors.md; editors/vscode/ is the VS Code extension).\n\nIt publishes `journey check`'s diagnostics as you type and answers hover, completion, go to\ndefinition, find references, rename, formatting, document symbols and folding ranges."
)]
pub struct Args {
    /// Accepted for clients that pass it (vscode-languageclient does); stdio is the only
    /// transport.
    #[arg(long)]
    stdio: bool,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let _ = args.stdio;
    crate::lsp::serve()?;
    Ok(ExitCode::SUCCESS)
}
