//! The environment configuration baked into a virtualized component, and the tiny generated
//! component that serves it to the env adapter (`wash:virt/env-config.get`).

use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, ExportKind, ExportSection, Function, FunctionSection,
    MemorySection, MemoryType, Module, TypeSection, ValType,
};
use wit_component::{ComponentEncoder, StringEncoding};

/// Baked-in variables and the host variables let through.
#[derive(Debug, Clone, Default)]
pub(crate) struct EnvConfig<'a> {
    pub(crate) vars: &'a [(String, String)],
    pub(crate) allow: &'a [String],
}

impl EnvConfig<'_> {
    /// The encoding the adapter decodes (`crates/wash-virt-adapter/src/env.rs`): little-endian
    /// `u32` counts and lengths; `*` in the allow list lets every host variable through.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let string = |out: &mut Vec<u8>, s: &str| {
            out.extend((s.len() as u32).to_le_bytes());
            out.extend(s.as_bytes());
        };
        out.extend((self.vars.len() as u32).to_le_bytes());
        for (k, v) in self.vars {
            string(&mut out, k);
            string(&mut out, v);
        }
        let named: Vec<&String> = self.allow.iter().filter(|n| *n != "*").collect();
        out.extend((named.len() as u32).to_le_bytes());
        for n in named {
            string(&mut out, n);
        }
        out.push(u8::from(self.allow.iter().any(|n| n == "*")));
        out
    }
}

/// A component exporting `wash:virt/env-config` whose `get` returns `blob`: a core module whose
/// memory holds the blob (at 8) behind its list header (at 0), wrapped by wit-component.
pub(crate) fn provider_component(
    blob: &[u8],
    resolve: &wit_parser::Resolve,
    world: wit_parser::WorldId,
) -> Result<Vec<u8>, String> {
    const HEADER: u32 = 8;
    let mut types = TypeSection::new();
    types.ty().function([], [ValType::I32]);
    let mut funcs = FunctionSection::new();
    funcs.function(0);
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: (HEADER as u64 + blob.len() as u64).div_ceil(65536).max(1),
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut exports = ExportSection::new();
    exports.export("memory", ExportKind::Memory, 0);
    exports.export("wash:virt/env-config@0.1.0#get", ExportKind::Func, 0);
    let mut code = CodeSection::new();
    let mut get = Function::new([]);
    // The result is returned in memory: a pointer to (list pointer, list length).
    get.instructions().i32_const(0).end();
    code.function(&get);
    let mut data = DataSection::new();
    let mut header = HEADER.to_le_bytes().to_vec();
    header.extend((blob.len() as u32).to_le_bytes());
    data.active(0, &ConstExpr::i32_const(0), header);
    data.active(
        0,
        &ConstExpr::i32_const(HEADER as i32),
        blob.iter().copied(),
    );

    let mut module = Module::new();
    module
        .section(&types)
        .section(&funcs)
        .section(&memories)
        .section(&exports)
        .section(&code)
        .section(&data);
    let mut module = module.finish();
    wit_component::embed_component_metadata(&mut module, resolve, world, StringEncoding::UTF8)
        .map_err(|e| format!("{e:#}"))?;
    ComponentEncoder::default()
        .module(&module)
        .and_then(|e| e.validate(true).encode())
        .map_err(|e| format!("{e:#}"))
}
