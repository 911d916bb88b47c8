//! Rust types to WIT types, and the errors for the Rust that WIT cannot express.

use std::collections::BTreeMap;

use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, Type};

use crate::Error;
use crate::model::Ty;

/// Where a type appears: a `&Resource` is a borrow in a parameter and an error elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Position {
    Param,
    Result,
    Field,
}

/// The named types the crate defines: Rust ident to (WIT name, is it a resource).
pub(crate) type Known = BTreeMap<String, (String, bool)>;

/// Maps a Rust type to WIT, or says why it cannot be.
pub(crate) fn map(ty: &Type, pos: Position, known: &Known) -> Result<Ty, Error> {
    match ty {
        Type::Path(p) if p.qself.is_none() => map_path(p, pos, known),
        Type::Paren(p) => map(&p.elem, pos, known),
        Type::Group(g) => map(&g.elem, pos, known),
        Type::Tuple(t) if t.elems.is_empty() => Err(Error::spanned(
            ty,
            "`()` has no WIT type here; leave the return type out, or use it inside `Result<(), E>`",
        )),
        Type::Tuple(t) => Ok(Ty::Tuple(
            t.elems
                .iter()
                .map(|e| map(e, pos_inner(pos), known))
                .collect::<Result<_, _>>()?,
        )),
        Type::Reference(r) => map_reference(r, pos, known),
        Type::Array(_) | Type::Slice(_) => Err(Error::spanned(
            ty,
            "WIT has no fixed-size arrays or slices; use `Vec<T>` (a WIT `list<t>`)",
        )),
        Type::TraitObject(_) | Type::ImplTrait(_) => Err(Error::spanned(
            ty,
            "a trait object cannot cross a component boundary: WIT passes values, not behaviour; \
             use a concrete type, or a resource (`#[wash::resource]`) for an object with methods",
        )),
        Type::BareFn(_) => Err(Error::spanned(
            ty,
            "WIT cannot pass functions; export a function in an interface instead",
        )),
        Type::Ptr(_) => Err(Error::spanned(
            ty,
            "raw pointers cannot cross a component boundary; pass the value itself",
        )),
        Type::Never(_) => Err(Error::spanned(
            ty,
            "WIT has no `!` type; leave the return type out",
        )),
        _ => Err(Error::spanned(ty, "this type has no WIT equivalent")),
    }
}

/// Inside a container, a `&Resource` is never a borrow.
fn pos_inner(pos: Position) -> Position {
    match pos {
        Position::Param => Position::Field,
        p => p,
    }
}

fn map_reference(r: &syn::TypeReference, pos: Position, known: &Known) -> Result<Ty, Error> {
    if let Type::Path(p) = &*r.elem
        && let Some(last) = p.path.segments.last()
    {
        let ident = last.ident.to_string();
        if ident == "str" {
            return Err(Error::spanned(
                r,
                "WIT arguments are owned values: write `String` instead of `&str`",
            ));
        }
        if let Some((wit, true)) = known.get(&ident) {
            if pos == Position::Param && r.mutability.is_none() {
                return Ok(Ty::Borrow(wit.clone()));
            }
            return Err(Error::spanned(
                r,
                format!(
                    "a resource is borrowed only as a function parameter, as `&{ident}`; \
                     here, pass it by value (`{ident}`)"
                ),
            ));
        }
    }
    if let Type::Slice(s) = &*r.elem {
        let inner = quote::ToTokens::to_token_stream(&s.elem).to_string();
        return Err(Error::spanned(
            r,
            format!("WIT arguments are owned values: write `Vec<{inner}>` instead of `&[{inner}]`"),
        ));
    }
    let inner = quote::ToTokens::to_token_stream(&r.elem).to_string();
    Err(Error::spanned(
        r,
        format!("WIT arguments are owned values: write `{inner}` instead of a reference"),
    ))
}

