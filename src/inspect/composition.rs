//! The components nested in a composed component, named by the instance names composition
//! recorded (wac-graph writes them to the `component-name` section; `wash virt` names the
//! instances it creates), else by the module name of their code (`wash compose` and `wash
//! build` record no names, as `wac plug` records none).

use std::collections::HashMap;
use std::ops::Range;

use wasmparser::{
    BinaryReader, Chunk, ComponentAlias, ComponentExternalKind, ComponentInstance, ComponentName,
    ComponentNameSectionReader, ComponentTypeRef, Parser, Payload,
};

/// One component instantiated inside another.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Part {
    /// The instance's recorded name, else `component <index>`.
    pub name: String,
    /// The nested component's size in bytes.
    pub size: u64,
    /// What it exports.
    pub exports: Vec<String>,
    /// The components nested in it, if it is itself composed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
}

/// The components instantiated at the top level of `bytes` (empty for a component that is not
/// a composition: those hold core modules only).
pub fn parts(bytes: &[u8]) -> Vec<Part> {
    let mut components: Vec<Option<Range<usize>>> = Vec::new();
    let mut instances: Vec<Option<u32>> = Vec::new();
    let mut exports = Vec::new();
    let mut names: HashMap<u32, String> = HashMap::new();
    walk(bytes, |payload| match payload {
        Payload::ComponentImportSection(reader) => {
            for import in reader.into_iter().flatten() {
                match import.ty {
                    ComponentTypeRef::Instance(_) => instances.push(None),
                    ComponentTypeRef::Component(_) => components.push(None),
                    _ => {}
                }
            }
        }
        Payload::ComponentSection {
            unchecked_range, ..
        } => components.push(Some(
            unchecked_range.start as usize..unchecked_range.end as usize,
        )),
        Payload::ComponentInstanceSection(reader) => {
            for instance in reader.into_iter().flatten() {
                instances.push(match instance {
                    ComponentInstance::Instantiate {
                        component_index, ..
                    } => Some(component_index),
                    ComponentInstance::FromExports(_) => None,
                });
            }
        }
        Payload::ComponentAliasSection(reader) => {
            for alias in reader.into_iter().flatten() {
                let kind = match alias {
                    ComponentAlias::InstanceExport { kind, .. } => Some(kind),
                    ComponentAlias::Outer { .. } | ComponentAlias::CoreInstanceExport { .. } => {
                        None
                    }
                };
                match kind {
                    Some(ComponentExternalKind::Instance) => instances.push(None),
                    Some(ComponentExternalKind::Component) => components.push(None),
                    _ => {}
                }
            }
        }
        Payload::ComponentExportSection(reader) => {
            for export in reader.into_iter().flatten() {
                exports.push(export.name.name.to_string());
                match export.kind {
                    ComponentExternalKind::Instance => instances.push(None),
                    ComponentExternalKind::Component => components.push(None),
                    _ => {}
                }
            }
        }
        Payload::CustomSection(c) if c.name() == "component-name" => {
            let reader =
                ComponentNameSectionReader::new(BinaryReader::new(c.data(), c.data_offset()));
            for name in reader.into_iter().flatten() {
                if let ComponentName::Instances(map) = name {
                    for naming in map.into_iter().flatten() {
                        names.insert(naming.index, naming.name.to_string());
                    }
                }
            }
        }
        _ => {}
    });
    instances
        .iter()
        .enumerate()
        .filter_map(|(i, instance)| {
            let component = (*instance)?;
            let range = components.get(component as usize)?.clone()?;
            let nested = bytes.get(range)?;
            // Components without code are the export shims wit-component generates.
            if !has_code(nested) {
                return None;
            }
            Some(Part {
                name: names
                    .get(&(i as u32))
                    .cloned()
                    .or_else(|| code_name(nested))
                    .unwrap_or_else(|| format!("component {component}")),
                size: nested.len() as u64,
                exports: top_level_exports(nested),
                parts: parts(nested),
            })
        })
        .collect()
}

fn has_code(bytes: &[u8]) -> bool {
    let mut found = false;
    walk(bytes, |payload| {
        found |= matches!(
            payload,
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. }
        );
    });
    found
}

/// The name the linker gave a component's largest core module (`greeter` for the module
/// `greeter.wasm`, which is what cargo's linker names a crate's), for an instance composition
/// did not name: `wash compose` names none, so that its output is no larger than `wac plug`'s.
fn code_name(component: &[u8]) -> Option<String> {
    let mut largest: Option<(usize, String)> = None;
    walk(component, |payload| {
        let Payload::ModuleSection {
            unchecked_range, ..
        } = payload
        else {
            return;
        };
        let range = unchecked_range.start as usize..unchecked_range.end as usize;
        let Some(module) = component.get(range) else {
            return;
        };
        if largest
            .as_ref()
            .is_some_and(|(size, _)| *size >= module.len())
        {
            return;
        }
        let mut name = None;
        walk(module, |payload| {
            if let Payload::CustomSection(c) = payload
                && c.name() == "name"
            {
                let reader = wasmparser::NameSectionReader::new(BinaryReader::new(
                    c.data(),
                    c.data_offset(),
                ));
                for n in reader.into_iter().flatten() {
                    if let wasmparser::Name::Module { name: n, .. } = n {
                        name = Some(crate_name(n));
                    }
                }
            }
        });
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            largest = Some((module.len(), name));
        }
    });
    largest.map(|(_, name)| name)
}

/// `greeter` for `greeter.wasm`, and for cargo's `greeter-0123456789abcdef` (a dependency's
/// file, hashed).
fn crate_name(module: &str) -> String {
    let name = module.strip_suffix(".wasm").unwrap_or(module);
    match name.rsplit_once('-') {
        Some((stem, hash))
            if !stem.is_empty()
                && hash.len() == 16
                && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            stem.to_string()
        }
        _ => name.to_string(),
    }
}

fn top_level_exports(bytes: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    walk(bytes, |payload| {
        if let Payload::ComponentExportSection(reader) = payload {
            names.extend(
                reader
                    .into_iter()
                    .flatten()
                    .map(|e| e.name.name.to_string()),
            );
        }
    });
    names
}

/// Calls `visit` with each top-level payload, stepping over nested modules and components.
fn walk(bytes: &[u8], mut visit: impl FnMut(Payload<'_>)) {
    let mut parser = Parser::new(0);
    let mut offset = 0;
    // A nested module's or component's size is not checked against the bytes left until it is
    // parsed, and it is stepped over here, not parsed: a truncated file can put `offset` past
    // the end.
    while let Some(rest) = bytes.get(offset..)
        && let Ok(Chunk::Parsed { consumed, payload }) = parser.parse(rest, true)
    {
        offset += consumed;
        let skip = match &payload {
            Payload::ModuleSection {
                unchecked_range, ..
            }
            | Payload::ComponentSection {
                unchecked_range, ..
            } => (unchecked_range.end - unchecked_range.start) as usize,
            _ => 0,
        };
        let end = matches!(payload, Payload::End(_));
        visit(payload);
        offset += skip;
        if end {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn crate_names_from_module_names() {
        assert_eq!(super::crate_name("greeter.wasm"), "greeter");
        assert_eq!(
            super::crate_name("greet_caller-afec55960c5ac5eb"),
            "greet_caller"
        );
        assert_eq!(super::crate_name("my-app"), "my-app");
        assert_eq!(
            super::crate_name("x-0123456789abcdefg"),
            "x-0123456789abcdefg"
        );
    }
}
