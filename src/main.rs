//! The `wash` binary: everything it does lives in the library; this only hands over the args.

fn main() -> std::process::ExitCode {
    wash::cli::main("wash", std::env::args_os().collect())
}
