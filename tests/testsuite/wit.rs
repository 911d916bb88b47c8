//! WIT derived from Rust: a table of Rust inputs and the WIT each derives (snapshots, every one
//! checked to parse with wit-parser), the errors for Rust WIT cannot express, and `wash wit`.

use wash_derive::{CrateItems, PackageName, SourceFile};

use crate::support::*;

fn derive(src: &str) -> Result<String, String> {
    let file: syn::File = syn::parse_str(src).expect("test input is valid Rust");
    let items = CrateItems::collect(&[SourceFile::new("src/lib.rs", file)]);
    let name = PackageName::new("acme", "demo", Some("0.1.0"));
    match items.derive(&name) {
        Ok(pkg) => Ok(pkg.to_wit()),
        Err(errors) => Err(errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")),
    }
}

/// Every mapping in docs/wit-from-rust.md, one snapshot each.
const CASES: &[(&str, &str)] = &[
    (
        "primitives",
        r#"
        #[wash::interface]
        pub trait Numbers {
            fn all(a: bool, b: u8, c: u16, d: u32, e: u64, f: i8, g: i16, h: i32, i: i64,
                   j: f32, k: f64, l: char, m: String);
            fn nothing();
            fn unit_result() -> ();
        }
        "#,
    ),
    (
        "containers",
        r#"
        #[wash::interface]
        pub trait Containers {
            fn list(items: Vec<String>) -> Vec<Vec<u8>>;
            fn maybe(x: Option<u32>) -> Option<Option<String>>;
            fn both(x: Result<u32, String>) -> Result<(), String>;
            fn ok_only() -> Result<u64, ()>;
            fn bare() -> Result<(), ()>;
            fn pair(p: (u32, String)) -> (bool, (u8, char));
        }
        "#,
    ),
    (
        "record-with-docs",
        r#"
        /// Greets people.
        #[wash::interface]
        pub trait Greet {
            /// Says hello.
            fn greet(who: Person) -> String;
        }
        /// Somebody to greet.
        #[derive(wash::Type)]
        pub struct Person {
            /// Their name.
            pub name: String,
            pub age: Option<u8>,
            pub home_address: Address,
        }
        #[derive(wash::Type)]
        pub struct Address { pub street_line: String }
        "#,
    ),
    (
        "enum-and-variant",
        r#"
        #[wash::interface]
        pub trait Shapes {
            fn area(s: Shape, unit: Unit) -> f64;
        }
        #[derive(wash::Type)]
        pub enum Unit { Metre, SquareFoot }
        #[derive(Type)]
        pub enum Shape { Circle(f64), Rect((f64, f64)), Empty, Named(Label) }
        #[derive(wash::Type)]
        pub struct Label { pub text: String }
        "#,
    ),
    (
        "flags",
        r#"
        #[wash::interface]
        pub trait Files { fn open(path: String, mode: Mode) -> Result<u32, String>; }
        #[derive(wash::Flags)]
        pub struct Mode { pub read: bool, pub write: bool, pub create_new: bool }
        "#,
    ),
    (
        "resource",
        r#"
        #[wash::interface]
        pub trait Counters {
            fn make(start: u32) -> Counter;
            fn peek(c: &Counter) -> u32;
        }
        /// A counter held by handle.
        #[wash::resource]
        pub struct Counter { value: std::cell::Cell<u32> }
        #[wash::resource]
        impl Counter {
            pub fn new(start: u32) -> Self { todo!() }
            pub fn increment(&self, by: u32) -> u32 { todo!() }
            pub fn merge(&self, other: &Counter) { todo!() }
            pub fn zero() -> Counter { todo!() }
        }
        "#,
    ),
    (
        "shared-types",
        r#"
        #[wash::interface]
        pub trait Reader { fn read(id: Id) -> Item; }
        #[wash::interface]
        pub trait Writer { fn write(item: Item) -> Id; fn delete(id: Id, reason: Reason); }
        #[derive(wash::Type)]
        pub struct Item { pub id: Id, pub body: String }
        #[derive(wash::Type)]
        pub struct Id { pub value: u64 }
        #[derive(wash::Type)]
        pub enum Reason { Expired, Asked }
        #[derive(wash::Type)]
        pub struct Unused { pub x: u8 }
        "#,
    ),
    (
        "names-and-keywords",
        r#"
        #[wash::interface]
        pub trait HttpClientApi {
            fn get_url_v2(r#type: String, list: Vec<u8>) -> ResultKind;
        }
        #[derive(wash::Type)]
        pub enum ResultKind { NotFound, Ok }
        mod nested {
            #[derive(wash::Type)]
            pub struct Ipv4Address { pub octets: (u8, u8, u8, u8) }
        }
        "#,
    ),
];

#[test]
fn derived_wit_table() {
    let settings = redactions();
    for (name, src) in CASES {
        let wit = derive(src).unwrap_or_else(|e| panic!("{name}: {e}"));
        wash::wit::check_parses(&wit).unwrap_or_else(|e| panic!("{name}: {e}\n{wit}"));
        settings.bind(|| insta::assert_snapshot!(format!("wit-{name}"), wit));
    }
}

/// Rust that WIT cannot express: each error points at the type and says what to write.
const ERRORS: &[(&str, &str, &str)] = &[
    (
        "hashmap",
        "#[wash::interface] pub trait T { fn f(m: std::collections::HashMap<String, u32>); }",
        "use `Vec<(K, V)>`",
    ),
    (
        "borrowed-str",
        "#[wash::interface] pub trait T { fn f(s: &str); }",
        "write `String` instead of `&str`",
    ),
    (
        "slice",
        "#[wash::interface] pub trait T { fn f(s: &[u8]); }",
        "write `Vec<u8>` instead of `&[u8]`",
    ),
    (
        "generic-fn",
        "#[wash::interface] pub trait T { fn f<X>(x: u32); }",
        "no generics",
    ),
    (
        "generic-type",
        "#[derive(wash::Type)] pub struct W<T> { pub t: T }",
        "no generics",
    ),
    (
        "trait-object",
        "#[wash::interface] pub trait T { fn f(x: Box<dyn Fn()>); }",
        "write the inner type",
    ),
    (
        "impl-trait",
        "#[wash::interface] pub trait T { fn f() -> impl Iterator<Item = u8>; }",
        "trait object cannot cross",
    ),
    (
        "async-fn",
        "#[wash::interface] pub trait T { async fn f(); }",
        "write a plain `fn`",
    ),
    (
        "usize",
        "#[wash::interface] pub trait T { fn f(n: usize); }",
        "use `u32`",
    ),
    (
        "self-receiver",
        "#[wash::interface] pub trait T { fn f(&self); }",
        "remove `self`",
    ),
    (
        "unknown-type",
        "#[wash::interface] pub trait T { fn f(x: Thing); }",
        "add `#[derive(wash::Type)]`",
    ),
    (
        "tuple-struct",
        "#[derive(wash::Type)] pub struct P(u32);",
        "named fields",
    ),
    (
        "variant-two-fields",
        "#[derive(wash::Type)] pub enum E { A(u32, u32) }",
        "wrap several in a tuple",
    ),
    (
        "mut-self-resource",
        "#[wash::resource] pub struct R {} #[wash::resource] impl R { pub fn f(&mut self) {} }",
        "take `&self`",
    ),
    (
        "name-clash",
        "mod a { #[derive(wash::Type)] pub struct Item { pub x: u8 } } mod b { #[derive(wash::Type)] pub struct Item { pub y: u8 } }",
        "both become `item`",
    ),
    (
        "name-round-trip",
        "#[derive(wash::Type)] pub struct HTTPServer { pub port: u16 }",
        "name it `HttpServer`",
    ),
    (
        "digit-word",
        "#[wash::interface] pub trait T { fn item_2(); }",
        "every word must start with a letter",
    ),
    (
        "flags-non-bool",
        "#[derive(wash::Flags)] pub struct F { pub a: u8 }",
        "is a `bool`",
    ),
];

#[test]
fn unsupported_rust_is_an_error_at_its_span() {
    let settings = redactions();
    for (name, src, expected) in ERRORS {
        let err = derive(src).expect_err(name);
        assert!(
            err.contains(expected),
            "{name}: expected `{expected}` in:\n{err}"
        );
        assert!(
            err.starts_with("src/lib.rs:1:"),
            "{name}: no location in {err}"
        );
        settings.bind(|| insta::assert_snapshot!(format!("wit-error-{name}"), err));
    }
}

fn write_crate(dir: &std::path::Path, manifest_extra: &str, lib: &str) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[package]\nname = \"wit-cli\"\nversion = \"1.2.3\"\nedition = \"2024\"\n\n{manifest_extra}"),
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), lib).unwrap();
}

