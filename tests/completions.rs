//! `journey completions SHELL`: a script for every shell clap knows, naming the subcommands and
//! options; the bash one is loaded into a real bash and asked to complete.

use std::process::Command;

fn script(shell: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_journey"))
        .args(["completions", shell])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_shell_gets_the_subcommands_and_options() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let s = script(shell);
        for word in ["run", "check", "cluster", "memory-limit", "error-format"] {
            assert!(s.contains(word), "{shell}'s script lacks {word}");
        }
    }
}

#[test]
fn bash_completes_a_subcommand_and_an_option() {
    let dir = crate::support::Scratch::new("completions", "bash");
    let file = dir.join("journey.bash");
    std::fs::write(&file, script("bash")).unwrap();
    // What bash offers for `journey ru` and for `journey run --memo`.
    let ask = |words: &str, cword: usize| {
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE='{words}'; \
             _journey journey \"${{COMP_WORDS[$COMP_CWORD]}}\" \"${{COMP_WORDS[$COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            file.display()
        );
        let out = Command::new("bash")
            .args(["-c", &program])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let sub = ask("journey ru", 1);
    assert_eq!(sub.lines().collect::<Vec<_>>(), vec!["run"], "{sub}");
    let opt = ask("journey run --memo", 2);
    assert_eq!(
        opt.lines().collect::<Vec<_>>(),
        vec!["--memory-limit"],
        "{opt}"
    );
}
