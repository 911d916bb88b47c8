//! Registries that misbehave (issue 16, item 4): the real registry behind [`Hostile`], which
//! truncates, corrupts, resizes, loses, fails, stalls or inflates what it serves. Each case is
//! one clear error naming the reference, nothing at the output path or in the cache, and a
//! retry once the registry heals writes the right bytes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::hostile::{Hostile, Mode};
use super::{no_temp_files, wash_in};
use crate::registry::*;
use crate::support::*;

/// A component pushed to a real registry, and a misbehaving proxy in front of it.
struct Case {
    _registry: Registry,
    tmp: tempfile::TempDir,
    proxy: Hostile,
    /// The reference through the proxy.
    reference: String,
    bytes: Vec<u8>,
}

impl Case {
    fn new(mode: Mode) -> Case {
        let registry = Registry::start();
        let tmp = temp_dir();
        let wasm = &cli_hello().wasm;
        run(
            wash_in(tmp.path())
                .args(["push", &registry.reference("hello:1")])
                .arg(wasm),
            true,
        );
        let proxy = Hostile::start(&registry.host, mode);
        let reference = format!("{}/hello:1", proxy.host);
        Case {
            _registry: registry,
            tmp,
            reference,
            proxy,
            bytes: std::fs::read(wasm).unwrap(),
        }
    }

    fn out_dir(&self) -> PathBuf {
        let dir = self.tmp.path().join("out");
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn dest(&self) -> PathBuf {
        self.out_dir().join("hello.wasm")
    }

    fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    /// `wash` with this case's docker config and `WASH_HOME`, and a 2 s registry timeout.
    fn wash(&self) -> Command {
        let mut cmd = wash_in(self.tmp.path());
        cmd.env("WASH_HOME", self.home())
            .env("WASH_REGISTRY_TIMEOUT", "2");
        cmd
    }

    fn pull(&self) -> Output {
        bounded(
            self.wash()
                .args(["pull", &self.reference, "-o"])
                .arg(self.dest()),
        )
    }

    /// `wash inspect REF`: a pull through the cache.
    fn inspect(&self) -> Output {
        bounded(self.wash().args(["inspect", &self.reference]))
    }

    /// Both a pull and a pull through the cache fail cleanly; returns the pull's stderr.
    fn refused(&self, what: &str) -> String {
        let err = failed_cleanly(&self.pull(), &self.reference, what);
        assert!(!self.dest().exists(), "a partial file was written");
        no_temp_files(&self.out_dir());
        failed_cleanly(&self.inspect(), &self.reference, what);
        self.cache_is_empty();
        err
    }

    fn cache_is_empty(&self) {
        let cache = self.home().join("cache/oci/blobs/sha256");
        if cache.exists() {
            let left: Vec<_> = std::fs::read_dir(&cache).unwrap().collect();
            assert!(left.is_empty(), "the cache holds {left:?}");
        }
    }

    /// The registry heals: a pull and a pull through the cache write the pushed bytes.
    fn heals(&self) {
        self.proxy.set_mode(Mode::Pass);
        let out = self.pull();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(std::fs::read(self.dest()).unwrap(), self.bytes);
        no_temp_files(&self.out_dir());
        let out = self.inspect();
        assert!(out.status.success(), "{}", stderr(&out));
        let hex = wash::artifact::sha256_digest(&self.bytes);
        let cached = self
            .home()
            .join("cache/oci/blobs/sha256")
            .join(format!("{}.wasm", hex.trim_start_matches("sha256:")));
        assert_eq!(std::fs::read(cached).unwrap(), self.bytes);
    }
}

/// Runs `cmd` to completion, killing it (and failing) if it takes over two minutes: a hang is
/// the failure these tests look for, and must not hang the suite.
fn bounded(cmd: &mut Command) -> Output {
    let dir = temp_dir();
    let (out, err) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("wash runs");
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{cmd:?} still ran after two minutes; stderr so far:\n{}",
                std::fs::read_to_string(&err).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: std::fs::read(&out).unwrap(),
        stderr: std::fs::read(&err).unwrap(),
    }
}

/// A user error (not a crash), one screen, naming the reference and saying `what`.
fn failed_cleanly(out: &Output, reference: &str, what: &str) -> String {
    let err = stderr(out);
    let code = out.status.code();
    assert!(
        code.is_some() && code != Some(0) && code != Some(101),
        "{:?}: {err}",
        out.status
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.lines().count() <= 20, "more than a screen:\n{err}");
    assert!(err.contains(&format!("`{reference}`")), "{err}");
    assert!(err.contains(what), "`{what}` missing from:\n{err}");
    err
}

