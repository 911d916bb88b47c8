//! The short fuzz run of the test suite: every target for a few seconds
//! (`WASH_FUZZ_SECONDS`, default 3), and every saved input of `fuzz/regressions/` replayed.
//! One test, so targets run one after another (the allocation guard watches one thread).

use std::path::Path;
use std::time::Duration;

#[test]
fn regressions_replay_and_every_target_survives_a_short_run() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fuzz/regressions")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    files.sort();
    let _quiet = wash_fuzz::quiet_panics();
    let mut failures = Vec::new();
    for file in &files {
        let target = wash_fuzz::target_of_file(file)
            .unwrap_or_else(|| panic!("{}: name it TARGET-…", file.display()));
        let input = std::fs::read(file).expect("a regression input");
        if let Err(f) = wash_fuzz::execute(target, &input) {
            failures.push(format!("{}: {}", file.display(), f.message));
        }
    }
    drop(_quiet);
    assert!(
        failures.is_empty(),
        "regressions fail:\n{}",
        failures.join("\n")
    );

    let seconds: f64 = std::env::var("WASH_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let seed = std::env::var("WASH_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(16);
    for target in wash_fuzz::TARGETS {
        let stats = wash_fuzz::fuzz(
            target,
            &wash_fuzz::FuzzOptions {
                duration: Duration::from_secs_f64(seconds),
                seed,
                crash_dir: None,
            },
        );
        assert!(stats.executions > 0, "{}: nothing ran", target.name);
        if let Some(crash) = stats.crash {
            panic!(
                "{}: {} (seed {seed}, execution {}; replay with `cargo run -p wash-fuzz -- {} \
                 --seconds {seconds} --seed {seed}`)",
                target.name, crash.finding.message, crash.iteration, target.name
            );
        }
    }
}
