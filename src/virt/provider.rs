//! The tiny generated component that serves an adapter its configuration blob
//! (`wash:virt/env-config.get`, `wash:virt/fs-config.get`; `wash_virt_wire` defines the blobs).

use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, ExportKind, ExportSection, Function, FunctionSection,
    MemorySection, MemoryType, Module, TypeSection, ValType,
};
use wit_component::{ComponentEncoder, StringEncoding};

/// A component exporting a config interface (`export`: `wash:virt/env-config@0.1.0#get`)
/// whose `get` returns `blob`: a core module whose memory holds the blob (at 8) behind its list
/// header (at 0), wrapped by wit-component.
pub(crate) fn provider_component(
    export: &str,
    blob: &[u8],
    resolve: &wit_parser::Resolve,
    world: wit_parser::WorldId,
) -> Result<Vec<u8>, String> {
    const HEADER: u32 = 8;
    // Every length in the blob is a `u32`: a blob that fits has them all exact.
    if blob.len() > (u32::MAX - HEADER) as usize {
        return Err(format!(
            "the configuration is {} bytes; a component's memory holds at most 4 GiB",
            blob.len()
        ));
    }
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
    exports.export(export, ExportKind::Func, 0);
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
