//! Input generators: components (encoded from random WIT worlds, wrapped around wasm-smith core
//! modules, or made by wasm-smith's component generator), the seed corpus of `fuzz/seeds/`,
//! custom sections wash reads, and mutations of any of them.

use std::collections::HashMap;

use arbitrary::Unstructured;
use wasm_encoder::{Component, ComponentSectionId, CustomSection, ModuleArg, RawSection};
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::{ManglingAndAbi, Resolve};

use crate::Rng;
use crate::mutate;

mod wit;

pub use wit::{Library, WorldSpec};

/// The seed corpus: components written as WAT, and the text formats wash reads.
pub mod seeds {
    /// Components, as WAT.
    pub const COMPONENTS: &[&str] = &[
        include_str!("../../seeds/empty.wat"),
        include_str!("../../seeds/lifted.wat"),
        include_str!("../../seeds/wasi-imports.wat"),
        include_str!("../../seeds/nested.wat"),
    ];
    /// An OCI image manifest as `wash push` writes it.
    pub const OCI_MANIFEST: &str = include_str!("../../seeds/oci-manifest.json");
    /// A Wasm artifact config blob.
    pub const OCI_CONFIG: &str = include_str!("../../seeds/oci-config.json");
    /// An installed plugin's `plugin.json`.
    pub const PLUGIN_MANIFEST: &str = include_str!("../../seeds/plugin.json");
    /// `docs/config.md`, whose TOML examples are the `config` seeds.
    pub const CONFIG_DOC: &str = include_str!("../../../docs/config.md");
    /// The WASI WIT the virtual adapters are built against (WASI 0.2.12), dependencies first.
    pub const WASI: &[(&str, &str)] = &[
        (
            "io.wit",
            include_str!("../../../crates/wash-virt-adapter/wit/deps/io.wit"),
        ),
        (
            "random.wit",
            include_str!("../../../crates/wash-virt-adapter/wit/deps/random.wit"),
        ),
        (
            "clocks.wit",
            include_str!("../../../crates/wash-virt-adapter/wit/deps/clocks.wit"),
        ),
        (
            "filesystem.wit",
            include_str!("../../../crates/wash-virt-adapter/wit/deps/filesystem.wit"),
        ),
        (
            "sockets.wit",
            include_str!("../../../crates/wash-virt-adapter/wit/deps/sockets.wit"),
        ),
        (
            "cli.wit",
            include_str!("../../../crates/wash-virt-adapter/wit/deps/cli.wit"),
        ),
        (
            "http.wit",
            include_str!("../../../crates/wash-virt-adapter/wit/deps/http.wit"),
        ),
    ];

    /// The ```toml blocks of a Markdown document.
    pub fn toml_blocks(doc: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut current: Option<String> = None;
        for line in doc.lines() {
            match &mut current {
                None if line.trim_start().starts_with("```toml") => current = Some(String::new()),
                Some(block) if line.trim_start().starts_with("```") => {
                    out.push(std::mem::take(block));
                    current = None;
                }
                Some(block) => {
                    block.push_str(line);
                    block.push('\n');
                }
                None => {}
            }
        }
        out
    }
}

/// Custom sections wash (or the crates it reads metadata with) interprets.
pub const SECTION_NAMES: &[&str] = &[
    "signature",
    "signature_delimiter",
    wash::virt::REPORT_SECTION,
    "component-name",
    "name",
    "producers",
    "version",
    "description",
    "authors",
    "licenses",
    "source",
    "homepage",
    "revision",
    "component-type:wit-bindgen:0.1:w:encoded world",
];

/// The shared state of input generation: the PRNG, recent inputs to splice, and parsed WASI
/// packages by version.
pub struct Gen {
    /// The PRNG every choice comes from.
    pub rng: Rng,
    recent: Vec<Vec<u8>>,
    wasi: HashMap<String, Option<Resolve>>,
}

impl Gen {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Gen {
        Gen {
            rng: Rng::new(seed),
            recent: Vec::new(),
            wasi: HashMap::new(),
        }
    }

    /// Keeps some executed inputs to splice into later ones.
    pub fn keep(&mut self, input: Vec<u8>) {
        if input.len() > 256 << 10 || !self.rng.one_in(4) {
            return;
        }
        if self.recent.len() < 64 {
            self.recent.push(input);
        } else {
            let i = self.rng.below(self.recent.len());
            self.recent[i] = input;
        }
    }

