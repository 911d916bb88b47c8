//! `wash-fuzz TARGET --seconds N [--seed S]`: fuzz one target for a while; `--replay FILE…`
//! runs saved inputs; `--list` names the targets and what each asserts.

// This binary owns its terminal: the table and the findings are its output.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

#[derive(Parser)]
#[command(about = "Fuzz wash's parsers on stable Rust")]
struct Args {
    /// The target (`--list` names them); `all` runs each in turn.
    target: Option<String>,
    /// Seconds per target.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// The PRNG seed; random when not given (the seed used is printed).
    #[arg(long)]
    seed: Option<u64>,
    /// Where crashing inputs are written.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/crashes"))]
    crash_dir: PathBuf,
    /// Run these saved inputs instead of fuzzing (each file's target is its name up to `-`,
    /// unless TARGET is given).
    #[arg(long, num_args = 1..)]
    replay: Vec<PathBuf>,
    /// Print one table row (`target executions seconds crashes`) per target, no header.
    #[arg(long)]
    row: bool,
    /// List the targets.
    #[arg(long)]
    list: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.list {
        for t in wash_fuzz::TARGETS {
            println!("{:<9} {}", t.name, t.about);
        }
        return ExitCode::SUCCESS;
    }
    if !args.replay.is_empty() {
        return replay(&args);
    }
    let targets: Vec<&'static wash_fuzz::Target> = match args.target.as_deref() {
        None | Some("all") => wash_fuzz::TARGETS.iter().collect(),
        Some(name) => match wash_fuzz::target(name) {
            Some(t) => vec![t],
            None => {
                eprintln!("error: no target `{name}` (`--list` names them)");
                return ExitCode::from(2);
            }
        },
    };
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    let mut failed = false;
    if !args.row {
        println!(
            "{:<9} {:>11} {:>8} {:>8}",
            "target", "executions", "seconds", "crashes"
        );
    }
    for target in targets {
        let stats = wash_fuzz::fuzz(
            target,
            &wash_fuzz::FuzzOptions {
                duration: Duration::from_secs_f64(args.seconds),
                seed,
                crash_dir: Some(args.crash_dir.clone()),
            },
        );
        println!(
            "{:<9} {:>11} {:>8.1} {:>8}",
            stats.target,
            stats.executions,
            stats.elapsed.as_secs_f64(),
            usize::from(stats.crash.is_some())
        );
        if let Some(crash) = &stats.crash {
            failed = true;
            eprintln!(
                "{}: {} (seed {seed}, execution {})",
                stats.target, crash.finding.message, crash.iteration
            );
            if let Some(file) = &crash.file {
                eprintln!("  input: {}", file.display());
                eprintln!(
                    "  replay: cargo run -p wash-fuzz -- {} --replay {}",
                    stats.target,
                    file.display()
                );
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn replay(args: &Args) -> ExitCode {
    let _quiet = wash_fuzz::quiet_panics();
    let mut failed = false;
    for file in &args.replay {
        let target = match args.target.as_deref() {
            Some(name) => wash_fuzz::target(name),
            None => wash_fuzz::target_of_file(file),
        };
        let Some(target) = target else {
            eprintln!(
                "{}: no target for this file (name it TARGET-…)",
                file.display()
            );
            failed = true;
            continue;
        };
        let input = match std::fs::read(file) {
            Ok(input) => input,
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                failed = true;
                continue;
            }
        };
        match wash_fuzz::execute(target, &input) {
            Ok(()) => println!("{}: ok ({})", file.display(), target.name),
            Err(finding) => {
                failed = true;
                println!(
                    "{}: FAILED ({}): {}",
                    file.display(),
                    target.name,
                    finding.message
                );
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
