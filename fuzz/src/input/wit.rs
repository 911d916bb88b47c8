//! Components encoded from random WIT worlds: a library of interfaces shared by the components
//! of one input, and worlds importing and exporting from it and from WASI.

use super::*;

/// WASI interfaces a generated world may import (with the adapters `wash virt` has for them).
const WASI_IMPORTS: &[&str] = &[
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:clocks/wall-clock",
    "wasi:clocks/monotonic-clock",
    "wasi:random/random",
    "wasi:random/insecure",
    "wasi:random/insecure-seed",
    "wasi:io/streams",
    "wasi:io/poll",
    "wasi:io/error",
    "wasi:filesystem/types",
    "wasi:filesystem/preopens",
    "wasi:sockets/instance-network",
    "wasi:sockets/tcp-create-socket",
    "wasi:sockets/ip-name-lookup",
    "wasi:http/outgoing-handler",
];

/// WASI interfaces a generated world may export.
const WASI_EXPORTS: &[&str] = &["wasi:cli/run", "wasi:http/incoming-handler"];

/// A library of interfaces shared by the components of one input, so that their imports and
/// exports can meet (composition) or clash (ambiguity, cycles).
#[derive(Debug, Clone)]
pub struct Library {
    /// How many interfaces it has: `i0`, `i1`, ….
    pub interfaces: usize,
    /// The package text without its `package` line.
    pub body: String,
}

/// What one generated component's world has.
#[derive(Debug, Clone, Default)]
pub struct WorldSpec {
    /// The WASI version its WASI imports and exports are at.
    pub wasi_version: String,
    /// WASI interfaces imported.
    pub wasi_imports: Vec<&'static str>,
    /// WASI interfaces exported.
    pub wasi_exports: Vec<&'static str>,
    /// Library interfaces imported (indices).
    pub lib_imports: Vec<usize>,
    /// Library interfaces exported (indices).
    pub lib_exports: Vec<usize>,
    /// The library's version for this component (`0.1.P`: semver-compatible across patches).
    pub lib_version: String,
    /// Freestanding functions imported and exported.
    pub funcs: (usize, usize),
}

impl Gen {
    /// Random interfaces: records, variants, enums, flags, resources, aliases and functions.
    pub fn library(&mut self) -> Library {
        let interfaces = self.rng.range(1, 5);
        let mut body = String::new();
        for i in 0..interfaces {
            body.push_str(&format!("interface i{i} {{\n"));
            body.push_str(&self.interface_body());
            body.push_str("}\n");
        }
        Library { interfaces, body }
    }

    fn interface_body(&mut self) -> String {
        let mut out = String::new();
        let mut named: Vec<String> = Vec::new();
        let mut resources: Vec<String> = Vec::new();
        for t in 0..self.rng.below(5) {
            let name = format!("t{t}");
            let def = match self.rng.below(6) {
                0 => {
                    let fields: Vec<String> = (0..self.rng.range(1, 4))
                        .map(|f| format!("f{f}: {}", self.wit_type(2, &named, &[])))
                        .collect();
                    format!("record {name} {{ {} }}", fields.join(", "))
                }
                1 => {
                    let cases: Vec<String> = (0..self.rng.range(1, 4))
                        .map(|c| {
                            if self.rng.coin() {
                                format!("c{c}({})", self.wit_type(2, &named, &[]))
                            } else {
                                format!("c{c}")
                            }
                        })
                        .collect();
                    format!("variant {name} {{ {} }}", cases.join(", "))
                }
                2 => {
                    let cases: Vec<String> =
                        (0..self.rng.range(1, 5)).map(|c| format!("e{c}")).collect();
                    format!("enum {name} {{ {} }}", cases.join(", "))
                }
                3 => {
                    let flags: Vec<String> = (0..self.rng.range(1, 40))
                        .map(|c| format!("g{c}"))
                        .collect();
                    format!("flags {name} {{ {} }}", flags.join(", "))
                }
                4 => {
                    let methods: Vec<String> = (0..self.rng.below(3))
                        .map(|m| {
                            let params = self.params(&named, &[]);
                            let result = self.result(&named, &[]);
                            format!("m{m}: func({params}){result};")
                        })
                        .collect();
                    let ctor = if self.rng.coin() {
                        format!("constructor({});", self.params(&named, &[]))
                    } else {
                        String::new()
                    };
                    resources.push(name.clone());
                    format!("resource {name} {{ {ctor} {} }}", methods.join(" "))
                }
                _ => format!("type {name} = {};", self.wit_type(2, &named, &resources)),
            };
            out.push_str(&def);
            out.push('\n');
            named.push(name);
        }
        for f in 0..self.rng.below(4) {
            let params = self.params(&named, &resources);
            let result = self.result(&named, &resources);
            out.push_str(&format!("h{f}: func({params}){result};\n"));
        }
        out
    }

