//! Each annotated Rust item on its own: records, enums, variants, flags, functions and
//! interfaces, with the errors for what WIT cannot express.

use std::collections::BTreeMap;

use syn::spanned::Spanned;
use syn::{Attribute, Fields, FnArg, ReturnType, Signature, Type};

use crate::Error;
use crate::model::{Field, Func, Interface, TypeKind};
use crate::names::{Case, wit_name};
use crate::types::{self, Known, Position};

/// `///` doc comment lines.
pub(crate) fn docs(attrs: &[Attribute]) -> Vec<String> {
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

pub(crate) fn name_of(ident: &syn::Ident, case: Case) -> Result<String, Error> {
    wit_name(&ident.to_string(), case).map_err(|m| Error::new(ident.span(), m))
}

/// Names must stay distinct after conversion to kebab-case.
pub(crate) fn check_unique<'a>(
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

pub(crate) fn record(s: &syn::ItemStruct, known: &Known) -> Result<TypeKind, Vec<Error>> {
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

pub(crate) fn enumeration(e: &syn::ItemEnum, known: &Known) -> Result<TypeKind, Vec<Error>> {
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

pub(crate) fn flags(s: &syn::ItemStruct) -> Result<TypeKind, Vec<Error>> {
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
pub(crate) fn function(sig: &Signature, known: &Known, method: bool) -> Result<Func, Vec<Error>> {
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

pub(crate) fn interface(t: &syn::ItemTrait, known: &Known) -> Result<Interface, Vec<Error>> {
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