#[test]
fn wash_wit_prints_the_derived_package() {
    let tmp = temp_dir();
    write_crate(
        tmp.path(),
        "[package.metadata.wasmcloud]\nnamespace = \"acme\"\n",
        "#[wash::interface]\npub trait Greet { fn greet(name: String) -> String; }\n",
    );
    let out = run(wash().arg("wit").current_dir(tmp.path()), true);
    let wit = stdout(&out);
    assert!(wit.starts_with("package acme:wit-cli@1.2.3;\n"), "{wit}");
    assert!(
        wit.contains("greet: func(name: string) -> string;"),
        "{wit}"
    );

    let out = run(wash().args(["wit", "--json"]).current_dir(tmp.path()), true);
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["wit_package"], "acme:wit-cli@1.2.3");
}

#[test]
fn wash_wit_defaults_the_namespace() {
    let tmp = temp_dir();
    write_crate(
        tmp.path(),
        "",
        "#[wash::interface]\npub trait Api { fn ping(); }\n",
    );
    let out = run(wash().arg("wit").current_dir(tmp.path()), true);
    assert!(stdout(&out).starts_with("package component:wit-cli@1.2.3;"));
}

#[test]
fn wash_wit_errors_name_file_line_and_fix() {
    let tmp = temp_dir();
    write_crate(
        tmp.path(),
        "",
        "#[wash::interface]\npub trait Api {\n    fn put(m: std::collections::HashMap<String, String>);\n}\n",
    );
    let out = run(wash().arg("wit").current_dir(tmp.path()), false);
    let err = stderr(&out);
    assert!(
        err.contains("src/lib.rs:3:15: WIT has no map type"),
        "{err}"
    );
    redactions().bind(|| insta::assert_snapshot!("wit-cli-derive-error", err));
}

#[test]
fn bad_config_names_the_field() {
    let tmp = temp_dir();
    write_crate(
        tmp.path(),
        "[package.metadata.wasmcloud]\nnamespace = \"Acme Corp\"\n",
        "#[wash::interface]\npub trait Api { fn ping(); }\n",
    );
    let out = run(wash().arg("wit").current_dir(tmp.path()), false);
    let err = stderr(&out);
    redactions().bind(|| insta::assert_snapshot!("wit-cli-bad-namespace", err));
    assert!(
        err.contains("package.metadata.wasmcloud.namespace"),
        "{err}"
    );

    write_crate(
        tmp.path(),
        "[package.metadata.wasmcloud]\nnamspace = \"acme\"\n",
        "#[wash::interface]\npub trait Api { fn ping(); }\n",
    );
    let out = run(wash().arg("wit").current_dir(tmp.path()), false);
    let err = stderr(&out);
    assert!(
        err.contains("`package.metadata.wasmcloud.namspace` is not a setting wash knows"),
        "{err}"
    );
}
