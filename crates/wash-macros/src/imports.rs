//! `wash::imports!()`: call the interfaces of the crate's wash-based dependencies as imports.
//!
//! A dependency listed by `path` in `[dependencies]` that itself uses wash-sdk is scanned like
//! the crate itself; the interfaces it exports become imports of this component, with a client
//! function for each, taking and returning the dependency's own Rust types. `wash build` then
//! plugs the dependency's component into those imports.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use wash_derive::{CrateItems, Package, PackageName, Ty, TypeKind};

use crate::export::{
    Names, bindings_module, container_ty, convert_impls, namespace_of, read_manifest, sdk_crate,
    sdk_dependency, snake,
};

/// The module the import bindings are generated in.
const BINDINGS: &str = "__wash_imports";

/// A wash-based dependency: the name this crate uses for it, and its derived package.
struct Dependency {
    rust_name: String,
    package: Package,
}

pub(crate) fn expand() -> TokenStream {
    match try_expand() {
        Ok(t) => t,
        Err(msg) => syn::Error::new(Span::call_site(), msg).to_compile_error(),
    }
}

fn dependencies() -> Result<Vec<Dependency>, String> {
    let dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let manifest = read_manifest(&dir).ok_or("cannot read this crate's Cargo.toml")?;
    let Some(deps) = manifest.get("dependencies").and_then(|d| d.as_table_like()) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (key, value) in deps.iter() {
        let Some(path) = value.get("path").and_then(|p| p.as_str()) else {
            continue;
        };
        let dep_dir = dir.join(path);
        let Some(dep_manifest) = read_manifest(&dep_dir) else {
            continue;
        };
        if sdk_dependency(&dep_manifest).is_none() {
            continue;
        }
        let package = dep_manifest.get("package");
        let name = package
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            .unwrap_or(key);
        let version = package
            .and_then(|p| p.get("version"))
            .and_then(|v| v.as_str());
        let namespace = namespace_of(&dep_manifest).unwrap_or_else(|| "component".into());
        let files =
            wash_derive::scan_crate(&dep_dir).map_err(|e| format!("dependency `{key}`: {e}"))?;
        let items = CrateItems::collect(&files);
        if items.is_empty() {
            continue;
        }
        let package = items
            .derive(&PackageName::new(&namespace, name, version))
            .map_err(|errors| {
                format!(
                    "dependency `{key}` has Rust that WIT cannot express (build it for details): {}",
                    errors.first().map(ToString::to_string).unwrap_or_default()
                )
            })?;
        out.push(Dependency {
            rust_name: key.replace('-', "_"),
            package,
        });
    }
    Ok(out)
}