    /// A recently executed input, if any.
    pub fn recent(&mut self) -> Option<Vec<u8>> {
        (!self.recent.is_empty()).then(|| self.recent[self.rng.below(self.recent.len())].clone())
    }

    /// `data`, mutated (spliced with a recent input now and then).
    pub fn mutated(&mut self, mut data: Vec<u8>) -> Vec<u8> {
        let other = if self.rng.one_in(3) {
            self.recent()
        } else {
            None
        };
        mutate::mutate(&mut self.rng, &mut data, other.as_deref());
        data
    }

    /// Any component input: well-formed most of the time, mutated a third of the time.
    pub fn component(&mut self) -> Vec<u8> {
        let bytes = self.valid_component();
        if self.rng.one_in(3) {
            self.mutated(bytes)
        } else {
            bytes
        }
    }

    /// A component from one of the sources, unmutated (wasm-smith's components may still be
    /// invalid: its component generator is unfinished).
    pub fn valid_component(&mut self) -> Vec<u8> {
        let made = match self.rng.below(10) {
            0..=3 => {
                let lib = self.library();
                let spec = self.world_spec(&lib);
                self.wit_component(&lib, &spec)
            }
            4..=5 => self.smith_wrapped(),
            6 => self.smith_component(),
            // Recent inputs are only spliced: they are framed differently per target.
            _ => None,
        };
        let bytes = made.unwrap_or_else(|| self.seed_component());
        if self.rng.one_in(3) {
            self.with_custom_sections(bytes)
        } else {
            bytes
        }
    }

    /// One of `fuzz/seeds/*.wat`, encoded.
    pub fn seed_component(&mut self) -> Vec<u8> {
        let wat = *self.rng.pick(seeds::COMPONENTS);
        wat::parse_str(wat).expect("the seed components parse")
    }

    /// A valid core module from wasm-smith.
    pub fn smith_module(&mut self) -> Option<Vec<u8>> {
        let n = self.rng.range(64, 4096);
        let data = self.rng.bytes(n);
        let mut u = Unstructured::new(&data);
        let config = if self.rng.coin() {
            u.arbitrary().ok()?
        } else {
            wasm_smith::Config {
                max_funcs: 20,
                max_imports: if self.rng.coin() { 0 } else { 10 },
                ..wasm_smith::Config::default()
            }
        };
        wasm_smith::Module::new(config, &mut u)
            .ok()
            .map(|m| m.to_bytes())
    }

    /// A component holding wasm-smith core modules (instantiated when they import nothing),
    /// nested components, and custom sections.
    pub fn smith_wrapped(&mut self) -> Option<Vec<u8>> {
        let mut component = self.wrap_level(2)?;
        if self.rng.coin() {
            component = self.with_custom_sections(component);
        }
        Some(component)
    }

    fn wrap_level(&mut self, depth: u32) -> Option<Vec<u8>> {
        let mut c = Component::new();
        let mut modules = 0;
        for _ in 0..self.rng.range(0, 3) {
            match self.rng.below(3) {
                0 | 1 => {
                    let m = self.smith_module()?;
                    c.section(&RawSection {
                        id: ComponentSectionId::CoreModule as u8,
                        data: &m,
                    });
                    if !has_imports(&m) && self.rng.coin() {
                        let mut instances = wasm_encoder::InstanceSection::new();
                        instances.instantiate(modules, Vec::<(&str, ModuleArg)>::new());
                        c.section(&instances);
                    }
                    modules += 1;
                }
                _ if depth > 0 => {
                    let inner = self.wrap_level(depth - 1)?;
                    c.section(&RawSection {
                        id: ComponentSectionId::Component as u8,
                        data: &inner,
                    });
                }
                _ => {}
            }
            if self.rng.one_in(3) {
                c.section(&self.custom_section());
            }
        }
        Some(c.finish())
    }

    /// A component from wasm-smith's (unfinished) component generator.
    pub fn smith_component(&mut self) -> Option<Vec<u8>> {
        let n = self.rng.range(64, 4096);
        let data = self.rng.bytes(n);
        let mut u = Unstructured::new(&data);
        let config = wasm_smith::Config {
            max_funcs: 10,
            ..wasm_smith::Config::default()
        };
        wasm_smith::Component::new(config, &mut u)
            .ok()
            .map(|c| c.to_bytes())
    }

