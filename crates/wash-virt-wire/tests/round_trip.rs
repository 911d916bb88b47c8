//! Encode, then decode: what the adapters read is what wash wrote. The golden blobs pin the
//! format itself, which the adapters checked into wash (`src/virt/adapters/*.wasm`) decode.

use wash_virt_wire::env::{self, EnvConfig};
use wash_virt_wire::io::{self, Entry, IoConfig, Mount, Node, Policy, Stdio};

fn env_round_trip(
    vars: &[(&str, &str)],
    allow: &[&str],
) -> (Vec<(String, String)>, Vec<String>, bool) {
    let blob = env::encode(vars, allow);
    let config = EnvConfig::decode(&blob);
    let vars = config
        .vars()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let allowed = config.allowed().map(str::to_string).collect();
    (vars, allowed, config.allow_all())
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn env_round_trips() {
    assert_eq!(env_round_trip(&[], &[]), (vec![], vec![], false));
    let vars = [
        ("LOG_LEVEL", "info"),
        ("EMPTY", ""),
        ("GRÜSSE", "こんにちは 👋"),
        ("A", "x=y"),
    ];
    assert_eq!(
        env_round_trip(&vars, &["HOME", "PATH"]),
        (owned(&vars), vec!["HOME".into(), "PATH".into()], false)
    );
    // `*` is a flag, not a name; the names around it stay in order.
    assert_eq!(env_round_trip(&[], &["*"]), (vec![], vec![], true));
    assert_eq!(
        env_round_trip(&[("K", "v")], &["B", "*", "A"]),
        (owned(&[("K", "v")]), vec!["B".into(), "A".into()], true)
    );
}

#[test]
fn env_answers_which_host_variables_pass() {
    let none = env::encode::<&str, &str, &str>(&[], &[]);
    let none = EnvConfig::decode(&none);
    assert!(!none.lets_host_through() && !none.allows("HOME"));
    let some = env::encode::<&str, &str, &str>(&[], &["HOME"]);
    let some = EnvConfig::decode(&some);
    assert!(some.lets_host_through() && some.allows("HOME") && !some.allows("PATH"));
    let all = env::encode::<&str, &str, &str>(&[], &["*"]);
    let all = EnvConfig::decode(&all);
    assert!(all.lets_host_through() && all.allows("PATH"));
}

#[test]
fn env_format_is_pinned() {
    #[rustfmt::skip]
    let expected = [
        1, 0, 0, 0, 1, 0, 0, 0, b'A', 2, 0, 0, 0, 0xc3, 0xa9, // vars: A=é
        1, 0, 0, 0, 1, 0, 0, 0, b'H', // allow: H
        1, // allow all
    ];
    assert_eq!(env::encode(&[("A", "é")], &["H", "*"]), expected);
}

/// The mounts a decoded configuration describes, rebuilt as a tree.
fn mounts(config: &IoConfig<'_>) -> Vec<Mount> {
    let nodes: Vec<Node<'_>> = config.nodes().collect();
    let entries = |i: usize| match nodes[i] {
        Node::Dir { children, .. } => children.iter().map(|c| entry(&nodes, c)).collect(),
        Node::File { .. } => panic!("preopen {i} is a file"),
    };
    config
        .preopens()
        .map(|(guest, i)| {
            assert_eq!(
                nodes[i].name(),
                guest,
                "a preopen's node is named by its guest path"
            );
            Mount {
                guest: guest.to_string(),
                entries: entries(i),
            }
        })
        .collect()
}

fn entry(nodes: &[Node<'_>], i: usize) -> Entry {
    match nodes[i] {
        Node::File { name, data } => Entry::File {
            name: name.into(),
            data: data.into(),
        },
        Node::Dir { name, children } => Entry::Dir {
            name: name.into(),
            entries: children.iter().map(|c| entry(nodes, c)).collect(),
        },
    }
}

fn file(name: &str, data: &[u8]) -> Entry {
    Entry::File {
        name: name.into(),
        data: data.into(),
    }
}

fn dir(name: &str, entries: Vec<Entry>) -> Entry {
    Entry::Dir {
        name: name.into(),
        entries,
    }
}

fn io_round_trip(stdio: Stdio, mounts_in: &[Mount]) {
    let blob = io::encode(stdio, mounts_in);
    // SAFETY: `encode` wrote the blob.
    for config in [IoConfig::decode(&blob), unsafe {
        IoConfig::decode_trusted(&blob)
    }] {
        assert_eq!(config.stdio, stdio);
        assert_eq!(mounts(&config), mounts_in);
    }
}

#[test]
fn io_round_trips() {
    io_round_trip(Stdio::default(), &[]);
    for stdin in [Policy::Allow, Policy::Ignore, Policy::Deny] {
        for stdout in [Policy::Allow, Policy::Ignore, Policy::Deny] {
            let stdio = Stdio {
                stdin,
                stdout,
                stderr: Policy::Ignore,
            };
            io_round_trip(stdio, &[]);
        }
    }
    let nested = vec![
        file("a.txt", b"hello\n"),
        dir(
            "deeper",
            vec![
                dir("empty", vec![]),
                file("bin", &[0, 255, 1, 2, 0]),
                dir("x", vec![dir("y", vec![file("z", b"")])]),
            ],
        ),
        file("ünï ☃.txt", "snow ☃".as_bytes()),
    ];
    io_round_trip(
        Stdio {
            stdin: Policy::Deny,
            ..Stdio::default()
        },
        &[
            Mount {
                guest: "/data".into(),
                entries: nested,
            },
            Mount {
                guest: "/empty".into(),
                entries: vec![],
            },
            Mount {
                guest: "/données".into(),
                entries: vec![file("big", &vec![7; 70_000])],
            },
        ],
    );
}

#[test]
fn io_format_is_pinned() {
    let blob = io::encode(
        Stdio {
            stdin: Policy::Allow,
            stdout: Policy::Ignore,
            stderr: Policy::Deny,
        },
        &[Mount {
            guest: "/d".into(),
            entries: vec![dir("s", vec![]), file("f", b"xy")],
        }],
    );
    #[rustfmt::skip]
    let expected = [
        0, 1, 2, // stdin, stdout, stderr
        3, 0, 0, 0, // nodes
        1, 2, 0, 0, 0, b'/', b'd', 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, // 0: dir "/d" [1, 2]
        1, 1, 0, 0, 0, b's', 0, 0, 0, 0, // 1: dir "s" []
        0, 1, 0, 0, 0, b'f', 2, 0, 0, 0, b'x', b'y', // 2: file "f" "xy"
        1, 0, 0, 0, 2, 0, 0, 0, b'/', b'd', 0, 0, 0, 0, // preopens: "/d" at 0
    ];
    assert_eq!(blob, expected);
}

#[test]
fn damaged_blobs_decode_without_panicking() {
    let io_blob = io::encode(
        Stdio::default(),
        &[Mount {
            guest: "/d".into(),
            entries: vec![dir("s", vec![file("f", b"data")])],
        }],
    );
    let env_blob = env::encode(&[("K", "v")], &["H", "*"]);
    // Every prefix: a short blob reads as zeros and empty strings, and lists end early.
    for n in 0..io_blob.len() {
        let config = IoConfig::decode(&io_blob[..n]);
        for node in config.nodes() {
            if let Node::Dir { children, .. } = node {
                children.iter().for_each(drop);
            }
        }
        config.preopens().for_each(drop);
    }
    for n in 0..env_blob.len() {
        let config = EnvConfig::decode(&env_blob[..n]);
        config.vars().for_each(drop);
        assert!(!config.allow_all() || n == env_blob.len());
    }
    // A count far beyond the blob ends with the blob instead of looping.
    let huge = [0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, b'K'];
    assert_eq!(EnvConfig::decode(&huge).vars().count(), 1);
    // Bytes that are not UTF-8 read as the empty string.
    let bad = [1, 0, 0, 0, 1, 0, 0, 0, 0xff, 1, 0, 0, 0, b'v'];
    assert_eq!(
        EnvConfig::decode(&bad).vars().collect::<Vec<_>>(),
        [("", "v")]
    );
}
