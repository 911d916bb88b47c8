//! `wasi:blobstore@0.2.0-draft` in `wash run` (issue 12): the blob-probe command writes
//! objects (one of 1 MiB, through many stream writes), reads them back whole, by range and
//! through streams, lists, copies, moves and deletes, on plain files and on a real NATS
//! JetStream object store. A second run reads back what the first wrote; the data is checked on
//! disk and, for NATS, with another client. The backend comes from `--blobstore` or from
//! Cargo.toml's `dev.blobstore`; an unreachable server stops the run before the component
//! starts.

use std::path::Path;
use std::process::Output;

use crate::servers;
use crate::support::*;

/// `wash run --blobstore BACKEND blob-probe.wasm -- MODE`.
fn probe(backend: &str, mode: &str, ok: bool) -> Output {
    let f = blob_probe();
    run(
        wash()
            .args(["run", "--blobstore", backend])
            .arg(&f.wasm)
            .args(["--", mode]),
        ok,
    )
}

fn line<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no `{key}=` line in:\n{out}"))
}

/// What blob-probe finds on a first run (`write`) against an empty store.
fn assert_first_run(out: &str) {
    assert_eq!(line(out, "exists-before"), "false");
    assert_eq!(line(out, "container"), "probe");
    // 1 MiB took many stream writes, and came back whole through an input stream.
    let writes: usize = line(out, "big-writes").parse().unwrap();
    assert!(writes >= 16, "{writes} writes");
    assert_eq!(line(out, "finish-without-write-data"), "true");
    assert_second_run(out);
    assert_eq!(line(out, "scratch-names"), "copy.txt,moved.txt");
    assert_eq!(line(out, "copied"), "hello, blobstore");
    assert_eq!(line(out, "copy-to-missing-container-err"), "true");
    assert_eq!(line(out, "scratch-after-delete"), "moved.txt");
    assert_eq!(line(out, "scratch-after-clear"), "");
    assert_eq!(line(out, "skipped"), "(2, false)");
    assert_eq!(line(out, "scratch-exists"), "false");
}

/// What blob-probe reads back from what a run stored.
fn assert_second_run(out: &str) {
    assert_eq!(line(out, "container-info"), "probe created-at-set=true");
    assert_eq!(line(out, "hello"), "hello, blobstore");
    // `get-data(7, 15)`: inclusive offsets.
    assert_eq!(line(out, "range-size"), "9");
    assert_eq!(line(out, "range"), "blobstore");
    assert_eq!(line(out, "past-end-size"), "0");
    assert_eq!(line(out, "big-size"), "1048576 big-intact=true");
    assert_eq!(line(out, "big-tail"), "[146, 147, 148]");
    // Paged two at a time; the object dropped without `finish` is not there.
    assert_eq!(line(out, "names"), "big.bin,hello.txt,notes/a b.txt");
    assert_eq!(
        line(out, "has-hello"),
        "true has-never=false has-gone=false"
    );
    assert_eq!(
        line(out, "big-info"),
        "probe/big.bin size=1048576 created-at-set=true"
    );
    assert_eq!(line(out, "missing-info-err"), "true");
    assert_eq!(line(out, "missing-get-err"), "true");
    assert_eq!(line(out, "missing-container-err"), "true");
}

/// The names in `dir`, sorted.
fn files(dir: &Path) -> Vec<String> {
    entries(dir)
}

#[test]
fn files_keep_objects_across_runs_one_file_each() {
    let tmp = temp_dir();
    let root = tmp.path().join("blobs");
    let first = probe(root.to_str().unwrap(), "write", true);
    assert_first_run(&stdout(&first));
    let err = stderr(&first);
    assert!(
        err.contains(&format!("Hosting blobstore: files in {}", root.display())),
        "{err}"
    );
    // On disk: one folder per container, one file per object, names encoded so `/` and
    // spaces stay inside the folder; no temp file left; the scratch container is gone.
    assert_eq!(files(&root), ["probe"]);
    let probe_dir = root.join("probe");
    assert_eq!(
        files(&probe_dir),
        ["big.bin", "hello.txt", "notes%2Fa%20b.txt"]
    );
    assert_eq!(
        std::fs::read(probe_dir.join("hello.txt")).unwrap(),
        b"hello, blobstore"
    );
    let big = std::fs::read(probe_dir.join("big.bin")).unwrap();
    assert_eq!(big.len(), 1 << 20);
    assert!(big.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8));

    let second = stdout(&probe(root.to_str().unwrap(), "read", true));
    assert_eq!(line(&second, "exists-before"), "true");
    assert_second_run(&second);
}