fn snapshot(name: &str, err: &str) {
    let mut settings = redactions();
    settings.add_filter(r"127\.0\.0\.1:\d+", "[REGISTRY]");
    super::redact_transport_causes(&mut settings);
    settings.bind(|| insta::assert_snapshot!(name, err));
}

#[test]
fn a_truncated_blob_writes_nothing_and_a_retry_succeeds() {
    let case = Case::new(Mode::TruncateBlob);
    let err = case.refused("broke during the transfer");
    snapshot("oci-hostile-truncated-blob", &err);
    case.heals();
}

#[test]
fn a_blob_with_another_digest_writes_nothing_and_a_retry_succeeds() {
    let case = Case::new(Mode::CorruptBlob);
    let err = case.refused("digest mismatch");
    assert!(err.contains("nothing was written"), "{err}");
    case.heals();
}

#[test]
fn a_blob_of_the_wrong_size_writes_nothing_and_a_retry_succeeds() {
    // Longer than the manifest says: refused on its Content-Length, before any byte is kept.
    let case = Case::new(Mode::LongBlob { announce: true });
    let size = case.bytes.len();
    let err = case.refused("size mismatch");
    assert!(
        err.contains(&format!("announced {} bytes", size + 1000)),
        "{err}"
    );
    snapshot("oci-hostile-long-blob", &err);
    // Longer, unannounced: wash stops reading at the declared size.
    case.proxy.set_mode(Mode::LongBlob { announce: false });
    let err = case.refused("size mismatch");
    assert!(
        err.contains(&format!("sent more than {size} bytes")),
        "{err}"
    );
    // The manifest declares one byte more, or one less, than the blob has.
    for declared in [size as i64 + 1, size as i64 - 1] {
        case.proxy.set_mode(Mode::LayerSize(declared));
        let err = case.refused("size mismatch");
        assert!(
            err.contains(&format!("the manifest says {declared} bytes")),
            "{err}"
        );
    }
    // A terabyte declared: refused, with nothing near that reserved (the bound is in pull.rs;
    // a 1 TiB allocation would abort the process, which `refused` rules out).
    case.proxy.set_mode(Mode::LayerSize(1 << 40));
    case.refused("size mismatch");
    // A negative size is not a component manifest.
    case.proxy.set_mode(Mode::LayerSize(-5));
    case.refused("a size of -5 bytes");
    case.heals();
}

#[test]
fn a_manifest_naming_a_missing_blob_is_a_clear_error() {
    let case = Case::new(Mode::MissingBlob);
    let err = case.refused("does not have the component blob");
    assert!(err.contains("push the component again"), "{err}");
    snapshot("oci-hostile-missing-blob", &err);
    case.heals();
}

#[test]
fn a_registry_failing_twice_then_healing_is_asked_again() {
    for path in ["/manifests/", "/blobs/"] {
        let case = Case::new(Mode::FailFirst { path, count: 2 });
        let out = case.pull();
        assert!(out.status.success(), "{path}: {}", stderr(&out));
        assert_eq!(std::fs::read(case.dest()).unwrap(), case.bytes);
        assert_eq!(case.proxy.requests(path), 3, "{path}");
        // The cache path retries the same way.
        case.proxy.set_mode(Mode::FailFirst { path, count: 2 });
        let out = case.inspect();
        assert!(out.status.success(), "{path}: {}", stderr(&out));
        assert_eq!(case.proxy.requests(path), 6, "{path}");
    }
}

#[test]
fn a_registry_that_keeps_failing_is_asked_three_times_then_a_clear_error() {
    let path = "/blobs/";
    let case = Case::new(Mode::FailFirst {
        path,
        count: usize::MAX,
    });
    let err = case.refused("answered HTTP 500");
    assert!(err.contains("wash asked 3 times"), "{err}");
    // Three for the pull, three for the pull through the cache: bounded.
    assert_eq!(case.proxy.requests(path), 6);
    snapshot("oci-hostile-server-failed", &err);
    case.heals();
}

#[test]
fn a_stalled_registry_times_out_with_a_clear_message() {
    // Accepts the manifest request and never answers.
    let case = Case::new(Mode::Stall {
        path: "/manifests/",
    });
    let err = case.refused("sent nothing for 2 s");
    assert!(
        err.contains("WASH_REGISTRY_TIMEOUT=SECONDS (now 2)"),
        "{err}"
    );
    snapshot("oci-hostile-stalled", &err);
    // Sends half the component, then nothing.
    case.proxy.set_mode(Mode::StallBody);
    case.refused("sent nothing for 2 s");
    case.heals();

    // `wash login` checks the credentials against the registry: bounded the same way.
    case.proxy.set_mode(Mode::Stall { path: "/v2/" });
    let out = bounded(
        case.wash()
            .args(["login", &case.proxy.host, "-u", "ann", "-p", "secret"]),
    );
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("sent nothing for 2 s"), "{err}");
    assert!(!case.tmp.path().join("config.json").exists(), "{err}");

    // A timeout that is not a number of seconds is refused before the registry is asked.
    let out = bounded(
        case.wash()
            .env("WASH_REGISTRY_TIMEOUT", "2m")
            .args(["pull", &case.reference, "-o"])
            .arg(case.tmp.path().join("never.wasm")),
    );
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("WASH_REGISTRY_TIMEOUT = `2m`"), "{err}");
    assert!(!case.tmp.path().join("never.wasm").exists());
}

