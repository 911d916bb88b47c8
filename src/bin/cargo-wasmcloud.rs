//! `cargo wasmcloud <command>`: the same tool as `wash`, run as a cargo subcommand.
//!
//! Cargo runs `cargo-wasmcloud wasmcloud <command> …`; dropping that repeated subcommand name
//! leaves exactly the arguments `wash` would get.

fn main() -> std::process::ExitCode {
    let mut args: Vec<_> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "wasmcloud") {
        args.remove(1);
    }
    wash::cli::main("cargo wasmcloud", args)
}