fn try_expand() -> Result<TokenStream, String> {
    let deps = dependencies()?;
    if deps.is_empty() {
        return Err("`wash::imports!()` found no dependency (by `path`) that uses wash-sdk".into());
    }
    let sdk_name = sdk_crate();
    let sdk_ident = format_ident!("{}", sdk_name);
    let sdk = quote!(::#sdk_ident);
    let bindings = format_ident!("{}", BINDINGS);
    let bindings_path: syn::Path = syn::parse_quote!(self::#bindings);

    let mut wit = String::from("package wash:imports;\n\nworld imports {\n");
    for d in &deps {
        for e in &d.package.exports {
            wit.push_str(&format!("  import {};\n", d.package.interface_id(e)));
        }
    }
    wit.push_str("}\n");
    for d in &deps {
        wit.push('\n');
        wit.push_str(&d.package.to_wit_nested());
    }

    let mut conversions = TokenStream::new();
    let mut clients = TokenStream::new();
    for d in &deps {
        let names = Names {
            pkg: &d.package,
            bindings: &bindings_path,
            sdk: &sdk,
            exports: false,
            user_root: format!("::{}", d.rust_name),
        };
        let mut modules = TokenStream::new();
        for iface in d
            .package
            .interfaces
            .iter()
            .filter(|i| d.package.exports.contains(&i.name))
        {
            for t in &iface.types {
                conversions.extend(convert_impls(&names, iface, t)?);
            }
            let module = snake(&iface.name);
            let generated = names.interface_module(&iface.name);
            let mut fns = TokenStream::new();
            for f in &iface.funcs {
                let fname = snake(&f.name);
                let params: Vec<syn::Ident> = f.params.iter().map(|(n, _)| snake(n)).collect();
                let user_tys = f
                    .params
                    .iter()
                    .map(|(_, t)| user_ty(&names, t))
                    .collect::<Result<Vec<_>, _>>()?;
                let gen_tys = f
                    .params
                    .iter()
                    .map(|(_, t)| names.gen_ty(t))
                    .collect::<Result<Vec<_>, _>>()?;
                let args = f
                    .params
                    .iter()
                    .zip(&params)
                    .map(|((_, t), p)| arg(&names, quote!(&#p), t))
                    .collect::<Vec<_>>();
                let ret = match &f.result {
                    Some(r) => {
                        let r = user_ty(&names, r)?;
                        quote!(-> #r)
                    }
                    None => quote!(),
                };
                let docs = f.docs.iter().map(|d| quote!(#[doc = #d]));
                fns.extend(quote! {
                    #(#docs)*
                    pub fn #fname(#(#params: #user_tys),*) #ret {
                        #(let #params: #gen_tys = #sdk::Convert::convert(#params);)*
                        #sdk::Convert::convert(#generated::#fname(#(#args),*))
                    }
                });
            }
            let doc = format!(
                "Calls `{}`, an import of this component.",
                d.package.interface_id(&iface.name)
            );
            modules.extend(quote! {
                #[doc = #doc]
                pub mod #module {
                    #[allow(unused_imports)]
                    use super::super::*;
                    #fns
                }
            });
        }
        let dep_mod = format_ident!("{}", d.rust_name);
        clients.extend(quote! {
            pub mod #dep_mod {
                #[allow(unused_imports)]
                use super::*;
                #modules
            }
        });
    }
    let generated = bindings_module(
        &sdk_name,
        &bindings,
        &wit,
        "wash:imports/imports",
        quote!(generate_all,),
    );
    Ok(quote! {
        /// The interfaces of this crate's wash-based dependencies, called as imports.
        pub mod imports {
            #generated
            #[allow(unused_imports)]
            use self::#bindings as __bindings;
            #conversions
            #clients
        }
    })
}

/// The dependency's Rust type for a WIT type.
fn user_ty(names: &Names, ty: &Ty) -> Result<TokenStream, String> {
    Ok(match ty {
        Ty::Named(n) => {
            let def = names.def(n).ok_or_else(|| format!("unknown type `{n}`"))?;
            if matches!(def.kind, TypeKind::Resource { .. }) {
                return Err(format!("resource `{n}` cannot be imported yet"));
            }
            let p = names.user_path(def)?;
            quote!(#p)
        }
        Ty::List(_) | Ty::Option(_) | Ty::Result(..) | Ty::Tuple(_) => {
            container_ty(ty, &|t| user_ty(names, t))?
        }
        other => names.gen_ty(other)?,
    })
}

/// Whether wit-bindgen passes this type to an import by reference: it holds a string or list.
fn has_lists(names: &Names, ty: &Ty) -> bool {
    match ty {
        Ty::Prim(p) => *p == "string",
        Ty::List(_) => true,
        Ty::Option(t) => has_lists(names, t),
        Ty::Result(a, b) => [a, b].into_iter().flatten().any(|t| has_lists(names, t)),
        Ty::Tuple(ts) => ts.iter().any(|t| has_lists(names, t)),
        Ty::Named(n) => names.def(n).is_some_and(|d| match &d.kind {
            TypeKind::Record(fs) | TypeKind::Variant(fs) => fs
                .iter()
                .filter_map(|f| f.ty.as_ref())
                .any(|t| has_lists(names, t)),
            _ => false,
        }),
        Ty::Borrow(_) => false,
    }
}

/// The argument wit-bindgen's import function takes, from `r`, a reference to the generated
/// value: borrowed at the top (`&str`, `&[T]`, `&Record`) where the type holds lists, by
/// value where it does not; options, results and tuples borrow inside.
fn arg(names: &Names, r: TokenStream, ty: &Ty) -> TokenStream {
    if !has_lists(names, ty) {
        return quote!(::core::clone::Clone::clone(#r));
    }
    match ty {
        Ty::Prim(_) => quote!((#r).as_str()),
        Ty::List(_) => quote!((#r).as_slice()),
        Ty::Option(t) => {
            let inner = arg(names, quote!(x), t);
            quote!((#r).as_ref().map(|x| #inner))
        }
        Ty::Result(a, b) => {
            let ok = a
                .as_ref()
                .map(|t| arg(names, quote!(x), t))
                .unwrap_or(quote!(()));
            let err = b
                .as_ref()
                .map(|t| arg(names, quote!(x), t))
                .unwrap_or(quote!(()));
            quote!((#r).as_ref().map(|x| #ok).map_err(|x| #err))
        }
        Ty::Tuple(ts) => {
            let parts = ts.iter().enumerate().map(|(i, t)| {
                let i = syn::Index::from(i);
                arg(names, quote!(&(#r).#i), t)
            });
            quote!((#(#parts,)*))
        }
        _ => r,
    }
}
