//! Standard output for the commands. A reader that stops early (`flowdns policy list | head
//! -1`) closes the pipe; the command then ends quietly with status 0, as it would had it been
//! stopped by `SIGPIPE`, instead of failing on the write. Every write happens after the
//! command's store transaction has committed, so stopping there loses nothing.

use std::io::Write as _;

/// Writes `text` to standard output and flushes it.
pub(crate) fn write(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        end_on_write_error(&e);
    }
}

/// Writes `text` and a newline to standard output.
pub(crate) fn line(text: &str) {
    let mut s = String::with_capacity(text.len() + 1);
    s.push_str(text);
    s.push('\n');
    write(&s);
}

/// Whether an error is, or was caused by, a closed standard output pipe.
pub(crate) fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn end_on_write_error(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("flowdns: cannot write to standard output: {e}");
    std::process::exit(2);
}
