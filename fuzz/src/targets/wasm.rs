//! The targets that read WebAssembly: inspect, wit, sign, compose and virt.

use super::*;

// ---------------------------------------------------------------------------------------------
// inspect

pub(super) fn inspect(bytes: &[u8]) {
    let options = wash::inspect::InspectOptions {
        wit: false,
        keys: &keys().trusted,
    };
    match wash::inspect::inspect_bytes(Path::new("fuzz.wasm"), bytes, &options) {
        Ok(i) => {
            assert!(valid(bytes), "inspect accepted an invalid component");
            assert_eq!(i.size, bytes.len() as u64);
            let top: BTreeSet<String> = wash::artifact::component_imports(bytes)
                .into_iter()
                .collect();
            for import in &i.world.imports {
                assert!(
                    top.contains(import),
                    "world import `{import}` is not a top-level import ({top:?})"
                );
            }
            serde_json::to_string(&i).expect("an inspection serializes");
        }
        Err(e) => describe_error(&e),
    }
    fn check(parts: &[wash::inspect::Part], len: usize) {
        for p in parts {
            assert!(p.size as usize <= len, "a part larger than its file");
            check(&p.parts, len);
        }
    }
    check(&wash::inspect::composition::parts(bytes), bytes.len());
    let _ = wash::artifact::component_exports(bytes);
    let _ = wash::virt::read_report(bytes);
}

// ---------------------------------------------------------------------------------------------
// wit

pub(super) fn gen_wit(g: &mut Gen) -> Vec<u8> {
    if g.rng.one_in(5) {
        let lib = g.library();
        let text = format!("package fuzz:lib@0.1.0;\n{}", lib.body);
        let mut out = vec![1];
        out.extend(g.text(&[text]));
        out
    } else {
        let mut out = vec![0];
        out.extend(g.component());
        out
    }
}

pub(super) fn wit(input: &[u8]) {
    let (mode, payload) = mode_and_payload(input);
    if mode % 2 == 1 {
        if let Ok(text) = std::str::from_utf8(payload) {
            let _ = wash::wit::check_parses(text);
        }
        return;
    }
    let options = wash::inspect::InspectOptions {
        wit: true,
        keys: &[],
    };
    match wash::inspect::inspect_bytes(Path::new("fuzz.wasm"), payload, &options) {
        Ok(i) => {
            let wit = i.wit.expect("--wit asked for the WIT");
            let mut resolve = wit_parser::Resolve::default();
            if let Err(e) = resolve.push_str("inspect.wit", &wit) {
                panic!("the WIT inspect prints does not parse: {e:#}\n{wit}");
            }
        }
        Err(e) => describe_error(&e),
    }
}

// ---------------------------------------------------------------------------------------------
// sign

pub(super) fn gen_sign(g: &mut Gen) -> Vec<u8> {
    let mode = g.rng.below(2) as u8;
    let mut bytes = g.valid_component();
    if g.rng.coin() {
        let k = keys();
        let signers: &[&SigningKey] = match g.rng.below(3) {
            0 => &[&k.a],
            1 => &[&k.b],
            _ => &[&k.a, &k.b],
        };
        for key in signers {
            if let Ok(signed) = wash::sign::sign_bytes(&bytes, std::slice::from_ref(*key)) {
                bytes = signed.bytes;
            }
        }
    }
    if g.rng.coin() {
        bytes = g.mutated(bytes);
    }
    let mut out = vec![mode];
    out.extend(bytes);
    out
}

