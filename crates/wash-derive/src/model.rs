//! The WIT a crate derives, as data, and its rendering as WIT text.

use crate::names::escape;

/// `namespace:name@version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageName {
    /// The namespace (`[package.metadata.wasmcloud] namespace`).
    pub namespace: String,
    /// The package name (the crate's name in kebab-case).
    pub name: String,
    /// The crate's version.
    pub version: Option<String>,
}

impl PackageName {
    /// A package name; `name` is converted to kebab-case.
    pub fn new(namespace: &str, name: &str, version: Option<&str>) -> PackageName {
        PackageName {
            namespace: crate::kebab(namespace),
            name: crate::kebab(name),
            version: version.map(str::to_string),
        }
    }
}

impl std::fmt::Display for PackageName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.namespace, self.name)?;
        if let Some(v) = &self.version {
            write!(f, "@{v}")?;
        }
        Ok(())
    }
}

/// A WIT type as used in a signature or a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `bool`, `u8`…`s64`, `f32`, `f64`, `char`, `string`.
    Prim(&'static str),
    /// `list<T>`.
    List(Box<Ty>),
    /// `option<T>`.
    Option(Box<Ty>),
    /// `result<T, E>`, either side may be empty.
    Result(Option<Box<Ty>>, Option<Box<Ty>>),
    /// `tuple<…>`.
    Tuple(Vec<Ty>),
    /// A type defined in this package (its kebab name); a resource here means `own<r>`.
    Named(String),
    /// `borrow<r>`: a `&Resource` parameter.
    Borrow(String),
}

impl Ty {
    /// The WIT source text.
    pub fn to_wit(&self) -> String {
        match self {
            Ty::Prim(p) => p.to_string(),
            Ty::List(t) => format!("list<{}>", t.to_wit()),
            Ty::Option(t) => format!("option<{}>", t.to_wit()),
            Ty::Result(None, None) => "result".into(),
            Ty::Result(Some(ok), None) => format!("result<{}>", ok.to_wit()),
            Ty::Result(None, Some(err)) => format!("result<_, {}>", err.to_wit()),
            Ty::Result(Some(ok), Some(err)) => format!("result<{}, {}>", ok.to_wit(), err.to_wit()),
            Ty::Tuple(ts) => format!(
                "tuple<{}>",
                ts.iter().map(Ty::to_wit).collect::<Vec<_>>().join(", ")
            ),
            Ty::Named(n) => escape(n),
            Ty::Borrow(n) => format!("borrow<{}>", escape(n)),
        }
    }

    /// Every package-defined type this one mentions.
    pub fn named(&self, out: &mut Vec<String>) {
        match self {
            Ty::Prim(_) => {}
            Ty::List(t) | Ty::Option(t) => t.named(out),
            Ty::Result(a, b) => {
                for t in [a, b].into_iter().flatten() {
                    t.named(out);
                }
            }
            Ty::Tuple(ts) => ts.iter().for_each(|t| t.named(out)),
            Ty::Named(n) | Ty::Borrow(n) => out.push(n.clone()),
        }
    }
}

/// A record field, flag, or enum/variant case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The kebab name.
    pub name: String,
    /// The type: a record field's, or a variant case's payload.
    pub ty: Option<Ty>,
    /// Doc comment lines.
    pub docs: Vec<String>,
}

/// A function: interface function, resource method, or constructor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Func {
    /// The kebab name.
    pub name: String,
    /// Parameters, in order.
    pub params: Vec<(String, Ty)>,
    /// The result, if any.
    pub result: Option<Ty>,
    /// Doc comment lines.
    pub docs: Vec<String>,
}

impl Func {
    fn signature(&self) -> String {
        let params = self
            .params
            .iter()
            .map(|(n, t)| format!("{}: {}", escape(n), t.to_wit()))
            .collect::<Vec<_>>()
            .join(", ");
        match &self.result {
            Some(r) => format!("func({params}) -> {}", r.to_wit()),
            None => format!("func({params})"),
        }
    }
}