#[test]
fn a_huge_manifest_is_refused_without_reading_it() {
    // Announced: refused on its Content-Length.
    let case = Case::new(Mode::HugeManifest {
        bytes: 8 * 1024 * 1024,
        announce: true,
    });
    let err = case.refused("larger than 4 MiB");
    assert!(err.contains("announced 8388608 bytes"), "{err}");
    snapshot("oci-hostile-huge-manifest", &err);
    // Not announced, and as good as endless (1 GiB): wash stops reading past 4 MiB. What got
    // into the socket is bounded by the limit plus the kernel's buffers, far below the GiB.
    case.proxy.set_mode(Mode::HugeManifest {
        bytes: 1 << 30,
        announce: false,
    });
    case.refused("larger than 4 MiB");
    let sent = case.proxy.huge_sent();
    assert!(sent < 256 * 1024 * 1024, "the proxy sent {sent} bytes");
    case.heals();
}

/// Two `wash pull`s into the same file, and two pulls through one cache, at once (issue 16,
/// item 3): both succeed and the results are the pushed bytes.
#[test]
fn concurrent_pulls_into_one_path_and_one_cache_both_succeed() {
    let registry = Registry::start();
    let tmp = temp_dir();
    let big = tmp.path().join("big.wasm");
    let bytes = padded_component(&std::fs::read(&cli_hello().wasm).unwrap(), 8, 3);
    std::fs::write(&big, &bytes).unwrap();
    let reference = registry.reference("big:1");
    run(
        wash_in(tmp.path()).args(["push", &reference]).arg(&big),
        true,
    );

    let out_dir = tmp.path().join("out");
    let dest = out_dir.join("big.wasm");
    let home = tmp.path().join("home");
    let spawn = |args: &[&str]| {
        wash_in(tmp.path())
            .env("WASH_HOME", &home)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let dest_text = dest.to_str().unwrap();
    let pulls = [
        spawn(&["pull", &reference, "-o", dest_text]),
        spawn(&["pull", &reference, "-o", dest_text]),
        spawn(&["inspect", &reference]),
        spawn(&["inspect", &reference]),
    ];
    for child in pulls {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(std::fs::read(&dest).unwrap(), bytes);
    no_temp_files(&out_dir);
    let cache = home.join("cache/oci/blobs/sha256");
    let hex = wash::artifact::sha256_digest(&bytes);
    let entry = cache.join(format!("{}.wasm", hex.trim_start_matches("sha256:")));
    assert_eq!(std::fs::read(&entry).unwrap(), bytes);
    no_temp_files(&cache);
}

/// A cache entry that does not hash to its name (a truncated write by something else, a disk
/// error) is never served: the next pull downloads the component and replaces the entry.
#[test]
fn a_corrupt_cache_entry_is_detected_and_replaced() {
    let registry = Registry::start();
    let tmp = temp_dir();
    let home = tmp.path().join("home");
    let reference = registry.reference("hello:1");
    super::push_hello(tmp.path(), &reference);
    let inspect = || {
        run(
            wash_in(tmp.path())
                .env("WASH_HOME", &home)
                .args(["inspect", &reference]),
            true,
        )
    };
    inspect();
    let bytes = std::fs::read(&cli_hello().wasm).unwrap();
    let hex = wash::artifact::sha256_digest(&bytes);
    let entry: PathBuf = home
        .join("cache/oci/blobs/sha256")
        .join(format!("{}.wasm", hex.trim_start_matches("sha256:")));
    assert_eq!(std::fs::read(&entry).unwrap(), bytes);
    for corrupt in [&bytes[..bytes.len() / 2], &b""[..]] {
        std::fs::write(&entry, corrupt).unwrap();
        let out = inspect();
        assert!(stderr(&out).contains("Pulled"), "{}", stderr(&out));
        assert_eq!(std::fs::read(&entry).unwrap(), bytes);
    }
    // Intact now: served from the cache.
    assert!(stderr(&inspect()).contains("Cached"));
    assert_cache_clean(&entry);
}

fn assert_cache_clean(entry: &Path) {
    no_temp_files(entry.parent().unwrap());
}