/// The objects of the object store `bucket`, read with the NATS client, not through wash.
fn nats_objects(url: &str, bucket: &str, names: &[&str]) -> Vec<Option<Vec<u8>>> {
    use tokio::io::AsyncReadExt as _;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = async_nats::connect(url).await.unwrap();
        let js = async_nats::jetstream::new(client);
        let store = js.get_object_store(bucket).await.unwrap();
        let mut found = Vec::new();
        for name in names {
            let Ok(mut object) = store.get(*name).await else {
                found.push(None);
                continue;
            };
            let mut data = Vec::new();
            object.read_to_end(&mut data).await.unwrap();
            found.push(Some(data));
        }
        found
    })
}

#[test]
fn nats_keeps_objects_in_an_object_store_per_container() {
    let nats = servers::nats();
    let first = probe(&nats.url, "write", true);
    assert_first_run(&stdout(&first));
    let err = stderr(&first);
    assert!(
        err.contains(&format!(
            "Hosting blobstore: NATS object store at {}",
            nats.url
        )),
        "{err}"
    );
    // A second process reads back what the first stored.
    let second = stdout(&probe(&nats.url, "read", true));
    assert_eq!(line(&second, "exists-before"), "true");
    assert_second_run(&second);
    // In the server, under the bucket `probe`, by their own names; deleted ones are gone.
    let found = nats_objects(
        &nats.url,
        "probe",
        &[
            "hello.txt",
            "notes/a b.txt",
            "big.bin",
            "gone.txt",
            "never.txt",
        ],
    );
    assert_eq!(found[0].as_deref(), Some(&b"hello, blobstore"[..]));
    assert_eq!(found[1].as_deref(), Some(&b"spaces and a slash"[..]));
    assert_eq!(found[2].as_ref().map(Vec::len), Some(1 << 20));
    assert_eq!(found[3], None);
    assert_eq!(found[4], None);
}

/// A copy of blob-probe as a crate of its own, `name` in `dir`, with `dev` settings appended to
/// its Cargo.toml. (Its own name: builds share a target dir, and the component's file is named
/// after the package.)
fn probe_crate(dir: &Path, name: &str, dev: &str) -> std::path::PathBuf {
    let fixture = blob_probe();
    let app = dir.join(name);
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::copy(fixture.dir.join("src/main.rs"), app.join("src/main.rs")).unwrap();
    // Its dependencies as the fixture locked them.
    std::fs::copy(fixture.dir.join("Cargo.lock"), app.join("Cargo.lock")).unwrap();
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/wash-sdk");
    let manifest = std::fs::read_to_string(fixture.dir.join("Cargo.toml"))
        .unwrap()
        .replace("../../../crates/wash-sdk", sdk.to_str().unwrap())
        .replace("name = \"blob-probe\"", &format!("name = \"{name}\""));
    std::fs::write(
        app.join("Cargo.toml"),
        format!("{manifest}\n[package.metadata.wasmcloud.dev]\n{dev}\n"),
    )
    .unwrap();
    app
}

