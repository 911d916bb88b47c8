//! `#[wash::export]`: bindings from the derived WIT, conversions between the user's types and
//! the generated ones, and a `Guest` impl that forwards to the user's trait impl.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use wash_derive::{CrateItems, Interface, Package, PackageName, Ty, TypeDef, TypeKind};

/// The module `#[wash::export]` generates the bindings in.
const BINDINGS: &str = "__wash_bindings";

pub(crate) fn expand(items: &CrateItems, item: &syn::ItemImpl) -> TokenStream {
    match try_expand(items, item) {
        Ok(t) => t,
        Err(msg) => syn::Error::new(Span::call_site(), msg).to_compile_error(),
    }
}

fn try_expand(items: &CrateItems, item: &syn::ItemImpl) -> Result<TokenStream, String> {
    let Some((_, trait_path, _)) = &item.trait_ else {
        return Err("`#[wash::export]` goes on `impl Trait for Type`, where `Trait` is a `#[wash::interface]`".into());
    };
    let trait_name = trait_path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    let self_ty = &item.self_ty;
    let self_ty_str = quote!(#self_ty).to_string();

    let pkg = match items.derive(&package_name()) {
        Ok(p) => p,
        // The item macros report each problem at its own span.
        Err(_) => return Ok(TokenStream::new()),
    };
    let exports = items.export_impls();
    let primary = exports
        .first()
        .ok_or("`#[wash::export]` impl not found in the crate's sources")?;
    if let Some(other) = exports.iter().find(|e| e.self_ty != primary.self_ty) {
        return Err(format!(
            "every `#[wash::export]` impl in a component is for one type: `{}` and `{}` differ; implement all interfaces for the same type",
            primary.self_ty, other.self_ty
        ));
    }
    let bindings_path: syn::Path = syn::parse_str(
        &std::iter::once("crate".to_string())
            .chain(primary.module.iter().cloned())
            .chain(std::iter::once(BINDINGS.to_string()))
            .collect::<Vec<_>>()
            .join("::"),
    )
    .map_err(|e| e.to_string())?;
    let sdk_name = sdk_crate();
    let sdk = format_ident!("{}", sdk_name);
    let sdk = quote!(::#sdk);
    let names = Names {
        pkg: &pkg,
        bindings: &bindings_path,
        sdk: &sdk,
        exports: true,
        user_root: "crate".into(),
    };

    let iface = pkg
        .interfaces
        .iter()
        .find(|i| {
            i.rust_trait.as_deref().and_then(|p| p.rsplit("::").next()) == Some(trait_name.as_str())
        })
        .ok_or_else(|| {
            format!("`{trait_name}` is not a `#[wash::interface]` trait of this crate")
        })?;
    let guest = forward(&names, iface, self_ty, trait_path)?;

    let is_primary = primary.trait_name == trait_name && primary.self_ty == self_ty_str;
    // A crate other components import declares `[features] import = []`; built with it (as
    // their dependency) it must not export anything, or its exports would be linked into them.
    let gate = if declares_import_feature() {
        quote!(#[cfg(not(feature = "import"))])
    } else {
        TokenStream::new()
    };
    if !is_primary {
        return Ok(quote!(#gate const _: () = { #guest };));
    }
    let wit = pkg.to_wit();
    let world = format!(
        "{}:{}/{}",
        pkg.name.namespace,
        pkg.name.name,
        pkg.world_name()
    );
    let bindings = format_ident!("{}", BINDINGS);
    let conversions: TokenStream = pkg
        .interfaces
        .iter()
        .flat_map(|i| i.types.iter().map(move |t| (i, t)))
        .map(|(i, t)| convert_impls(&names, i, t))
        .collect::<Result<_, _>>()?;
    // Resources in the shared interface no trait owns still need its `Guest` impl to name them.
    let shared_guests: TokenStream = pkg
        .interfaces
        .iter()
        .filter(|i| i.rust_trait.is_none() && pkg.exports.contains(&i.name))
        .map(|i| {
            let resources = names.resource_types(i)?;
            if resources.is_empty() {
                return Ok(TokenStream::new());
            }
            let m = names.interface_module(&i.name);
            Ok(quote!(impl #m::Guest for #self_ty { #(#resources)* }))
        })
        .collect::<Result<_, String>>()?;
    let generated = bindings_module(&sdk_name, &bindings, &wit, &world, quote!());
    // Built as another component's dependency, nothing exports the component type; mention it
    // so rustc does not warn that it is never constructed.
    let unused_in_import_mode = if gate.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            #[cfg(feature = "import")]
            const _: fn() = || {
                let _: ::core::marker::PhantomData<#self_ty> = ::core::marker::PhantomData;
            };
        }
    };
    Ok(quote! {
        #gate
        #generated
        #gate
        const _: () = {
            #conversions
            #shared_guests
            #guest
            #bindings_path::export!(#self_ty with_types_in #bindings_path);
        };
        #unused_in_import_mode
    })
}

/// Whether the crate's `Cargo.toml` declares the `import` feature.
fn declares_import_feature() -> bool {
    manifest()
        .and_then(|doc| doc.get("features").map(|f| f.get("import").is_some()))
        .unwrap_or(false)
}

/// `mod <name> { wit_bindgen::generate!(…) }`, through the SDK's re-export of wit-bindgen so
/// the crate needs no dependency of its own on it.
pub(crate) fn bindings_module(
    sdk_name: &str,
    module: &syn::Ident,
    wit: &str,
    world: &str,
    extra: TokenStream,
) -> TokenStream {
    let sdk = format_ident!("{}", sdk_name);
    let runtime_path = format!("::{sdk_name}::wit_bindgen::rt");
    let bitflags_path = format!("::{sdk_name}::wit_bindgen::rt::bitflags");
    quote! {
        #[doc(hidden)]
        #[allow(warnings, clippy::all)]
        pub(crate) mod #module {
            ::#sdk::wit_bindgen::generate!({
                inline: #wit,
                world: #world,
                runtime_path: #runtime_path,
                bitflags_path: #bitflags_path,
                #extra
            });
        }
    }
}

/// The crate's own `Cargo.toml`.
pub(crate) fn manifest() -> Option<toml_edit::Document<String>> {
    let dir = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    read_manifest(std::path::Path::new(&dir))
}

/// The `Cargo.toml` in `dir`.
pub(crate) fn read_manifest(dir: &std::path::Path) -> Option<toml_edit::Document<String>> {
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .ok()?
        .parse()
        .ok()
}

/// The name a manifest's crate knows the SDK by: `wash` for `wash = { package = "wash-sdk" }`.
pub(crate) fn sdk_dependency(doc: &toml_edit::Document<String>) -> Option<String> {
    let deps = doc.get("dependencies")?.as_table_like()?;
    deps.iter().find_map(|(key, value)| {
        let package = value.get("package").and_then(|p| p.as_str()).unwrap_or(key);
        (package == "wash-sdk").then(|| key.replace('-', "_"))
    })
}

/// `[package.metadata.wasmcloud] namespace`, if set.
pub(crate) fn namespace_of(doc: &toml_edit::Document<String>) -> Option<String> {
    doc.get("package")?
        .get("metadata")?
        .get("wasmcloud")?
        .get("namespace")?
        .as_str()
        .map(str::to_string)
}

/// The name this crate knows the SDK by.
pub(crate) fn sdk_crate() -> String {
    manifest()
        .and_then(|doc| sdk_dependency(&doc))
        .unwrap_or_else(|| "wash_sdk".to_string())
}

/// The package name, from cargo's variables and `[package.metadata.wasmcloud] namespace`.
fn package_name() -> PackageName {
    let name = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
    let version = std::env::var("CARGO_PKG_VERSION").ok();
    let namespace = manifest()
        .and_then(|doc| namespace_of(&doc))
        .unwrap_or_else(|| "component".to_string());
    PackageName::new(&namespace, &name, version.as_deref())
}

/// Paths to generated items.
pub(crate) struct Names<'a> {
    pub(crate) pkg: &'a Package,
    pub(crate) bindings: &'a syn::Path,
    /// `::wash_sdk`, or whatever the crate renamed it to.
    pub(crate) sdk: &'a TokenStream,
    /// Whether these bindings export the package's interfaces (else they import them).
    pub(crate) exports: bool,
    /// What `crate` in the package's Rust paths stands for here: `crate`, or `::greeter`
    /// when the package is a dependency.
    pub(crate) user_root: String,
}

pub(crate) fn snake(s: &str) -> syn::Ident {
    let mut id = s.replace('-', "_");
    if syn::parse_str::<syn::Ident>(&id).is_err() {
        id.push('_');
    }
    format_ident!("{}", id)
}

pub(crate) fn camel(s: &str) -> syn::Ident {
    let id: String = s
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    format_ident!("{}", id)
}

impl Names<'_> {
    /// `bindings::exports::ns::pkg::iface` (without `exports` for an import).
    pub(crate) fn interface_module(&self, iface: &str) -> TokenStream {
        let b = self.bindings;
        let ns = snake(&self.pkg.name.namespace);
        let pkg = snake(&self.pkg.name.name);
        let i = snake(iface);
        if self.exports {
            quote!(#b::exports::#ns::#pkg::#i)
        } else {
            quote!(#b::#ns::#pkg::#i)
        }
    }

    /// The user's Rust path of a type the package defines.
    pub(crate) fn user_path(&self, t: &TypeDef) -> Result<syn::Path, String> {
        let path = match t.rust_path.strip_prefix("crate") {
            Some(rest) => format!("{}{rest}", self.user_root),
            None => t.rust_path.clone(),
        };
        syn::parse_str(&path).map_err(|e| e.to_string())
    }

    /// The definition of a type the package defines.
    pub(crate) fn def(&self, name: &str) -> Option<&TypeDef> {
        self.pkg
            .interfaces
            .iter()
            .flat_map(|i| &i.types)
            .find(|t| t.name == name)
    }

    fn is_resource(&self, name: &str) -> bool {
        self.def(name)
            .is_some_and(|t| matches!(t.kind, TypeKind::Resource { .. }))
    }

    /// `type Counter = crate::Counter;` for each resource `iface` defines: the exported
    /// resource is the user's own struct.
    fn resource_types(&self, iface: &Interface) -> Result<Vec<TokenStream>, String> {
        iface
            .types
            .iter()
            .filter(|t| matches!(t.kind, TypeKind::Resource { .. }))
            .map(|t| {
                let id = camel(&t.name);
                let user = self.user_path(t)?;
                Ok(quote!(type #id = #user;))
            })
            .collect()
    }

    /// The interface a type is defined in.
    fn home_of(&self, ty: &str) -> Option<&Interface> {
        self.pkg
            .interfaces
            .iter()
            .find(|i| i.types.iter().any(|t| t.name == ty))
    }

    /// The generated Rust type for a WIT type.
    pub(crate) fn gen_ty(&self, ty: &Ty) -> Result<TokenStream, String> {
        Ok(match ty {
            Ty::Prim(p) => {
                let rust = match *p {
                    "s8" => "i8",
                    "s16" => "i16",
                    "s32" => "i32",
                    "s64" => "i64",
                    "string" => "String",
                    other => other,
                };
                let id = format_ident!("{}", rust);
                quote!(#id)
            }
            Ty::List(_) | Ty::Option(_) | Ty::Result(..) | Ty::Tuple(_) => {
                container_ty(ty, &|t| self.gen_ty(t))?
            }
            Ty::Named(n) => {
                let home = self
                    .home_of(n)
                    .ok_or_else(|| format!("type `{n}` has no interface"))?;
                if !self.exports && self.is_resource(n) {
                    return Err(format!("resource `{n}` cannot be imported yet"));
                }
                let m = self.interface_module(&home.name);
                let id = camel(n);
                quote!(#m::#id)
            }
            Ty::Borrow(n) => {
                let home = self
                    .home_of(n)
                    .ok_or_else(|| format!("type `{n}` has no interface"))?;
                if !self.exports {
                    return Err(format!("resource `{n}` cannot be imported yet"));
                }
                let m = self.interface_module(&home.name);
                let id = format_ident!("{}Borrow", camel(n));
                quote!(#m::#id<'_>)
            }
        })
    }
}

/// A list, option, result or tuple type, each inner type rendered by `inner` (the generated
/// types for bindings, the user's own for import clients).
pub(crate) fn container_ty(
    ty: &Ty,
    inner: &dyn Fn(&Ty) -> Result<TokenStream, String>,
) -> Result<TokenStream, String> {
    Ok(match ty {
        Ty::List(t) => {
            let t = inner(t)?;
            quote!(::std::vec::Vec<#t>)
        }
        Ty::Option(t) => {
            let t = inner(t)?;
            quote!(::std::option::Option<#t>)
        }
        Ty::Result(a, b) => {
            let side = |t: &Option<Box<Ty>>| -> Result<TokenStream, String> {
                Ok(t.as_ref()
                    .map(|t| inner(t))
                    .transpose()?
                    .unwrap_or(quote!(())))
            };
            let (a, b) = (side(a)?, side(b)?);
            quote!(::std::result::Result<#a, #b>)
        }
        Ty::Tuple(ts) => {
            let ts = ts.iter().map(inner).collect::<Result<Vec<_>, _>>()?;
            quote!((#(#ts,)*))
        }
        other => return Err(format!("`{other:?}` is not a container type")),
    })
}

/// `impl Guest for Component`, each function converting its arguments to the user's types,
/// calling the user's impl, and converting the result back.
fn forward(
    names: &Names,
    iface: &Interface,
    self_ty: &syn::Type,
    trait_path: &syn::Path,
) -> Result<TokenStream, String> {
    let module = names.interface_module(&iface.name);
    let callee = quote!(<#self_ty as #trait_path>);
    let fns = iface
        .funcs
        .iter()
        .map(|f| forward_fn(names, f, &callee, Shape::Free))
        .collect::<Result<Vec<_>, _>>()?;
    let resources = names.resource_types(iface)?;
    if fns.is_empty() && resources.is_empty() {
        return Ok(TokenStream::new());
    }
    Ok(quote! {
        impl #module::Guest for #self_ty {
            #(#resources)*
            #(#fns)*
        }
    })
}

/// What a forwarded function is to its type.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// A trait function, or a resource's static function.
    Free,
    /// A resource's `&self` method.
    Method,
    /// A resource's `fn new(…) -> Self`.
    Constructor,
}

/// One generated function: converts the arguments to the user's types, calls `callee`'s
/// function of the same name, and converts the result back.
fn forward_fn(
    names: &Names,
    f: &wash_derive::Func,
    callee: &TokenStream,
    shape: Shape,
) -> Result<TokenStream, String> {
    let sdk = names.sdk;
    let params: Vec<syn::Ident> = f.params.iter().map(|(n, _)| snake(n)).collect();
    let tys = f
        .params
        .iter()
        .map(|(_, t)| names.gen_ty(t))
        .collect::<Result<Vec<_>, _>>()?;
    let args = quote!(#(#sdk::Convert::convert(#params)),*);
    if shape == Shape::Constructor {
        return Ok(quote! {
            fn new(#(#params: #tys),*) -> Self { #callee::new(#args) }
        });
    }
    let fname = snake(&f.name);
    let ret = match &f.result {
        Some(r) => {
            let r = names.gen_ty(r)?;
            quote!(-> #r)
        }
        None => quote!(),
    };
    let (receiver, self_arg) = if shape == Shape::Method {
        (quote!(&self,), quote!(self,))
    } else {
        (quote!(), quote!())
    };
    Ok(quote! {
        fn #fname(#receiver #(#params: #tys),*) #ret {
            #sdk::Convert::convert(#callee::#fname(#self_arg #args))
        }
    })
}

/// For an exported resource: the `Guest<Resource>` impl on the user's struct, forwarding to
/// its inherent constructor and methods, and `Convert` between the struct, its owned handle
/// and its borrowed handle.
fn resource_impls(names: &Names, iface: &Interface, t: &TypeDef) -> Result<TokenStream, String> {
    let TypeKind::Resource {
        constructor,
        methods,
        statics,
    } = &t.kind
    else {
        return Ok(TokenStream::new());
    };
    let user = names.user_path(t)?;
    let sdk = names.sdk;
    let m = names.interface_module(&iface.name);
    let id = camel(&t.name);
    let guest = format_ident!("Guest{}", id);
    let borrow = format_ident!("{}Borrow", id);
    let callee = quote!(<#user>);
    let mut fns = Vec::new();
    if let Some(c) = constructor {
        fns.push(forward_fn(names, c, &callee, Shape::Constructor)?);
    }
    for f in methods {
        fns.push(forward_fn(names, f, &callee, Shape::Method)?);
    }
    for f in statics {
        fns.push(forward_fn(names, f, &callee, Shape::Free)?);
    }
    Ok(quote! {
        impl #m::#guest for #user {
            #(#fns)*
        }
        impl #sdk::Convert<#m::#id> for #user {
            fn convert(self) -> #m::#id { #m::#id::new(self) }
        }
        impl #sdk::Convert<#user> for #m::#id {
            fn convert(self) -> #user { self.into_inner::<#user>() }
        }
        impl<'a> #sdk::Convert<&'a #user> for #m::#borrow<'a> {
            fn convert(self) -> &'a #user { self.get::<#user>() }
        }
    })
}

/// `Convert` both ways between a user type and its generated twin.
pub(crate) fn convert_impls(
    names: &Names,
    iface: &Interface,
    t: &TypeDef,
) -> Result<TokenStream, String> {
    let user = names.user_path(t)?;
    let sdk = names.sdk;
    let m = names.interface_module(&iface.name);
    let id = camel(&t.name);
    let generated = quote!(#m::#id);
    let (to_gen, from_gen) = match &t.kind {
        TypeKind::Record(fields) => {
            let f: Vec<_> = fields.iter().map(|f| snake(&f.name)).collect();
            (
                quote!(#generated { #(#f: #sdk::Convert::convert(self.#f)),* }),
                quote!(#user { #(#f: #sdk::Convert::convert(self.#f)),* }),
            )
        }
        TypeKind::Enum(cases) | TypeKind::Variant(cases) => {
            let arms = |from: &TokenStream, to: &TokenStream| -> Vec<TokenStream> {
                cases
                    .iter()
                    .map(|c| {
                        let v = camel(&c.name);
                        if c.ty.is_some() {
                            quote!(#from::#v(x) => #to::#v(#sdk::Convert::convert(x)))
                        } else {
                            quote!(#from::#v => #to::#v)
                        }
                    })
                    .collect()
            };
            let user_tokens = quote!(#user);
            let a = arms(&user_tokens, &generated);
            let b = arms(&generated, &user_tokens);
            (
                quote!(match self { #(#a),* }),
                quote!(match self { #(#b),* }),
            )
        }
        TypeKind::Flags(flags) => {
            let f: Vec<_> = flags.iter().map(|f| snake(&f.name)).collect();
            let consts: Vec<_> = flags
                .iter()
                .map(|f| format_ident!("{}", f.name.replace('-', "_").to_ascii_uppercase()))
                .collect();
            (
                quote! {{
                    let mut flags = #generated::empty();
                    #(if self.#f { flags |= #generated::#consts; })*
                    flags
                }},
                quote!(#user { #(#f: self.contains(#generated::#consts)),* }),
            )
        }
        TypeKind::Resource { .. } if names.exports => return resource_impls(names, iface, t),
        TypeKind::Resource { .. } => return Ok(TokenStream::new()),
    };
    Ok(quote! {
        impl #sdk::Convert<#generated> for #user {
            fn convert(self) -> #generated { #to_gen }
        }
        impl #sdk::Convert<#user> for #generated {
            fn convert(self) -> #user { #from_gen }
        }
    })
}