    fn params(&mut self, named: &[String], resources: &[String]) -> String {
        (0..self.rng.below(4))
            .map(|p| {
                let ty = match resources.first() {
                    Some(r) if self.rng.one_in(4) => format!("borrow<{r}>"),
                    _ => self.wit_type(2, named, resources),
                };
                format!("p{p}: {ty}")
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn result(&mut self, named: &[String], resources: &[String]) -> String {
        if self.rng.coin() {
            format!(" -> {}", self.wit_type(2, named, resources))
        } else {
            String::new()
        }
    }

    fn wit_type(&mut self, depth: u32, named: &[String], resources: &[String]) -> String {
        const PRIMITIVES: &[&str] = &[
            "bool", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "f32", "f64", "char",
            "string",
        ];
        let choice = if depth == 0 { 0 } else { self.rng.below(9) };
        match choice {
            1 => format!("list<{}>", self.wit_type(depth - 1, named, resources)),
            2 => format!("option<{}>", self.wit_type(depth - 1, named, resources)),
            3 => format!(
                "result<{}, {}>",
                self.wit_type(depth - 1, named, resources),
                self.wit_type(depth - 1, named, resources)
            ),
            4 => "result".into(),
            5 => {
                let items: Vec<String> = (0..self.rng.range(1, 3))
                    .map(|_| self.wit_type(depth - 1, named, resources))
                    .collect();
                format!("tuple<{}>", items.join(", "))
            }
            6 if !named.is_empty() => self.rng.pick(named).clone(),
            7 if !resources.is_empty() => self.rng.pick(resources).clone(),
            _ => self.rng.pick(PRIMITIVES).to_string(),
        }
    }

    /// A random world over `lib`.
    pub fn world_spec(&mut self, lib: &Library) -> WorldSpec {
        let mut spec = WorldSpec {
            wasi_version: self.wasi_version(),
            lib_version: format!("0.1.{}", self.rng.below(4)),
            funcs: (self.rng.below(2), self.rng.below(2)),
            ..WorldSpec::default()
        };
        for _ in 0..self.rng.below(6) {
            let i = *self.rng.pick(WASI_IMPORTS);
            if !spec.wasi_imports.contains(&i) {
                spec.wasi_imports.push(i);
            }
        }
        if self.rng.coin() {
            spec.wasi_exports.push(*self.rng.pick(WASI_EXPORTS));
        }
        for i in 0..lib.interfaces {
            match self.rng.below(3) {
                0 => spec.lib_imports.push(i),
                1 => spec.lib_exports.push(i),
                _ => {}
            }
        }
        spec
    }

    /// A WASI 0.2 patch version, now and then an unusual one.
    pub fn wasi_version(&mut self) -> String {
        match self.rng.below(8) {
            0 => "0.2.0".into(),
            1 => "0.2.3-rc.1".into(),
            2 => format!("0.2.{}", self.rng.range(13, 99)),
            _ => format!("0.2.{}", self.rng.range(1, 12)),
        }
    }

    /// The WASI packages at `version`, parsed once per version.
    fn wasi(&mut self, version: &str) -> Option<Resolve> {
        self.wasi
            .entry(version.to_string())
            .or_insert_with(|| {
                let mut resolve = Resolve::default();
                for (name, text) in seeds::WASI {
                    // `@since(version = 0.2.12)` gates would name a version after the
                    // package's own: drop them, and `@deprecated` (which needs one), keeping
                    // every item as in 0.2.12.
                    let text: String = text
                        .lines()
                        .filter(|l| {
                            let l = l.trim_start();
                            !l.starts_with("@since(") && !l.starts_with("@deprecated(")
                        })
                        .map(|l| format!("{l}\n"))
                        .collect();
                    let text = text.replace("@0.2.12", &format!("@{version}"));
                    resolve.push_str(name, &text).ok()?;
                }
                Some(resolve)
            })
            .clone()
    }

    /// The component wit-component encodes for `spec`'s world (with a dummy core module), or
    /// `None` when the WIT or the encoding is refused.
    pub fn wit_component(&mut self, lib: &Library, spec: &WorldSpec) -> Option<Vec<u8>> {
        let mut resolve = self.wasi(&spec.wasi_version)?;
        let lib_text = format!("package fuzz:lib@{};\n{}", spec.lib_version, lib.body);
        resolve.push_str("lib.wit", &lib_text).ok()?;
        let mut world = String::from("package fuzz:app;\nworld w {\n");
        let v = &spec.wasi_version;
        for i in &spec.wasi_imports {
            world.push_str(&format!("import {i}@{v};\n"));
        }
        for e in &spec.wasi_exports {
            world.push_str(&format!("export {e}@{v};\n"));
        }
        let lv = &spec.lib_version;
        for i in &spec.lib_imports {
            world.push_str(&format!("import fuzz:lib/i{i}@{lv};\n"));
        }
        for e in &spec.lib_exports {
            world.push_str(&format!("export fuzz:lib/i{e}@{lv};\n"));
        }
        for f in 0..spec.funcs.0 {
            world.push_str(&format!("import f{f}: func(a: string) -> u32;\n"));
        }
        for f in 0..spec.funcs.1 {
            world.push_str(&format!("export g{f}: func() -> list<u8>;\n"));
        }
        world.push_str("}\n");
        let pkg = resolve.push_str("world.wit", &world).ok()?;
        let world = resolve.select_world(&[pkg], Some("w")).ok()?;
        let mut module = wit_component::dummy_module(&resolve, world, ManglingAndAbi::Standard32);
        wit_component::embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8)
            .ok()?;
        ComponentEncoder::default()
            .module(&module)
            .ok()?
            .validate(true)
            .encode()
            .ok()
    }
}