    /// One custom section wash reads, with well-formed or random contents.
    pub fn custom_section(&mut self) -> CustomSection<'static> {
        let name = *self.rng.pick(SECTION_NAMES);
        let data: Vec<u8> = match name {
            "wash:virt" if self.rng.coin() => virt_report_json(&mut self.rng),
            "producers" if self.rng.coin() => {
                let mut p = wasm_metadata::Producers::empty();
                p.add("language", "Rust", "1.95");
                p.add("processed-by", "wash", &format!("{}", self.rng.below(100)));
                // `raw_custom_section` is a whole section: keep its payload only.
                custom_payload(&p.raw_custom_section()).unwrap_or_default()
            }
            "version" | "description" | "authors" | "licenses" | "source" | "homepage"
            | "revision" => {
                let n = self.rng.below(40);
                String::from_utf8_lossy(&self.rng.bytes(n))
                    .into_owned()
                    .into_bytes()
            }
            _ => {
                let n = self.rng.below(64);
                self.rng.bytes(n)
            }
        };
        CustomSection {
            name: name.into(),
            data: data.into(),
        }
    }

    /// `bytes` with custom sections appended at its top level.
    pub fn with_custom_sections(&mut self, mut bytes: Vec<u8>) -> Vec<u8> {
        for _ in 0..self.rng.range(1, 3) {
            let section = self.custom_section();
            bytes.push(0); // custom section id; `encode` writes its size, name and data
            wasm_encoder::Encode::encode(&section, &mut bytes);
        }
        bytes
    }

    /// Text: one of `seeds`, mutated as bytes most of the time.
    pub fn text(&mut self, seeds: &[String]) -> Vec<u8> {
        let seed = self.rng.pick(seeds).clone().into_bytes();
        if self.rng.one_in(4) {
            seed
        } else {
            self.mutated(seed)
        }
    }
}

fn has_imports(module: &[u8]) -> bool {
    wasmparser::Parser::new(0)
        .parse_all(module)
        .any(|p| matches!(p, Ok(wasmparser::Payload::ImportSection(_))))
}

/// The payload of an encoded custom section (`0x00, size, name, payload`).
fn custom_payload(section: &[u8]) -> Option<Vec<u8>> {
    let mut reader = wasmparser::BinaryReader::new(section.get(1..)?, 0);
    let size = reader.read_var_u32().ok()? as usize;
    let start = 1 + reader.original_position() as usize;
    let body = section.get(start..start + size)?;
    let mut reader = wasmparser::BinaryReader::new(body, 0);
    reader.read_string().ok()?;
    body.get(reader.original_position() as usize..)
        .map(<[u8]>::to_vec)
}

/// A `wash:virt` report as `wash virt` writes it, with random contents.
pub fn virt_report_json(rng: &mut Rng) -> Vec<u8> {
    let names = [
        "env",
        "io",
        "deny-clocks",
        "wasi:cli/environment@0.2.6",
        "\u{1b}[31m",
        "",
    ];
    let mut pick = |n: usize| -> Vec<String> {
        (0..rng.below(n))
            .map(|_| rng.pick(&names).to_string())
            .collect()
    };
    let report = serde_json::json!({
        "env": pick(3),
        "allow_env": pick(2),
        "deny": ["clocks", "random"],
        "deny_stdio": pick(2),
        "ignore_stdio": pick(2),
        "mounts": pick(2),
        "virtualized": [{"import": "wasi:cli/environment@0.2.6", "adapter": "env"}],
        "not_imported": pick(2),
    });
    serde_json::to_vec(&report).unwrap_or_default()
}

/// Parts of one input, each length-prefixed (`u32` little-endian), so that one byte string can
/// carry several files. Decoding is total: a length past the end takes what is left.
pub mod parts {
    /// Frames `parts` into one input.
    pub fn encode(parts: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in parts {
            out.extend_from_slice(&(p.len() as u32).to_le_bytes());
            out.extend_from_slice(p);
        }
        out
    }

    /// The parts of `input`, at most `max`.
    pub fn decode(mut input: &[u8], max: usize) -> Vec<&[u8]> {
        let mut out = Vec::new();
        while input.len() >= 4 && out.len() < max {
            let n = u32::from_le_bytes([input[0], input[1], input[2], input[3]]) as usize;
            let rest = &input[4..];
            let n = n.min(rest.len());
            out.push(&rest[..n]);
            input = &rest[n..];
        }
        out
    }
}
