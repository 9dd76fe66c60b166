//! Standard output. A reader that goes away (`journey explain-error | head -1`) ends the program
//! quietly, as it does any Unix filter; any other failure to write (a full disk behind `>`) is
//! an error, never a result silently cut short. `print!` would panic on the first and ignore
//! nothing.

use std::io::Write;

pub fn stdout(text: impl AsRef<[u8]>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_ref()).and_then(|_| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        let _ = writeln!(
            std::io::stderr(),
            "error: cannot write to standard output: {e}"
        );
        std::process::exit(1);
    }
}