fn map_path(p: &syn::TypePath, pos: Position, known: &Known) -> Result<Ty, Error> {
    let last = p.path.segments.last().expect("a path has a segment");
    let ident = last.ident.to_string();
    let args: Vec<&Type> = match &last.arguments {
        PathArguments::None => Vec::new(),
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .map(|g| match g {
                GenericArgument::Type(t) => Ok(t),
                other => Err(Error::new(
                    other.span(),
                    "only type arguments are allowed here (no lifetimes or constants)",
                )),
            })
            .collect::<Result<_, _>>()?,
        PathArguments::Parenthesized(_) => {
            return Err(Error::spanned(
                p,
                "WIT cannot pass functions; export a function in an interface instead",
            ));
        }
    };
    let inner = pos_inner(pos);
    let arity = |n: usize| -> Result<(), Error> {
        if args.len() == n {
            Ok(())
        } else {
            Err(Error::spanned(
                p,
                format!("`{ident}` takes {n} type argument(s) here"),
            ))
        }
    };
    let prim = |name: &'static str| -> Result<Ty, Error> {
        arity(0)?;
        Ok(Ty::Prim(name))
    };
    match ident.as_str() {
        "bool" => prim("bool"),
        "u8" => prim("u8"),
        "u16" => prim("u16"),
        "u32" => prim("u32"),
        "u64" => prim("u64"),
        "i8" => prim("s8"),
        "i16" => prim("s16"),
        "i32" => prim("s32"),
        "i64" => prim("s64"),
        "f32" => prim("f32"),
        "f64" => prim("f64"),
        "char" => prim("char"),
        "String" => prim("string"),
        "usize" | "isize" => Err(Error::spanned(
            p,
            format!(
                "WIT has no pointer-sized integers; use `{}` (or `{}`)",
                if ident == "usize" { "u32" } else { "i32" },
                if ident == "usize" { "u64" } else { "i64" }
            ),
        )),
        "u128" | "i128" => Err(Error::spanned(
            p,
            "WIT integers are at most 64 bits; use two `u64`s in a struct, or a `String`",
        )),
        "str" => Err(Error::spanned(
            p,
            "WIT arguments are owned values: write `String`",
        )),
        "Vec" | "VecDeque" => {
            arity(1)?;
            Ok(Ty::List(Box::new(map(args[0], inner, known)?)))
        }
        "Option" => {
            arity(1)?;
            Ok(Ty::Option(Box::new(map(args[0], inner, known)?)))
        }
        "Result" => {
            arity(2)?;
            let side = |t: &Type| -> Result<Option<Box<Ty>>, Error> {
                match t {
                    Type::Tuple(t) if t.elems.is_empty() => Ok(None),
                    t => Ok(Some(Box::new(map(t, inner, known)?))),
                }
            };
            Ok(Ty::Result(side(args[0])?, side(args[1])?))
        }
        "Box" | "Rc" | "Arc" => Err(Error::spanned(
            p,
            format!(
                "WIT passes values, not pointers: write the inner type instead of `{ident}<…>`"
            ),
        )),
        "HashMap" | "BTreeMap" | "IndexMap" => Err(Error::spanned(
            p,
            format!(
                "WIT has no map type; use `Vec<(K, V)>` (a `list<tuple<k, v>>`) instead of `{ident}`"
            ),
        )),
        "HashSet" | "BTreeSet" | "IndexSet" => Err(Error::spanned(
            p,
            format!("WIT has no set type; use `Vec<T>` instead of `{ident}`"),
        )),
        "Self" => Err(Error::spanned(
            p,
            "`Self` is only allowed as a resource constructor's return type; name the type",
        )),
        _ => match known.get(&ident) {
            Some((wit, _)) if args.is_empty() => Ok(Ty::Named(wit.clone())),
            Some(_) => Err(Error::spanned(
                p,
                "WIT has no generics: define a concrete type for each use",
            )),
            None if !args.is_empty() => Err(Error::spanned(
                p,
                format!("`{ident}<…>` has no WIT equivalent, and WIT has no generics"),
            )),
            None => Err(Error::spanned(
                p,
                format!(
                    "`{ident}` is not a WIT type: add `#[derive(wash::Type)]` to its definition in \
                     this crate (or use a WIT-compatible type)"
                ),
            )),
        },
    }
}
