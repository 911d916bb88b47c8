//! `wash call`: one exported function of a component, called with arguments written in WAVE
//! (the WebAssembly Value Encoding, as `wasmtime run --invoke` takes them), its results written
//! back in WAVE. The component is sandboxed as `wash run` sandboxes it: the same grants, the
//! same capabilities, the same limits.
//!
//! Functions are named `INTERFACE/FUNCTION` (`acme:greeter/greet@0.1.0/greet`), with the
//! interface's version or package left out when that is still unique (`greeter/greet/greet`,
//! `greet/greet`), or by the function's name alone when only one export has it. A resource's
//! constructor is `RESOURCE.new` (`[constructor]RESOURCE`), a method `RESOURCE.METHOD`; a method
//! is called on a fresh instance built by the constructor with `--new ARGS`.

use std::sync::Arc;

use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{Type, Val};

use super::{Capabilities, Grants, Host, Linked, RunError};

/// An exported function.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Callable {
    /// The exported instance it is in (`acme:greeter/greet@0.1.0`); `None` at the top level.
    pub interface: Option<String>,
    /// Its name in the component (`greet`, `[constructor]counter`, `[method]counter.get`).
    pub function: String,
    /// Its parameters: name and WIT type.
    pub params: Vec<(String, String)>,
    /// Its result's WIT type, if it returns one.
    pub result: Option<String>,
}

impl Callable {
    /// The full name: `INTERFACE/FUNCTION`, in the form `wash call` shows and takes.
    pub fn name(&self) -> String {
        let function = display_function(&self.function);
        match &self.interface {
            Some(i) => format!("{i}/{function}"),
            None => function,
        }
    }

    /// `name(param: type, …) -> result`.
    pub fn signature(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|(n, t)| format!("{n}: {t}"))
            .collect();
        let mut s = format!("{}({})", self.name(), params.join(", "));
        if let Some(r) = &self.result {
            s.push_str(&format!(" -> {r}"));
        }
        s
    }

    /// The resource a constructor or method belongs to.
    fn resource(&self) -> Option<&str> {
        if let Some(r) = self.function.strip_prefix("[constructor]") {
            return Some(r);
        }
        let rest = self
            .function
            .strip_prefix("[method]")
            .or_else(|| self.function.strip_prefix("[static]"))?;
        rest.split('.').next()
    }

    fn is_method(&self) -> bool {
        self.function.starts_with("[method]")
    }
}

/// `[constructor]counter` → `counter.new`; `[method]counter.get` → `counter.get`.
fn display_function(f: &str) -> String {
    if let Some(r) = f.strip_prefix("[constructor]") {
        return format!("{r}.new");
    }
    f.strip_prefix("[method]")
        .or_else(|| f.strip_prefix("[static]"))
        .unwrap_or(f)
        .to_string()
}

/// What can go wrong calling a function.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// No export by that name.
    #[error("`{name}` is not a function this component exports")]
    Unknown {
        /// The name asked for.
        name: String,
        /// The functions there are.
        available: Vec<String>,
    },
    /// The short name fits several functions.
    #[error("`{name}` could be any of: {}", .candidates.join(", "))]
    Ambiguous {
        /// The name asked for.
        name: String,
        /// The functions it fits.
        candidates: Vec<String>,
    },
    /// Too many or too few arguments.
    #[error("`{function}` takes {expected} argument(s), {given} given: {signature}")]
    Arity {
        /// The function.
        function: String,
        /// How many it takes.
        expected: usize,
        /// How many were given.
        given: usize,
        /// Its signature.
        signature: String,
    },
    /// An argument is not a WAVE value of the parameter's type.
    #[error("argument `{param}` of `{function}` must be a `{ty}`; `{value}` is not one ({why})")]
    Argument {
        /// The function.
        function: String,
        /// The parameter.
        param: String,
        /// Its WIT type.
        ty: String,
        /// What was given.
        value: String,
        /// The parser's reason.
        why: String,
    },
    /// A method without `--new`, or `--new` on something else.
    #[error(
        "`{function}` is a method of the resource `{resource}`: give the constructor's arguments with `--new`"
    )]
    NeedsInstance {
        /// The method.
        function: String,
        /// Its resource.
        resource: String,
    },
    /// The call trapped, or instantiation failed.
    #[error(transparent)]
    Run(#[from] RunError),
}

impl crate::hint::Hint for CallError {
    fn hint(&self) -> Option<String> {
        match self {
            CallError::Unknown { available, .. } => Some(if available.is_empty() {
                "it exports no functions (`wash inspect` shows what it exports)".to_string()
            } else {
                format!("it exports: {}", available.join(", "))
            }),
            CallError::Ambiguous { candidates, .. } => Some(format!(
                "name one in full, e.g. `{}`",
                candidates.first().map(String::as_str).unwrap_or_default()
            )),
            CallError::Argument { .. } | CallError::Arity { .. } => Some(
                "arguments are WAVE values: 42, \"text\", [1, 2], {name: \"Ada\", age: some(36)}, \
                 ok(1), none; quote them for the shell (`wash call C f '\"Ada\"'`)"
                    .into(),
            ),
            CallError::NeedsInstance { .. } => {
                Some("e.g. `wash call C counter.get --new 5`".into())
            }
            CallError::Run(e) => crate::hint::Hint::hint(e),
        }
    }
}

