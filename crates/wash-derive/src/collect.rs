//! Gathering a crate's annotated items and deriving its WIT package from them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Item, ReturnType, Type};

use crate::Error;
use crate::items::{docs, enumeration, flags, function, interface, record};
use crate::model::{Package, PackageName, TypeDef, TypeKind};
use crate::names::{Case, wit_name};
use crate::placement::{SHARED_TYPES, place_types};
use crate::types::Known;

/// One parsed source file and the module path it holds (`["api", "v1"]` for `crate::api::v1`).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its module path from the crate root.
    pub module: Vec<String>,
    /// Its items.
    pub file: syn::File,
}

impl SourceFile {
    /// A source file at the crate root.
    pub fn new(path: impl Into<PathBuf>, file: syn::File) -> SourceFile {
        SourceFile {
            path: path.into(),
            module: Vec::new(),
            file,
        }
    }
}

/// An annotated item, where it was found.
#[derive(Debug, Clone)]
struct Found<T> {
    item: T,
    file: PathBuf,
    module: Vec<String>,
}

impl<T> Found<T> {
    fn rust_path(&self, ident: &syn::Ident) -> String {
        let mut p = vec!["crate".to_string()];
        p.extend(self.module.iter().cloned());
        p.push(ident.to_string());
        p.join("::")
    }
}

/// What kind of type item it is.
#[derive(Debug, Clone)]
enum TypeItem {
    /// `#[derive(wash::Type)]` struct or enum.
    Data(Item),
    /// `#[derive(wash::Flags)]` struct.
    Flags(syn::ItemStruct),
    /// `#[wash::resource]` struct.
    Resource(syn::ItemStruct),
}

/// The annotated items of a crate.
#[derive(Debug, Default, Clone)]
pub struct CrateItems {
    interfaces: Vec<Found<syn::ItemTrait>>,
    types: Vec<Found<TypeItem>>,
    resource_impls: Vec<Found<syn::ItemImpl>>,
    exports: Vec<Found<syn::ItemImpl>>,
    /// Types defined elsewhere in the crate, when checking one item on its own.
    external: Known,
}

/// An `#[wash::export] impl Trait for Type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportImpl {
    /// The trait's name.
    pub trait_name: String,
    /// The implementing type, as written.
    pub self_ty: String,
    /// The module the impl is in.
    pub module: Vec<String>,
}

impl CrateItems {
    /// Finds the annotated items in these files (and the inline modules inside them).
    pub fn collect(files: &[SourceFile]) -> CrateItems {
        let mut items = CrateItems::default();
        for f in files {
            items.visit(&f.file.items, &f.path, &f.module);
        }
        items
    }

