//! Derives WIT from Rust: the traits marked `#[wash::interface]` and the types marked
//! `#[derive(wash::Type)]`, `#[derive(wash::Flags)]` or `#[wash::resource]` become a WIT package.
//!
//! Shared by wash's proc macros (which derive at compile time, so the component always carries
//! the WIT of its current source) and by the `wash` CLI (`wash wit` prints it without building).
//!
//! ```
//! let file: syn::File = syn::parse_quote! {
//!     #[wash::interface]
//!     pub trait Greet { fn greet(who: Person) -> String; }
//!     #[derive(wash::Type)]
//!     pub struct Person { pub name: String, pub age: Option<u8> }
//! };
//! let krate = wash_derive::CrateItems::collect(&[wash_derive::SourceFile::new("src/lib.rs", file)]);
//! let pkg = krate
//!     .derive(&wash_derive::PackageName::new("acme", "greeter", Some("0.1.0")))
//!     .unwrap();
//! assert!(pkg.to_wit().contains("greet: func(who: person) -> string;"));
//! ```

#![deny(missing_docs)]

mod collect;
mod items;
mod model;
mod names;
mod placement;
mod scan;
mod types;

pub use collect::{CrateItems, ExportImpl, SourceFile};
pub use model::{Field, Func, Interface, Package, PackageName, Ty, TypeDef, TypeKind};
pub use names::kebab;
pub use placement::SHARED_TYPES;
pub use scan::{ScanError, scan_crate};

/// A Rust construct WIT cannot express, with where it is and what to write instead.
#[derive(Debug, Clone)]
pub struct Error {
    /// The offending tokens.
    pub span: proc_macro2::Span,
    /// The source file, when known.
    pub file: Option<std::path::PathBuf>,
    /// What is wrong and what to write instead.
    pub message: String,
    /// The offending tokens, so a compile error can underline all of them.
    tokens: Option<proc_macro2::TokenStream>,
}

impl Error {
    pub(crate) fn new(span: proc_macro2::Span, message: impl Into<String>) -> Error {
        Error {
            span,
            file: None,
            message: message.into(),
            tokens: None,
        }
    }

    pub(crate) fn spanned(tokens: &impl quote::ToTokens, message: impl Into<String>) -> Error {
        let tokens = tokens.to_token_stream();
        let span = tokens
            .clone()
            .into_iter()
            .next()
            .map(|t| t.span())
            .unwrap_or_else(proc_macro2::Span::call_site);
        Error {
            span,
            file: None,
            message: message.into(),
            tokens: Some(tokens),
        }
    }

    /// The error as `compile_error!` tokens, pointing at its span.
    pub fn to_compile_error(&self) -> proc_macro2::TokenStream {
        match &self.tokens {
            Some(tokens) => syn::Error::new_spanned(tokens, &self.message).to_compile_error(),
            None => syn::Error::new(self.span, &self.message).to_compile_error(),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let start = self.span.start();
        match &self.file {
            Some(file) => write!(
                f,
                "{}:{}:{}: {}",
                file.display(),
                start.line,
                start.column + 1,
                self.message
            ),
            None => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for Error {}
