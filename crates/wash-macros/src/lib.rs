//! The proc macros of `wash-sdk`. Each one reads the crate's sources (a proc macro sees only
//! its own item; WIT needs them all), derives the crate's WIT with `wash-derive`, and either
//! checks its own item — so an error points at the offending Rust — or, for `#[export]`,
//! generates the wit-bindgen bindings and the glue to the user's trait impl.
//!
//! Reading the sources here is always current: cargo recompiles the crate, and so re-runs
//! these macros, whenever any of its source files changes.

mod export;
mod http;
mod imports;

use proc_macro::TokenStream;
use quote::ToTokens;
use wash_derive::CrateItems;

/// The crate being compiled, as wash-derive sees it.
fn crate_items() -> Result<CrateItems, proc_macro2::TokenStream> {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let files = wash_derive::scan_crate(std::path::Path::new(&dir)).map_err(|e| {
        let msg = format!("wash: {e}");
        quote::quote!(compile_error!(#msg);)
    })?;
    Ok(CrateItems::collect(&files))
}

/// The errors wash-derive finds in `item`. A macro's input has lost the attribute that invoked
/// it, so `marker` puts it back for the check.
fn errors_in(item: &syn::Item, marker: syn::Attribute) -> proc_macro2::TokenStream {
    let mut marked = item.clone();
    match &mut marked {
        syn::Item::Trait(t) => t.attrs.push(marker),
        syn::Item::Struct(s) => s.attrs.push(marker),
        syn::Item::Enum(e) => e.attrs.push(marker),
        syn::Item::Impl(i) => i.attrs.push(marker),
        _ => {}
    }
    match crate_items() {
        Ok(items) => items
            .check_item(&marked)
            .iter()
            .map(wash_derive::Error::to_compile_error)
            .collect(),
        Err(e) => e,
    }
}

/// Checks an attribute macro's item and returns it unchanged, with any errors at their spans.
fn checked(item: TokenStream, marker: syn::Attribute) -> TokenStream {
    let parsed: syn::Item = match syn::parse(item) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error().into(),
    };
    let errors = errors_in(&parsed, marker);
    let mut out = parsed.into_token_stream();
    out.extend(errors);
    out.into()
}

/// Marks a trait as a WIT interface: its functions become the interface's functions.
/// Serves `async fn main(request: Request<Body>) -> Result<Response<Body>, Error>` as the
/// component's HTTP handler (wash-sdk's `http` feature; see `wash::http`).
#[proc_macro_attribute]
pub fn http_server(_attr: TokenStream, item: TokenStream) -> TokenStream {
    match syn::parse::<syn::ItemFn>(item) {
        Ok(f) => http::expand(f).into(),
        Err(e) => e.to_compile_error().into(),
    }
}

#[proc_macro_attribute]
pub fn interface(_attr: TokenStream, item: TokenStream) -> TokenStream {
    checked(item, syn::parse_quote!(#[interface]))
}

/// Marks a struct, and an `impl` block of its methods, as a WIT resource.
#[proc_macro_attribute]
pub fn resource(_attr: TokenStream, item: TokenStream) -> TokenStream {
    checked(item, syn::parse_quote!(#[resource]))
}

/// Derives a WIT `record` (struct with named fields), `enum` (fieldless enum) or `variant`
/// (enum whose cases carry a value).
#[proc_macro_derive(Type)]
pub fn derive_type(item: TokenStream) -> TokenStream {
    derive_check(item, syn::parse_quote!(#[derive(Type)]))
}

/// Derives WIT `flags` from a struct of `bool` fields.
#[proc_macro_derive(Flags)]
pub fn derive_flags(item: TokenStream) -> TokenStream {
    derive_check(item, syn::parse_quote!(#[derive(Flags)]))
}

/// A derive adds no items of its own; it only reports what WIT cannot express.
fn derive_check(item: TokenStream, marker: syn::Attribute) -> TokenStream {
    match syn::parse::<syn::Item>(item) {
        Ok(parsed) => errors_in(&parsed, marker).into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Exports an interface: `#[wash::export] impl Greet for Component { … }`. Generates the
/// component's bindings from the derived WIT and forwards each exported function to the impl.
#[proc_macro_attribute]
pub fn export(_attr: TokenStream, item: TokenStream) -> TokenStream {
    let parsed: syn::ItemImpl = match syn::parse(item) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error().into(),
    };
    let glue = match crate_items() {
        Ok(items) => export::expand(&items, &parsed),
        Err(e) => e,
    };
    let mut out = parsed.into_token_stream();
    out.extend(glue);
    out.into()
}

/// Calls the interfaces of the crate's wash-based dependencies (listed by `path`) as imports:
/// `wash::imports!();` at the crate root makes `imports::<dependency>::<interface>::<function>`.
/// `wash build` plugs the dependency's component into those imports.
#[proc_macro]
pub fn imports(input: TokenStream) -> TokenStream {
    if !input.is_empty() {
        return syn::Error::new(
            proc_macro2::Span::call_site(),
            "`wash::imports!()` takes no arguments",
        )
        .to_compile_error()
        .into();
    }
    imports::expand().into()
}