/// What a named type is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeKind {
    /// A struct with named fields.
    Record(Vec<Field>),
    /// A fieldless enum.
    Enum(Vec<Field>),
    /// An enum whose cases may carry one value.
    Variant(Vec<Field>),
    /// A struct of `bool`s.
    Flags(Vec<Field>),
    /// A struct with methods, held by handle.
    Resource {
        /// `fn new(…) -> Self`.
        constructor: Option<Func>,
        /// `&self` methods.
        methods: Vec<Func>,
        /// Functions without `self`.
        statics: Vec<Func>,
    },
}

/// A named type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeDef {
    /// The kebab name.
    pub name: String,
    /// The Rust path, `crate::…::Name`, for bindings that map the WIT type back to it.
    pub rust_path: String,
    /// Its shape.
    pub kind: TypeKind,
    /// Doc comment lines.
    pub docs: Vec<String>,
}

impl TypeDef {
    /// The package-defined types its definition mentions.
    pub fn mentions(&self) -> Vec<String> {
        let mut out = Vec::new();
        let funcs = |f: &Func, out: &mut Vec<String>| {
            f.params.iter().for_each(|(_, t)| t.named(out));
            if let Some(r) = &f.result {
                r.named(out);
            }
        };
        match &self.kind {
            TypeKind::Record(fs) | TypeKind::Variant(fs) => fs
                .iter()
                .filter_map(|f| f.ty.as_ref())
                .for_each(|t| t.named(&mut out)),
            TypeKind::Enum(_) | TypeKind::Flags(_) => {}
            TypeKind::Resource {
                constructor,
                methods,
                statics,
            } => {
                constructor
                    .iter()
                    .chain(methods)
                    .chain(statics)
                    .for_each(|f| funcs(f, &mut out));
            }
        }
        out.retain(|n| n != &self.name);
        out
    }
}

/// A WIT interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// The kebab name.
    pub name: String,
    /// The Rust trait it came from (`crate::…::Trait`); `None` for the shared `types` interface.
    pub rust_trait: Option<String>,
    /// Types it takes from other interfaces of the package: (interface, type names).
    pub uses: Vec<(String, Vec<String>)>,
    /// Types defined in it.
    pub types: Vec<TypeDef>,
    /// Its functions.
    pub funcs: Vec<Func>,
    /// Doc comment lines.
    pub docs: Vec<String>,
}

/// A derived WIT package: interfaces, and a world exporting them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// `ns:name@version`.
    pub name: PackageName,
    /// Its interfaces.
    pub interfaces: Vec<Interface>,
    /// The interfaces its world exports: those the crate implements with `#[wash::export]`
    /// (and the shared `types` they use), or all of them in a crate that implements none.
    pub exports: Vec<String>,
}

impl Package {
    /// The world a component of this crate targets: it exports every interface. It is named
    /// after the package, unless an interface already has that name (WIT names share one scope).
    pub fn world_name(&self) -> String {
        let name = &self.name.name;
        if self.interfaces.iter().any(|i| &i.name == name) {
            format!("{name}-world")
        } else {
            name.clone()
        }
    }

