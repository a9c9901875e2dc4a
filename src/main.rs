//! Thin entry point: parse, run, map the outcome to an exit code.

fn main() {
    // A bug must never print a backtrace or a panic payload (which could hold a value from the
    // configuration); say what happened and how to report it.
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "Error: strata hit an internal error{location}.\n  = help: this is a bug in strata; please report it with the command you ran"
        );
    }));
    let code = std::panic::catch_unwind(|| strata::cli::run(std::env::args_os())).unwrap_or(1);
    std::process::exit(code);
}