    fn visit(&mut self, items: &[Item], file: &PathBuf, module: &[String]) {
        let found = |item| Found {
            item,
            file: file.clone(),
            module: module.to_vec(),
        };
        for item in items {
            match item {
                Item::Trait(t) if has_attr(&t.attrs, "interface") => {
                    self.interfaces.push(found(t.clone()))
                }
                Item::Struct(s) if has_attr(&s.attrs, "resource") => self.types.push(Found {
                    item: TypeItem::Resource(s.clone()),
                    file: file.clone(),
                    module: module.to_vec(),
                }),
                Item::Struct(s) if derives(&s.attrs, "Flags") => self.types.push(Found {
                    item: TypeItem::Flags(s.clone()),
                    file: file.clone(),
                    module: module.to_vec(),
                }),
                Item::Struct(s) if derives(&s.attrs, "Type") => self.types.push(Found {
                    item: TypeItem::Data(item.clone()),
                    file: file.clone(),
                    module: module.to_vec(),
                }),
                Item::Enum(e) if derives(&e.attrs, "Type") => self.types.push(Found {
                    item: TypeItem::Data(item.clone()),
                    file: file.clone(),
                    module: module.to_vec(),
                }),
                Item::Impl(i) if has_attr(&i.attrs, "resource") => {
                    self.resource_impls.push(found_impl(i, file, module))
                }
                Item::Impl(i) if has_attr(&i.attrs, "export") && i.trait_.is_some() => {
                    self.exports.push(found_impl(i, file, module))
                }
                Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        let mut sub = module.to_vec();
                        sub.push(m.ident.to_string());
                        self.visit(inner, file, &sub);
                    }
                }
                _ => {}
            }
        }
    }

    /// Whether the crate defines anything WIT is derived from.
    pub fn is_empty(&self) -> bool {
        self.interfaces.is_empty() && self.types.is_empty()
    }

    /// The `#[wash::export]` impls, in source order.
    pub fn export_impls(&self) -> Vec<ExportImpl> {
        self.exports
            .iter()
            .map(|e| ExportImpl {
                trait_name: export_trait_name(&e.item),
                self_ty: quote::ToTokens::to_token_stream(&e.item.self_ty).to_string(),
                module: e.module.clone(),
            })
            .collect()
    }

    /// Checks one item (with its real tokens, so errors point into the user's code) against
    /// the types the rest of the crate defines.
    pub fn check_item(&self, item: &Item) -> Vec<Error> {
        let mut single = CrateItems::collect(&[SourceFile::new(
            "",
            syn::File {
                shebang: None,
                attrs: Vec::new(),
                items: vec![item.clone()],
            },
        )]);
        single.external = self.known().unwrap_or_default();
        match single.derive(&PackageName::new("check", "check", None)) {
            Ok(_) => Vec::new(),
            Err(errors) => errors,
        }
    }

    /// The named types the crate defines; `None` if their names have problems.
    fn known(&self) -> Option<Known> {
        let mut known = Known::new();
        for t in &self.types {
            let (ident, is_resource) = type_ident(&t.item);
            let wit = wit_name(&ident.to_string(), Case::Camel).ok()?;
            known.insert(ident.to_string(), (wit, is_resource));
        }
        Some(known)
    }

    /// Derives the package. Every problem found is returned, each pointing at its source.
    pub fn derive(&self, name: &PackageName) -> Result<Package, Vec<Error>> {
        let mut errors = Vec::new();
        let mut known = self.external.clone();
        let mut seen_wit: BTreeMap<String, String> = BTreeMap::new();
        let rust_path = |t: &Found<TypeItem>, ident: &syn::Ident| t.rust_path(ident);
        for t in &self.types {
            let (ident, is_resource) = match &t.item {
                TypeItem::Data(Item::Struct(s)) => (&s.ident, false),
                TypeItem::Data(Item::Enum(e)) => (&e.ident, false),
                TypeItem::Data(_) => unreachable!("only structs and enums are collected"),
                TypeItem::Flags(s) => (&s.ident, false),
                TypeItem::Resource(s) => (&s.ident, true),
            };
            match wit_name(&ident.to_string(), Case::Camel) {
                Ok(wit) => {
                    let path = rust_path(t, ident);
                    if let Some(other) = seen_wit.insert(wit.clone(), path.clone()) {
                        errors.push(located(
                            Error::new(
                                ident.span(),
                                format!(
                                    "`{path}` and `{other}` both become `{wit}` in WIT; rename one"
                                ),
                            ),
                            &t.file,
                        ));
                    }
                    known.insert(ident.to_string(), (wit, is_resource));
                }
                Err(m) => errors.push(located(Error::new(ident.span(), m), &t.file)),
            }
        }

        let mut defs = Vec::new();
        for t in &self.types {
            match self.type_def(t, &known) {
                Ok(d) => defs.push(d),
                Err(e) => errors.extend(e.into_iter().map(|e| located(e, &t.file))),
            }
        }
        for imp in &self.resource_impls {
            let ident = impl_ident(&imp.item);
            if !matches!(known.get(&ident), Some((_, true))) {
                errors.push(located(
                    Error::new(
                        imp.item.self_ty.span(),
                        format!("`#[wash::resource]` methods for `{ident}`, but `{ident}` is not declared a resource: put `#[wash::resource]` on `struct {ident}` too"),
                    ),
                    &imp.file,
                ));
            }
        }

        let mut interfaces = Vec::new();
        let mut iface_names = BTreeMap::new();
        for t in &self.interfaces {
            match interface(&t.item, &known) {
                Ok(mut iface) => {
                    if let Some(prev) =
                        iface_names.insert(iface.name.clone(), t.item.ident.to_string())
                    {
                        errors.push(located(
                            Error::new(
                                t.item.ident.span(),
                                format!(
                                    "`{}` and `{prev}` both become interface `{}`; rename one",
                                    t.item.ident, iface.name
                                ),
                            ),
                            &t.file,
                        ));
                    }
                    iface.rust_trait = Some(t.rust_path(&t.item.ident));
                    interfaces.push(iface);
                }
                Err(e) => errors.extend(e.into_iter().map(|e| located(e, &t.file))),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let exported: Vec<String> = self
            .exports
            .iter()
            .map(|e| export_trait_name(&e.item))
            .collect();
        let mut pkg = place_types(name.clone(), interfaces, defs);
        pkg.exports = pkg
            .interfaces
            .iter()
            .filter(|i| match &i.rust_trait {
                _ if exported.is_empty() => true,
                Some(path) => exported
                    .iter()
                    .any(|t| path.rsplit("::").next() == Some(t.as_str())),
                None => false,
            })
            .map(|i| i.name.clone())
            .collect();
        // An exported interface's shared types are exported with it, not imported from nowhere.
        let uses_shared = pkg.interfaces.iter().any(|i| {
            pkg.exports.contains(&i.name) && i.uses.iter().any(|(from, _)| from == SHARED_TYPES)
        });
        if uses_shared && !pkg.exports.iter().any(|e| e == SHARED_TYPES) {
            pkg.exports.insert(0, SHARED_TYPES.to_string());
        }
        Ok(pkg)
    }

    fn type_def(&self, t: &Found<TypeItem>, known: &Known) -> Result<TypeDef, Vec<Error>> {
        let (ident, attrs, generics) = match &t.item {
            TypeItem::Data(Item::Struct(s)) | TypeItem::Flags(s) | TypeItem::Resource(s) => {
                (&s.ident, &s.attrs, &s.generics)
            }
            TypeItem::Data(Item::Enum(e)) => (&e.ident, &e.attrs, &e.generics),
            TypeItem::Data(_) => unreachable!("only structs and enums are collected"),
        };
        if !generics.params.is_empty() {
            return Err(vec![Error::new(
                generics.span(),
                "WIT has no generics: define a concrete type for each use",
            )]);
        }
        // A name that failed to convert has already been reported.
        let Some((name, _)) = known.get(&ident.to_string()).cloned() else {
            return Err(Vec::new());
        };
        let kind = match &t.item {
            TypeItem::Data(Item::Struct(s)) => record(s, known)?,
            TypeItem::Data(Item::Enum(e)) => enumeration(e, known)?,
            TypeItem::Data(_) => unreachable!("only structs and enums are collected"),
            TypeItem::Flags(s) => flags(s)?,
            TypeItem::Resource(s) => self.resource(s, known)?,
        };
        Ok(TypeDef {
            name,
            rust_path: t.rust_path(ident),
            kind,
            docs: docs(attrs),
        })
    }

    fn resource(&self, s: &syn::ItemStruct, known: &Known) -> Result<TypeKind, Vec<Error>> {
        let ident = s.ident.to_string();
        let (mut constructor, mut methods, mut statics, mut errors) =
            (None, Vec::new(), Vec::new(), Vec::new());
        for imp in self
            .resource_impls
            .iter()
            .filter(|i| impl_ident(&i.item) == ident)
        {
            for item in &imp.item.items {
                let syn::ImplItem::Fn(f) = item else { continue };
                let sig = &f.sig;
                let receiver = sig.inputs.first().and_then(|a| match a {
                    FnArg::Receiver(r) => Some(r),
                    FnArg::Typed(_) => None,
                });
                let result = match receiver {
                    Some(r) if r.reference.is_none() => Err(vec![Error::new(
                        r.span(),
                        "a resource method cannot take `self` by value (the caller keeps its handle); take `&self`",
                    )]),
                    Some(r) if r.mutability.is_some() => Err(vec![Error::new(
                        r.span(),
                        "resource methods take `&self`: several callers may hold the same resource; keep mutable state in a `Cell` or `RefCell`",
                    )]),
                    Some(_) => function(sig, known, true).map(|f| methods.push(f)),
                    None if sig.ident == "new" => {
                        let returns_self = matches!(&sig.output, ReturnType::Type(_, t) if is_self_type(t, &ident));
                        if returns_self {
                            let mut sig = sig.clone();
                            sig.output = ReturnType::Default;
                            function(&sig, known, false).map(|f| constructor = Some(f))
                        } else {
                            Err(vec![Error::new(
                                sig.span(),
                                format!(
                                    "a resource constructor is `fn new(…) -> Self` (or `-> {ident}`)"
                                ),
                            )])
                        }
                    }
                    None => function(sig, known, false).map(|f| statics.push(f)),
                };
                if let Err(e) = result {
                    errors.extend(e);
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(TypeKind::Resource {
            constructor,
            methods,
            statics,
        })
    }
}

fn type_ident(t: &TypeItem) -> (&syn::Ident, bool) {
    match t {
        TypeItem::Data(Item::Struct(s)) => (&s.ident, false),
        TypeItem::Data(Item::Enum(e)) => (&e.ident, false),
        TypeItem::Data(_) => unreachable!("only structs and enums are collected"),
        TypeItem::Flags(s) => (&s.ident, false),
        TypeItem::Resource(s) => (&s.ident, true),
    }
}

fn export_trait_name(i: &syn::ItemImpl) -> String {
    i.trait_
        .as_ref()
        .and_then(|(_, path, _)| path.segments.last())
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

fn found_impl(
    i: &syn::ItemImpl,
    file: &std::path::Path,
    module: &[String],
) -> Found<syn::ItemImpl> {
    Found {
        item: i.clone(),
        file: file.to_path_buf(),
        module: module.to_vec(),
    }
}

fn located(mut e: Error, file: &std::path::Path) -> Error {
    e.file = Some(file.to_path_buf());
    e
}

fn impl_ident(i: &syn::ItemImpl) -> String {
    match &*i.self_ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn is_self_type(t: &Type, ident: &str) -> bool {
    matches!(t, Type::Path(p) if p.path.is_ident("Self") || p.path.is_ident(ident))
}

/// `#[name]` or `#[any::path::name]`.
pub(crate) fn has_attr(attrs: &[Attribute], name: &str) -> bool {
    attrs
        .iter()
        .any(|a| a.path().segments.last().is_some_and(|s| s.ident == name))
}

/// `#[derive(…, name, …)]`, as `name` or `wash::name` (not another crate's `name`).
pub(crate) fn derives(attrs: &[Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            let mut found = false;
            let _ = a.parse_nested_meta(|meta| {
                let segs: Vec<_> = meta
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let named = segs.last().is_some_and(|l| l == name);
                if named && (segs.len() == 1 || segs[0] == "wash" || segs[0] == "wash_sdk") {
                    found = true;
                }
                Ok(())
            });
            found
        })
}
