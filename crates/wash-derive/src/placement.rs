//! Where each derived type goes: the one interface that uses it, or the shared `types`.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Interface, Package, PackageName, TypeDef};

/// The name of the interface that holds types used by several interfaces (or by none).
pub const SHARED_TYPES: &str = "types";

/// Puts each type in the one interface that uses it, or in the shared `types` interface when
/// several (or none) do, and adds the `use` lines that need.
pub(crate) fn place_types(
    name: PackageName,
    mut interfaces: Vec<Interface>,
    defs: Vec<TypeDef>,
) -> Package {
    let by_name: BTreeMap<&str, &TypeDef> = defs.iter().map(|d| (d.name.as_str(), d)).collect();
    // Which interfaces reach each type, through signatures and then through type definitions.
    let mut reach: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for (i, iface) in interfaces.iter().enumerate() {
        let mut stack = Vec::new();
        for f in &iface.funcs {
            f.params.iter().for_each(|(_, t)| t.named(&mut stack));
            if let Some(r) = &f.result {
                r.named(&mut stack);
            }
        }
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if seen.insert(n.clone()) {
                if let Some(d) = by_name.get(n.as_str()) {
                    stack.extend(d.mentions());
                }
                reach.entry(n).or_default().insert(i);
            }
        }
    }
    let home = |d: &TypeDef| -> Option<usize> {
        match reach.get(&d.name) {
            Some(set) if set.len() == 1 => set.iter().next().copied(),
            _ => None,
        }
    };
    let mut shared = Vec::new();
    let mut homes: BTreeMap<String, Option<usize>> = BTreeMap::new();
    for d in defs.iter() {
        let h = home(d);
        homes.insert(d.name.clone(), h);
        match h {
            Some(i) => interfaces[i].types.push(d.clone()),
            None => shared.push(d.clone()),
        }
    }
    // What each interface mentions that lives in `types`.
    for iface in interfaces.iter_mut() {
        let mut mentioned = Vec::new();
        for f in &iface.funcs {
            f.params.iter().for_each(|(_, t)| t.named(&mut mentioned));
            if let Some(r) = &f.result {
                r.named(&mut mentioned);
            }
        }
        for d in &iface.types {
            mentioned.extend(d.mentions());
        }
        let used: BTreeSet<String> = mentioned
            .into_iter()
            .filter(|n| homes.get(n).is_some_and(|h| h.is_none()))
            .collect();
        if !used.is_empty() {
            iface
                .uses
                .push((SHARED_TYPES.to_string(), used.into_iter().collect()));
        }
    }
    if !shared.is_empty() {
        interfaces.insert(
            0,
            Interface {
                name: SHARED_TYPES.to_string(),
                rust_trait: None,
                uses: Vec::new(),
                types: shared,
                funcs: Vec::new(),
                docs: vec!["Types shared by this package's interfaces.".to_string()],
            },
        );
    }
    Package {
        name,
        interfaces,
        exports: Vec::new(),
    }
}