/// `blobstore = "nats://…"` in Cargo.toml selects NATS; `--blobstore` wins over it; a relative
/// folder there is relative to the crate.
#[test]
fn cargo_toml_selects_the_backend_and_the_flag_wins() {
    let nats = servers::nats();
    let tmp = temp_dir();
    let app = probe_crate(
        tmp.path(),
        "blob-key",
        &format!("blobstore = \"{}\"", nats.url),
    );
    let out = run(wash().args(["run", "--", "write"]).current_dir(&app), true);
    assert_eq!(line(&stdout(&out), "hello"), "hello, blobstore");
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "Hosting blobstore: NATS object store at {}",
            nats.url
        )),
        "{err}"
    );
    let found = nats_objects(&nats.url, "probe", &["hello.txt"]);
    assert_eq!(found[0].as_deref(), Some(&b"hello, blobstore"[..]));

    // The flag wins: a fresh folder, empty before the run.
    let flag_dir = tmp.path().join("flag-blobs");
    let out = run(
        wash()
            .args([
                "run",
                "--blobstore",
                flag_dir.to_str().unwrap(),
                "--",
                "write",
            ])
            .current_dir(&app),
        true,
    );
    assert_eq!(line(&stdout(&out), "exists-before"), "false");
    assert!(flag_dir.join("probe/hello.txt").is_file());

    // A relative folder in Cargo.toml is the crate's, wherever wash runs from.
    let app = probe_crate(tmp.path(), "blob-key", "blobstore = \"state/blobs\"");
    let manifest = app.join("Cargo.toml");
    let out = run(
        wash()
            .args([
                "run",
                "--manifest-path",
                manifest.to_str().unwrap(),
                "--",
                "write",
            ])
            .current_dir(tmp.path()),
        true,
    );
    assert_eq!(line(&stdout(&out), "exists-before"), "false");
    assert!(app.join("state/blobs/probe/big.bin").is_file());
}

#[test]
fn an_unreachable_nats_stops_the_run_before_the_component_starts() {
    let url = format!("nats://127.0.0.1:{}", free_port());
    let out = probe(&url, "write", false);
    assert!(
        stdout(&out).is_empty(),
        "the component ran: {}",
        stdout(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!("cannot connect the blobstore backend to `{url}`")),
        "{err}"
    );
    assert!(!err.contains("Hosting"), "{err}");
    let mut settings = redactions();
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]");
    settings.bind(|| insta::assert_snapshot!("blobstore-nats-unreachable", err));
}

#[test]
fn an_unknown_scheme_names_the_flag_and_the_choices() {
    let out = probe("s3://bucket", "write", false);
    let err = stderr(&out);
    assert!(
        err.contains(
            "invalid value 's3://bucket' for '--blobstore <DIR|URL>': `s3://bucket`: no \
             blobstore backend speaks `s3://`; use a folder or `nats://HOST:PORT`"
        ),
        "{err}"
    );
}

/// `wash dev` on blob-probe with NATS: the command runs, an edit rebuilds and reruns it, and
/// the rerun finds what the first run stored.
#[test]
fn wash_dev_hosts_the_blobstore_and_it_outlives_a_rebuild() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::sync::mpsc;
    use std::time::Duration;

    let nats = servers::nats();
    let tmp = temp_dir();
    let app = probe_crate(tmp.path(), "blob-dev", "");
    let mut child = wash()
        .args(["dev", "--blobstore", &nats.url, "--", "write"])
        .current_dir(&app)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = mpsc::channel();
    let out = BufReader::new(child.stdout.take().unwrap());
    let err = BufReader::new(child.stderr.take().unwrap());
    let tx2 = tx.clone();
    std::thread::spawn(move || {
        out.lines()
            .map_while(Result::ok)
            .for_each(|l| drop(tx.send(l)))
    });
    std::thread::spawn(move || {
        err.lines()
            .map_while(Result::ok)
            .for_each(|l| drop(tx2.send(l)))
    });
    let mut seen = Vec::new();
    let mut wait_for = |text: &str| {
        loop {
            match lines.recv_timeout(Duration::from_secs(300)) {
                Ok(line) => {
                    seen.push(line.clone());
                    if line.contains(text) {
                        return seen.join("\n");
                    }
                }
                Err(e) => {
                    let _ = child.kill();
                    panic!(
                        "no `{text}` from wash dev ({e}); it said:\n{}",
                        seen.join("\n")
                    )
                }
            }
        }
    };
    let first = wait_for("scratch-exists=");
    assert!(
        first.contains(&format!(
            "Hosting blobstore: NATS object store at {}",
            nats.url
        )),
        "{first}"
    );
    assert_eq!(line(&first, "exists-before"), "false");
    assert_eq!(line(&first, "big-size"), "1048576 big-intact=true");
    std::thread::sleep(Duration::from_secs(1));
    let main = app.join("src/main.rs");
    let text = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, format!("{text}\n// edited\n")).unwrap();
    let both = wait_for("scratch-exists=");
    let second = &both[first.len()..];
    assert_eq!(line(second, "exists-before"), "true");
    assert_eq!(line(second, "hello"), "hello, blobstore");
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    assert!(child.wait().unwrap().success());
}