pub(super) fn sign(input: &[u8]) {
    let (mode, bytes) = mode_and_payload(input);
    let k = keys();
    let a = &k.a.public;
    let b = &k.b.public;
    if let Err(e) = wash::sign::signatures(bytes) {
        describe_error(&e);
    }
    for policy in [
        VerifyPolicy::any(vec![a.clone()]),
        VerifyPolicy {
            keys: vec![a.clone(), b.clone()],
            require_all: true,
        },
    ] {
        if let Err(e) = wash::sign::verify_bytes(bytes, &policy) {
            describe_error(&e);
        }
    }
    let _ = wash::sign::check_signatures(bytes, &k.trusted);
    if mode % 2 == 0 {
        return;
    }
    let signed = match wash::sign::sign_bytes(bytes, std::slice::from_ref(&k.a)) {
        Ok(signed) => signed,
        Err(e) => return describe_error(&e),
    };
    if signed.changed() {
        assert!(
            valid(&signed.bytes),
            "a signed component no longer validates"
        );
    }
    if let Err(e) = wash::sign::verify_bytes(&signed.bytes, &VerifyPolicy::any(vec![a.clone()])) {
        panic!("a component just signed does not verify: {e}");
    }
    let statuses = wash::sign::check_signatures(&signed.bytes, &k.trusted);
    assert!(
        statuses
            .iter()
            .any(|s| s.status == wash::sign::SignatureState::Verified
                && s.key.as_deref() == Some(a.info.name.as_str())),
        "inspect does not show the signature just made as verified: {statuses:?}"
    );
    let again = wash::sign::sign_bytes(&signed.bytes, std::slice::from_ref(&k.a))
        .expect("re-signing a signed component");
    assert!(
        !again.changed(),
        "re-signing with the same key changed the file"
    );
    assert_eq!(again.bytes, signed.bytes);
    let both = wash::sign::sign_bytes(&signed.bytes, std::slice::from_ref(&k.b))
        .expect("a second signer signs");
    let all = VerifyPolicy {
        keys: vec![a.clone(), b.clone()],
        require_all: true,
    };
    if let Err(e) = wash::sign::verify_bytes(&both.bytes, &all) {
        panic!("a second signature broke the first: {e}");
    }
}

// ---------------------------------------------------------------------------------------------
// compose

pub(super) fn gen_compose(g: &mut Gen) -> Vec<u8> {
    let lib = g.library();
    let n = g.rng.range(1, 4);
    let mut framed = vec![vec![g.rng.below(4) as u8]];
    let mut root_imports = Vec::new();
    for k in 0..n {
        let mut spec = g.world_spec(&lib);
        // Few WASI imports: the point is how the components meet each other.
        spec.wasi_imports.truncate(1);
        if k == 0 {
            root_imports = spec.lib_imports.clone();
        } else if !root_imports.is_empty() && !g.rng.one_in(4) {
            // Most plugs export what the root (or another plug) imports, and import the rest:
            // chains, cycles and ambiguities follow.
            let export = *g.rng.pick(&root_imports);
            spec.lib_exports = vec![export];
            spec.lib_imports = (0..lib.interfaces)
                .filter(|i| *i != export && g.rng.coin())
                .collect();
        }
        let bytes = match g.wit_component(&lib, &spec) {
            Some(b) if !g.rng.one_in(8) => b,
            _ => g.valid_component(),
        };
        framed.push(bytes);
    }
    if g.rng.one_in(4) {
        let i = g.rng.range(1, framed.len() - 1);
        framed[i] = g.mutated(std::mem::take(&mut framed[i]));
    }
    let input = parts::encode(&framed);
    if g.rng.one_in(8) {
        g.mutated(input)
    } else {
        input
    }
}

pub(super) fn compose(input: &[u8]) {
    let framed = parts::decode(input, 6);
    let Some((flags, files)) = framed.split_first() else {
        return;
    };
    let Some((root, plugs)) = files.split_first() else {
        return;
    };
    let flags = flags.first().copied().unwrap_or(0);
    let options = wash::compose::ComposeOptions {
        dry_run: flags & 1 == 1,
        allow_unused_plugs: flags & 2 == 2,
        ..Default::default()
    };
    let plugs = plugs
        .iter()
        .enumerate()
        .map(|(i, b)| wash::compose::Plug {
            name: format!("plug{i}"),
            bytes: b.to_vec(),
        })
        .collect();
    let composition = match wash::compose::compose(root.to_vec(), plugs, &options) {
        Ok(c) => c,
        Err(e) => return describe_error(&e),
    };
    let root_imports: BTreeSet<String> = wash::artifact::component_imports(root)
        .into_iter()
        .collect();
    let handled: BTreeSet<String> = composition
        .links
        .iter()
        .filter(|l| l.consumer == "root")
        .map(|l| l.import.clone())
        .chain(
            composition
                .open_imports
                .iter()
                .filter(|o| o.consumer == "root")
                .map(|o| o.import.clone()),
        )
        .collect();
    assert_eq!(
        root_imports, handled,
        "the root's imports are not each linked or left open"
    );
    match &composition.bytes {
        None => assert!(options.dry_run, "no component encoded"),
        Some(bytes) => {
            if let Err(e) = wash::artifact::validate_component(bytes) {
                panic!("the composed component does not validate: {e}");
            }
            let imports: BTreeSet<String> = wash::artifact::component_imports(bytes)
                .into_iter()
                .collect();
            let open: BTreeSet<String> = composition
                .open_import_names()
                .into_iter()
                .map(String::from)
                .collect();
            // wac-graph merges semver-compatible imports into one (the newest), so an open
            // import may appear in the output at a later compatible version.
            assert!(
                imports.is_subset(&open),
                "the composition imports {imports:?}, not among its open imports {open:?}"
            );
            for name in &open {
                assert!(
                    imports.iter().any(|i| semver_compatible(i, name)),
                    "open import `{name}` is not imported by the composition ({imports:?})"
                );
            }
        }
    }
}

