//! Gathering a crate's annotated items and deriving its WIT package from them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use syn::spanned::Spanned;
use syn::{Attribute, Fields, FnArg, Item, ReturnType, Signature, Type};

use crate::Error;
use crate::model::{Field, Func, Interface, Package, PackageName, TypeDef, TypeKind};
use crate::names::{Case, wit_name};
use crate::types::{self, Known, Position};

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

fn found_impl(i: &syn::ItemImpl, file: &PathBuf, module: &[String]) -> Found<syn::ItemImpl> {
    Found {
        item: i.clone(),
        file: file.clone(),
        module: module.to_vec(),
    }
}

fn located(mut e: Error, file: &PathBuf) -> Error {
    e.file = Some(file.clone());
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

/// `///` doc comment lines.
fn docs(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => {
                    let v = s.value();
                    Some(v.strip_prefix(' ').unwrap_or(&v).trim_end().to_string())
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn name_of(ident: &syn::Ident, case: Case) -> Result<String, Error> {
    wit_name(&ident.to_string(), case).map_err(|m| Error::new(ident.span(), m))
}

/// Names must stay distinct after conversion to kebab-case.
fn check_unique<'a>(
    names: impl IntoIterator<Item = (&'a syn::Ident, &'a str)>,
    what: &str,
) -> Result<(), Error> {
    let mut seen = BTreeMap::new();
    for (ident, wit) in names {
        if let Some(prev) = seen.insert(wit.to_string(), ident.to_string()) {
            return Err(Error::new(
                ident.span(),
                format!("{what} `{ident}` and `{prev}` both become `{wit}` in WIT; rename one"),
            ));
        }
    }
    Ok(())
}

fn record(s: &syn::ItemStruct, known: &Known) -> Result<TypeKind, Vec<Error>> {
    let Fields::Named(named) = &s.fields else {
        return Err(vec![Error::new(s.fields.span().join(s.ident.span()).unwrap_or(s.ident.span()), match &s.fields {
            Fields::Unit => "a WIT record needs at least one field; give the struct named fields".to_string(),
            _ => "WIT records have named fields: write `struct Name { field: Type }` instead of a tuple struct".to_string(),
        })]);
    };
    if named.named.is_empty() {
        return Err(vec![Error::new(
            s.ident.span(),
            "a WIT record needs at least one field",
        )]);
    }
    let mut errors = Vec::new();
    let mut fields = Vec::new();
    for f in &named.named {
        let ident = f.ident.as_ref().expect("named field");
        match (
            name_of(ident, Case::Snake),
            types::map(&f.ty, Position::Field, known),
        ) {
            (Ok(name), Ok(ty)) => fields.push(Field {
                name,
                ty: Some(ty),
                docs: docs(&f.attrs),
            }),
            (a, b) => errors.extend(a.err().into_iter().chain(b.err())),
        }
    }
    let idents: Vec<_> = named
        .named
        .iter()
        .filter_map(|f| f.ident.as_ref())
        .collect();
    if errors.is_empty()
        && let Err(e) = check_unique(
            idents
                .into_iter()
                .zip(fields.iter().map(|f| f.name.as_str())),
            "fields",
        )
    {
        errors.push(e);
    }
    if errors.is_empty() {
        Ok(TypeKind::Record(fields))
    } else {
        Err(errors)
    }
}

fn enumeration(e: &syn::ItemEnum, known: &Known) -> Result<TypeKind, Vec<Error>> {
    if e.variants.is_empty() {
        return Err(vec![Error::new(
            e.ident.span(),
            "a WIT enum or variant needs at least one case",
        )]);
    }
    let all_unit = e.variants.iter().all(|v| matches!(v.fields, Fields::Unit));
    let mut errors = Vec::new();
    let mut cases = Vec::new();
    for v in &e.variants {
        let name = match name_of(&v.ident, Case::Camel) {
            Ok(n) => n,
            Err(err) => {
                errors.push(err);
                continue;
            }
        };
        let ty = match &v.fields {
            Fields::Unit => None,
            Fields::Unnamed(u) if u.unnamed.len() == 1 => {
                match types::map(&u.unnamed[0].ty, Position::Field, known) {
                    Ok(t) => Some(t),
                    Err(err) => {
                        errors.push(err);
                        None
                    }
                }
            }
            Fields::Unnamed(u) => {
                errors.push(Error::new(u.span(), "a WIT variant case carries one value: wrap several in a tuple, `Case((A, B))`, or a struct"));
                None
            }
            Fields::Named(n) => {
                errors.push(Error::new(n.span(), "a WIT variant case carries one unnamed value: move these fields into a struct with `#[derive(wash::Type)]` and write `Case(ThatStruct)`"));
                None
            }
        };
        cases.push(Field {
            name,
            ty,
            docs: docs(&v.attrs),
        });
    }
    if errors.is_empty()
        && let Err(err) = check_unique(
            e.variants
                .iter()
                .map(|v| &v.ident)
                .zip(cases.iter().map(|c| c.name.as_str())),
            "cases",
        )
    {
        errors.push(err);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(if all_unit {
        TypeKind::Enum(cases)
    } else {
        TypeKind::Variant(cases)
    })
}

fn flags(s: &syn::ItemStruct) -> Result<TypeKind, Vec<Error>> {
    let Fields::Named(named) = &s.fields else {
        return Err(vec![Error::new(
            s.ident.span(),
            "WIT flags are a struct of named `bool` fields",
        )]);
    };
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for f in &named.named {
        let ident = f.ident.as_ref().expect("named field");
        if !matches!(&f.ty, Type::Path(p) if p.path.is_ident("bool")) {
            errors.push(Error::new(
                f.ty.span(),
                "every field of a `#[derive(wash::Flags)]` struct is a `bool` (one flag each)",
            ));
            continue;
        }
        match name_of(ident, Case::Snake) {
            Ok(name) => out.push(Field {
                name,
                ty: None,
                docs: docs(&f.attrs),
            }),
            Err(e) => errors.push(e),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(Error::new(
            s.ident.span(),
            "WIT flags need at least one flag",
        ));
    }
    if errors.is_empty() {
        Ok(TypeKind::Flags(out))
    } else {
        Err(errors)
    }
}

/// A function signature; `method` when the first input is `&self` (skipped).
fn function(sig: &Signature, known: &Known, method: bool) -> Result<Func, Vec<Error>> {
    let mut errors = Vec::new();
    if let Some(a) = &sig.asyncness {
        errors.push(Error::new(
            a.span(),
            "`async fn` is not supported: WASI 0.2 functions are synchronous; write a plain `fn`",
        ));
    }
    if !sig.generics.params.is_empty() {
        errors.push(Error::new(
            sig.generics.span(),
            "WIT functions have no generics: use concrete types",
        ));
    }
    if let Some(v) = &sig.variadic {
        errors.push(Error::new(v.span(), "WIT functions are not variadic"));
    }
    let name = name_of(&sig.ident, Case::Snake)
        .map_err(|e| errors.push(e))
        .ok();
    let mut params = Vec::new();
    let mut idents = Vec::new();
    for (i, arg) in sig.inputs.iter().enumerate() {
        match arg {
            FnArg::Receiver(_) if method && i == 0 => {}
            FnArg::Receiver(r) => errors.push(Error::new(r.span(), "interface functions are free functions: remove `self` (state that outlives a call belongs in a `#[wash::resource]`)")),
            FnArg::Typed(pt) => {
                let syn::Pat::Ident(pi) = &*pt.pat else {
                    errors.push(Error::new(pt.pat.span(), "WIT parameters need plain names, `name: Type`"));
                    continue;
                };
                match (name_of(&pi.ident, Case::Snake), types::map(&pt.ty, Position::Param, known)) {
                    (Ok(n), Ok(t)) => {
                        idents.push(pi.ident.clone());
                        params.push((n, t));
                    }
                    (a, b) => errors.extend(a.err().into_iter().chain(b.err())),
                }
            }
        }
    }
    if errors.is_empty()
        && let Err(e) = check_unique(
            idents.iter().zip(params.iter().map(|(n, _)| n.as_str())),
            "parameters",
        )
    {
        errors.push(e);
    }
    let result = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, t) if matches!(&**t, Type::Tuple(tt) if tt.elems.is_empty()) => None,
        ReturnType::Type(_, t) => types::map(t, Position::Result, known)
            .map_err(|e| errors.push(e))
            .ok(),
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Func {
        name: name.expect("no errors"),
        params,
        result,
        docs: Vec::new(),
    })
}

fn interface(t: &syn::ItemTrait, known: &Known) -> Result<Interface, Vec<Error>> {
    let mut errors = Vec::new();
    if !t.generics.params.is_empty() {
        errors.push(Error::new(
            t.generics.span(),
            "WIT interfaces have no generics",
        ));
    }
    if !t.supertraits.is_empty() {
        errors.push(Error::new(
            t.supertraits.span(),
            "a WIT interface cannot extend another: list the functions in this trait",
        ));
    }
    let name = name_of(&t.ident, Case::Camel)
        .map_err(|e| errors.push(e))
        .ok();
    let mut funcs = Vec::new();
    let mut idents = Vec::new();
    for item in &t.items {
        match item {
            syn::TraitItem::Fn(f) => match function(&f.sig, known, false) {
                Ok(mut func) => {
                    func.docs = docs(&f.attrs);
                    idents.push(f.sig.ident.clone());
                    funcs.push(func);
                }
                Err(e) => errors.extend(e),
            },
            other => errors.push(Error::new(other.span(), "a WIT interface holds only functions: move types out of the trait and derive them with `#[derive(wash::Type)]`")),
        }
    }
    if errors.is_empty()
        && let Err(e) = check_unique(
            idents.iter().zip(funcs.iter().map(|f| f.name.as_str())),
            "functions",
        )
    {
        errors.push(e);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Interface {
        name: name.expect("no errors"),
        rust_trait: None,
        uses: Vec::new(),
        types: Vec::new(),
        funcs,
        docs: docs(&t.attrs),
    })
}

/// The name of the interface that holds types used by several interfaces (or by none).
pub const SHARED_TYPES: &str = "types";

/// Puts each type in the one interface that uses it, or in the shared `types` interface when
/// several (or none) do, and adds the `use` lines that need.
fn place_types(name: PackageName, mut interfaces: Vec<Interface>, defs: Vec<TypeDef>) -> Package {
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