/// Every function the component exports, in export order.
pub fn callables(linked: &Linked) -> Vec<Callable> {
    let engine = &linked.engine;
    let mut out = Vec::new();
    for (name, item) in linked.component.component_type().exports(engine) {
        match item.ty {
            ComponentItem::ComponentFunc(f) => out.push(callable(None, name, &f)),
            ComponentItem::ComponentInstance(instance) => {
                for (fname, fitem) in instance.exports(engine) {
                    if let ComponentItem::ComponentFunc(f) = fitem.ty {
                        out.push(callable(Some(name), fname, &f));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn callable(interface: Option<&str>, function: &str, f: &ComponentFunc) -> Callable {
    let results: Vec<String> = f.results().map(|t| wit_type(&t)).collect();
    Callable {
        interface: interface.map(str::to_string),
        function: function.to_string(),
        params: f
            .params()
            .map(|(n, t)| (n.to_string(), wit_type(&t)))
            .collect(),
        result: match results.len() {
            0 => None,
            1 => results.into_iter().next(),
            _ => Some(format!("tuple<{}>", results.join(", "))),
        },
    }
}

/// The function `name` picks among `all`: a full name, or a unique suffix of one at a `/`
/// (`greet/greet`, `greet`), the interface version optional.
pub fn resolve<'a>(all: &'a [Callable], name: &str) -> Result<&'a Callable, CallError> {
    let fits = |c: &Callable| {
        let full = c.name();
        let unversioned = strip_version(&full);
        [full.as_str(), unversioned.as_str()].iter().any(|f| {
            *f == name || f.ends_with(&format!("/{name}")) || f.ends_with(&format!(":{name}"))
        })
    };
    let found: Vec<&Callable> = all.iter().filter(|c| fits(c)).collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(CallError::Unknown {
            name: name.to_string(),
            available: all.iter().map(Callable::name).collect(),
        }),
        many => {
            // An exact full name wins over the suffixes it shares.
            if let Some(exact) = many.iter().find(|c| c.name() == name) {
                return Ok(exact);
            }
            Err(CallError::Ambiguous {
                name: name.to_string(),
                candidates: many.iter().map(|c| c.name()).collect(),
            })
        }
    }
}

/// `acme:greeter/greet@0.1.0/greet` → `acme:greeter/greet/greet`.
fn strip_version(name: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for ch in name.chars() {
        match ch {
            '@' => skipping = true,
            '/' => {
                skipping = false;
                out.push(ch);
            }
            c if !skipping => out.push(c),
            _ => {}
        }
    }
    out
}

/// What a call returned.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CallOutcome {
    /// The function called (its full name).
    pub function: String,
    /// Its result in WAVE; `None` when it returns nothing.
    pub result: Option<String>,
}

/// Instantiates the component with `grants` and `caps`, and calls `target` with `args`
/// (WAVE, one per parameter). For a method, `new_args` are the constructor's arguments.
pub async fn call(
    linked: &Linked,
    grants: &Grants,
    caps: &Arc<Capabilities>,
    target: &Callable,
    args: &[String],
    new_args: Option<&[String]>,
) -> Result<CallOutcome, CallError> {
    let guest = |e| RunError::stopped(&grants.limits, e);
    let mut store =
        Host::new(grants, caps, "wash-call")?.into_store(&linked.engine, &grants.limits, false);
    let instance = linked
        .pre
        .instantiate_async(&mut store)
        .await
        .map_err(guest)?;
    let func_of = |store: &mut wasmtime::Store<Host>, c: &Callable| {
        let parent = c
            .interface
            .as_ref()
            .and_then(|i| instance.get_export_index(&mut *store, None, i));
        let index = instance
            .get_export_index(&mut *store, parent.as_ref(), &c.function)
            .expect("listed exports exist");
        instance
            .get_func(&mut *store, index)
            .expect("listed functions are functions")
    };
    let mut params = Vec::new();
    if target.is_method() {
        let resource = target.resource().unwrap_or_default().to_string();
        let Some(new_args) = new_args else {
            return Err(CallError::NeedsInstance {
                function: target.name(),
                resource,
            });
        };
        let constructor = Callable {
            function: format!("[constructor]{resource}"),
            ..target.clone()
        };
        let ctor = func_of(&mut store, &constructor);
        let ty = ctor.ty(&store);
        let ctor_desc = callable(target.interface.as_deref(), &constructor.function, &ty);
        let values = parse_args(&ctor_desc, &ty, new_args)?;
        let mut made = [Val::Bool(false)];
        ctor.call_async(&mut store, &values, &mut made)
            .await
            .map_err(guest)?;
        // The new instance, lent to the method as its `self`.
        params.push(made[0].clone());
    }
    let func = func_of(&mut store, target);
    let ty = func.ty(&store);
    let skip = params.len();
    params.extend(parse_args_from(target, &ty, args, skip)?);
    let mut results: Vec<Val> = ty.results().map(|_| Val::Bool(false)).collect();
    func.call_async(&mut store, &params, &mut results)
        .await
        .map_err(guest)?;
    let result = match results.as_slice() {
        [] => None,
        [one] => Some(wave(one)),
        many => Some(format!(
            "({})",
            many.iter().map(wave).collect::<Vec<_>>().join(", ")
        )),
    };
    Ok(CallOutcome {
        function: target.name(),
        result,
    })
}

fn wave(v: &Val) -> String {
    v.to_wave().unwrap_or_else(|_| format!("{v:?}"))
}

fn parse_args(c: &Callable, ty: &ComponentFunc, args: &[String]) -> Result<Vec<Val>, CallError> {
    parse_args_from(c, ty, args, 0)
}

/// The arguments for `ty`'s parameters from `skip` on, each parsed as WAVE of its type.
fn parse_args_from(
    c: &Callable,
    ty: &ComponentFunc,
    args: &[String],
    skip: usize,
) -> Result<Vec<Val>, CallError> {
    let params: Vec<(String, Type)> = ty
        .params()
        .skip(skip)
        .map(|(n, t)| (n.to_string(), t))
        .collect();
    if params.len() != args.len() {
        return Err(CallError::Arity {
            function: c.name(),
            expected: params.len(),
            given: args.len(),
            signature: c.signature(),
        });
    }
    params
        .iter()
        .zip(args)
        .map(|((name, t), value)| {
            Val::from_wave(t, value).map_err(|e| CallError::Argument {
                function: c.name(),
                param: name.clone(),
                ty: wit_type(t),
                value: value.clone(),
                why: e.to_string(),
            })
        })
        .collect()
}

/// A type as WIT writes it (records and variants spelled out, since the component keeps no
/// names for them).
pub fn wit_type(t: &Type) -> String {
    match t {
        Type::Bool => "bool".into(),
        Type::S8 => "s8".into(),
        Type::U8 => "u8".into(),
        Type::S16 => "s16".into(),
        Type::U16 => "u16".into(),
        Type::S32 => "s32".into(),
        Type::U32 => "u32".into(),
        Type::S64 => "s64".into(),
        Type::U64 => "u64".into(),
        Type::Float32 => "f32".into(),
        Type::Float64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::List(l) => format!("list<{}>", wit_type(&l.ty())),
        Type::Option(o) => format!("option<{}>", wit_type(&o.ty())),
        Type::Result(r) => match (r.ok(), r.err()) {
            (None, None) => "result".into(),
            (Some(ok), None) => format!("result<{}>", wit_type(&ok)),
            (None, Some(err)) => format!("result<_, {}>", wit_type(&err)),
            (Some(ok), Some(err)) => format!("result<{}, {}>", wit_type(&ok), wit_type(&err)),
        },
        Type::Tuple(t) => format!(
            "tuple<{}>",
            t.types()
                .map(|t| wit_type(&t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::Record(r) => format!(
            "record {{ {} }}",
            r.fields()
                .map(|f| format!("{}: {}", f.name, wit_type(&f.ty)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::Variant(v) => format!(
            "variant {{ {} }}",
            v.cases()
                .map(|c| match &c.ty {
                    Some(t) => format!("{}({})", c.name, wit_type(t)),
                    None => c.name.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::Enum(e) => format!("enum {{ {} }}", e.names().collect::<Vec<_>>().join(", ")),
        Type::Flags(f) => format!("flags {{ {} }}", f.names().collect::<Vec<_>>().join(", ")),
        Type::Own(_) => "own<resource>".into(),
        Type::Borrow(_) => "borrow<resource>".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(interface: Option<&str>, function: &str) -> Callable {
        Callable {
            interface: interface.map(str::to_string),
            function: function.into(),
            params: Vec::new(),
            result: None,
        }
    }

    #[test]
    fn names_resolve_in_full_without_version_or_by_unique_suffix() {
        let all = [
            c(Some("acme:greeter/greet@0.1.0"), "greet"),
            c(Some("acme:greeter/farewell@0.1.0"), "greet"),
            c(Some("acme:counter/api@0.1.0"), "[method]counter.get"),
            c(None, "run"),
        ];
        let name = |n: &str| resolve(&all, n).map(Callable::name);
        assert_eq!(
            name("acme:greeter/greet@0.1.0/greet").unwrap(),
            "acme:greeter/greet@0.1.0/greet"
        );
        assert_eq!(
            name("acme:greeter/greet/greet").unwrap(),
            "acme:greeter/greet@0.1.0/greet"
        );
        assert_eq!(
            name("farewell/greet").unwrap(),
            "acme:greeter/farewell@0.1.0/greet"
        );
        assert_eq!(
            name("counter.get").unwrap(),
            "acme:counter/api@0.1.0/counter.get"
        );
        assert_eq!(name("run").unwrap(), "run");
        assert!(matches!(
            resolve(&all, "greet"),
            Err(CallError::Ambiguous { .. })
        ));
        assert!(matches!(
            resolve(&all, "nope"),
            Err(CallError::Unknown { .. })
        ));
    }
}