    /// The interface with this name.
    pub fn interface(&self, name: &str) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.name == name)
    }

    /// The WIT text of the package and its world.
    pub fn to_wit(&self) -> String {
        let mut out = format!("package {};\n", self.name);
        self.render_interfaces(&mut out);
        out.push_str(&format!("\nworld {} {{\n", escape(&self.world_name())));
        for name in &self.exports {
            out.push_str(&format!("  export {};\n", escape(name)));
        }
        out.push_str("}\n");
        out
    }

    /// The package's interfaces as a nested `package ns:name@version { … }` block, for a WIT
    /// document whose main package imports them.
    pub fn to_wit_nested(&self) -> String {
        let mut body = String::new();
        self.render_interfaces(&mut body);
        let indented: String = body
            .lines()
            .map(|l| {
                if l.is_empty() {
                    "\n".to_string()
                } else {
                    format!("  {l}\n")
                }
            })
            .collect();
        format!(
            "package {} {{\n{}}}\n",
            self.name,
            indented.trim_start_matches('\n')
        )
    }

    /// `ns:name/iface@version`, how a world names one of the package's interfaces.
    pub fn interface_id(&self, iface: &str) -> String {
        let mut id = format!("{}:{}/{}", self.name.namespace, self.name.name, iface);
        if let Some(v) = &self.name.version {
            id.push('@');
            id.push_str(v);
        }
        id
    }

    fn render_interfaces(&self, out: &mut String) {
        for iface in &self.interfaces {
            out.push('\n');
            docs(out, &iface.docs, "");
            out.push_str(&format!("interface {} {{\n", escape(&iface.name)));
            for (from, names) in &iface.uses {
                let names: Vec<_> = names.iter().map(|n| escape(n)).collect();
                out.push_str(&format!(
                    "  use {}.{{{}}};\n",
                    escape(from),
                    names.join(", ")
                ));
            }
            if !(iface.uses.is_empty() || iface.types.is_empty() && iface.funcs.is_empty()) {
                out.push('\n');
            }
            for (i, t) in iface.types.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                render_type(out, t);
            }
            if !iface.types.is_empty() && !iface.funcs.is_empty() {
                out.push('\n');
            }
            for f in &iface.funcs {
                docs(out, &f.docs, "  ");
                out.push_str(&format!("  {}: {};\n", escape(&f.name), f.signature()));
            }
            out.push_str("}\n");
        }
    }
}

fn docs(out: &mut String, lines: &[String], indent: &str) {
    for line in lines {
        if line.is_empty() {
            out.push_str(&format!("{indent}///\n"));
        } else {
            out.push_str(&format!("{indent}/// {line}\n"));
        }
    }
}

fn render_type(out: &mut String, t: &TypeDef) {
    docs(out, &t.docs, "  ");
    let name = escape(&t.name);
    let cases = |out: &mut String, keyword: &str, fields: &[Field], typed: bool| {
        out.push_str(&format!("  {keyword} {name} {{\n"));
        for f in fields {
            docs(out, &f.docs, "    ");
            let fname = escape(&f.name);
            match (&f.ty, typed) {
                (Some(ty), true) if keyword == "record" => {
                    out.push_str(&format!("    {fname}: {},\n", ty.to_wit()))
                }
                (Some(ty), true) => out.push_str(&format!("    {fname}({}),\n", ty.to_wit())),
                _ => out.push_str(&format!("    {fname},\n")),
            }
        }
        out.push_str("  }\n");
    };
    match &t.kind {
        TypeKind::Record(fs) => cases(out, "record", fs, true),
        TypeKind::Variant(fs) => cases(out, "variant", fs, true),
        TypeKind::Enum(fs) => cases(out, "enum", fs, false),
        TypeKind::Flags(fs) => cases(out, "flags", fs, false),
        TypeKind::Resource {
            constructor,
            methods,
            statics,
        } => {
            if constructor.is_none() && methods.is_empty() && statics.is_empty() {
                out.push_str(&format!("  resource {name};\n"));
                return;
            }
            out.push_str(&format!("  resource {name} {{\n"));
            if let Some(c) = constructor {
                docs(out, &c.docs, "    ");
                let params = c
                    .params
                    .iter()
                    .map(|(n, t)| format!("{}: {}", escape(n), t.to_wit()))
                    .collect::<Vec<_>>()
                    .join(", ");
                out.push_str(&format!("    constructor({params});\n"));
            }
            for m in methods {
                docs(out, &m.docs, "    ");
                out.push_str(&format!("    {}: {};\n", escape(&m.name), m.signature()));
            }
            for s in statics {
                docs(out, &s.docs, "    ");
                out.push_str(&format!(
                    "    {}: static {};\n",
                    escape(&s.name),
                    s.signature()
                ));
            }
            out.push_str("  }\n");
        }
    }
}