/// `a:b/c@0.2.6` and `a:b/c@0.2.3` (same name, same `0.minor` or major).
pub(super) fn semver_compatible(a: &str, b: &str) -> bool {
    let split = |s: &str| -> (String, Option<(u64, u64)>) {
        match s.split_once('@') {
            None => (s.to_string(), None),
            Some((name, version)) => {
                let mut nums = version
                    .split(['.', '-', '+'])
                    .map(|n| n.parse::<u64>().unwrap_or(u64::MAX));
                let major = nums.next().unwrap_or(0);
                let minor = nums.next().unwrap_or(0);
                let key = if major == 0 { (0, minor) } else { (major, 0) };
                (name.to_string(), Some(key))
            }
        }
    };
    split(a) == split(b)
}

// ---------------------------------------------------------------------------------------------
// virt

pub(super) fn gen_virt(g: &mut Gen) -> Vec<u8> {
    let mode = g.rng.below(256) as u8;
    let bytes = if g.rng.coin() {
        let lib = g.library();
        let mut spec = g.world_spec(&lib);
        if spec.wasi_imports.is_empty() {
            spec.wasi_imports.push("wasi:cli/environment");
        }
        match g.wit_component(&lib, &spec) {
            Some(b) if g.rng.one_in(4) => g.mutated(b),
            Some(b) => b,
            None => g.component(),
        }
    } else {
        g.component()
    };
    let mut out = vec![mode];
    out.extend(bytes);
    out
}

pub(super) fn virt_options(mode: u8) -> wash::virt::VirtOptions {
    use wash::virt::{Capability, Mount, StdioPolicy, VirtOptions};
    let mount = || Mount {
        guest: "/data".into(),
        host: data_dir().join("data"),
    };
    match mode % 6 {
        0 => VirtOptions {
            env: vec![("A".into(), "1".into())],
            allow_env: vec!["HOME".into()],
            ..VirtOptions::default()
        },
        1 => VirtOptions {
            deny: Capability::ALL.into_iter().collect(),
            ..VirtOptions::default()
        },
        2 => VirtOptions {
            stdout: StdioPolicy::Ignore,
            stderr: StdioPolicy::Deny,
            ..VirtOptions::default()
        },
        3 => VirtOptions {
            mounts: vec![mount()],
            ..VirtOptions::default()
        },
        4 => VirtOptions {
            stdin: StdioPolicy::Deny,
            env: vec![("B".into(), "two words".into())],
            deny: [Capability::Clocks].into_iter().collect(),
            ..VirtOptions::default()
        },
        _ => VirtOptions {
            env: vec![("A".into(), "1".into())],
            allow_env: vec!["*".into()],
            stdin: StdioPolicy::Ignore,
            stdout: StdioPolicy::Deny,
            mounts: vec![mount()],
            deny: Capability::ALL.into_iter().collect(),
            ..VirtOptions::default()
        },
    }
}

pub(super) fn virt(input: &[u8]) {
    let (mode, bytes) = mode_and_payload(input);
    let _ = wash::virt::read_report(bytes);
    match wash::virt::virtualize(bytes, &virt_options(mode)) {
        Ok(v) => {
            if let Err(e) = wash::artifact::validate_component(&v.bytes) {
                panic!("the virtualized component does not validate: {e}");
            }
            assert_eq!(
                wash::virt::read_report(&v.bytes).as_ref(),
                Some(&v.report),
                "the recorded report is not the one returned"
            );
            let imports = wash::artifact::component_imports(bytes);
            for done in &v.report.virtualized {
                assert!(
                    imports.contains(&done.import),
                    "virtualized `{}`, which the component does not import",
                    done.import
                );
            }
        }
        Err(e) => describe_error(&e),
    }
}
