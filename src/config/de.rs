//! A serde `Deserializer` over a borrowed `serde_json::Value` (what `cargo metadata` gives for
//! `package.metadata`) that remembers where it is. An error comes back with the path of keys
//! and indices that led to it, and with serde's facts kept as data rather than flattened into
//! a sentence: the unknown field and the fields there are, the value found and what was
//! expected. [`super`] turns those into messages that name the key and the fix.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde_json::Value;

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A table key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// Renders a path as it reads in TOML: `virt.deny[1]`, `virt.mount."/data"`.
pub fn render(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
            Segment::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                let bare = !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if bare {
                    out.push_str(k);
                } else {
                    out.push_str(&format!("{k:?}"));
                }
            }
        }
    }
    out
}

/// What serde refused, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A key the type does not have; `expected` are the keys it has.
    UnknownField {
        field: String,
        expected: &'static [&'static str],
    },
    /// A string that is none of an enum's names.
    UnknownVariant {
        found: String,
        expected: &'static [&'static str],
    },
    /// A value of the wrong type (or a value the type refuses): what was there, and serde's
    /// word for what was wanted (`a string`, `a sequence`, `struct RawVirt`).
    InvalidType { found: String, expected: String },
    /// A required key is absent.
    MissingField(&'static str),
    /// Anything else serde says.
    Custom(String),
}

/// A refusal and where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// From the root to the value refused (for an unknown or missing field: to its table).
    pub path: Vec<Segment>,
    /// What was refused.
    pub refusal: Refusal,
}

impl Error {
    fn new(refusal: Refusal) -> Error {
        Error {
            path: Vec::new(),
            refusal,
        }
    }

    /// The same error, one level further down from the caller's point of view.
    fn under(mut self, segment: Segment) -> Error {
        self.path.insert(0, segment);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {:?}", render(&self.path), self.refusal)
    }
}

impl std::error::Error for Error {}

/// How a value found reads in a message: `"text"`, `3`, `true`, `a list`, `a table`.
fn found(unexp: de::Unexpected<'_>) -> String {
    use de::Unexpected as U;
    match unexp {
        U::Str(s) => format!("{s:?}"),
        U::Bool(b) => b.to_string(),
        U::Unsigned(n) => n.to_string(),
        U::Signed(n) => n.to_string(),
        U::Float(n) => n.to_string(),
        U::Seq => "a list".into(),
        U::Map => "a table".into(),
        other => other.to_string(),
    }
}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Error {
        Error::new(Refusal::Custom(msg.to_string()))
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Error {
        Error::new(Refusal::InvalidType {
            found: found(unexp),
            expected: exp.to_string(),
        })
    }

    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Error {
        Error::invalid_type(unexp, exp)
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Error {
        Error::new(Refusal::UnknownField {
            field: field.to_string(),
            expected,
        })
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Error {
        Error::new(Refusal::UnknownVariant {
            found: variant.to_string(),
            expected,
        })
    }

    fn missing_field(field: &'static str) -> Error {
        Error::new(Refusal::MissingField(field))
    }
}

/// Deserializes from a JSON value, tracking the path.
pub struct ValueDe<'a>(pub &'a Value);

impl<'de> de::Deserializer<'de> for ValueDe<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => visitor.visit_u64(u),
                (_, Some(i), _) => visitor.visit_i64(i),
                (_, _, f) => visitor.visit_f64(f.unwrap_or(f64::NAN)),
            },
            Value::String(s) => visitor.visit_str(s),
            Value::Array(items) => visitor.visit_seq(Seq {
                items: items.iter().enumerate(),
            }),
            Value::Object(table) => visitor.visit_map(Map {
                entries: table.iter(),
                value: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            // Unit variants only: a name such as `"clocks"`.
            Value::String(s) => {
                visitor.visit_enum(IntoDeserializer::<Error>::into_deserializer(s.as_str()))
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            // serde would take a list for a struct, field by field: in a config that is a slip.
            Value::Array(_) => Err(de::Error::invalid_type(de::Unexpected::Seq, &visitor)),
            _ => self.deserialize_any(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Seq<'a> {
    items: std::iter::Enumerate<std::slice::Iter<'a, Value>>,
}

impl<'de> de::SeqAccess<'de> for Seq<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.items.next() {
            None => Ok(None),
            Some((i, v)) => seed
                .deserialize(ValueDe(v))
                .map(Some)
                .map_err(|e| e.under(Segment::Index(i))),
        }
    }
}

struct Map<'a> {
    entries: serde_json::map::Iter<'a>,
    value: Option<(&'a String, &'a Value)>,
}

impl<'de> de::MapAccess<'de> for Map<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((k, v)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some((k, v));
        // An unknown key is refused here, with the path of its table: the caller adds the key.
        seed.deserialize(IntoDeserializer::<Error>::into_deserializer(k.as_str()))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let (k, v) = self
            .value
            .take()
            .expect("serde asks for a key before its value");
        seed.deserialize(ValueDe(v))
            .map_err(|e| e.under(Segment::Key(k.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    // Only their errors are looked at.
    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "kebab-case")]
    struct Outer {
        #[serde(default)]
        inner: Option<Inner>,
    }

    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "kebab-case")]
    struct Inner {
        list: Vec<String>,
    }

    fn err(value: Value) -> Error {
        Outer::deserialize(ValueDe(&value)).unwrap_err()
    }

    #[test]
    fn errors_carry_the_path_and_the_facts() {
        let e = err(serde_json::json!({ "inner": { "list": ["a", 3] } }));
        assert_eq!(render(&e.path), "inner.list[1]");
        assert_eq!(
            e.refusal,
            Refusal::InvalidType {
                found: "3".into(),
                expected: "a string".into()
            }
        );
        let e = err(serde_json::json!({ "inner": { "lits": [] } }));
        assert_eq!(render(&e.path), "inner");
        assert!(matches!(
            e.refusal,
            Refusal::UnknownField { ref field, expected: &["list"] } if field == "lits"
        ));
        let e = err(serde_json::json!({ "inner": {} }));
        assert_eq!(e.refusal, Refusal::MissingField("list"));
    }

    #[test]
    fn paths_read_as_toml() {
        let path = [
            Segment::Key("virt".into()),
            Segment::Key("mount".into()),
            Segment::Key("/data".into()),
        ];
        assert_eq!(render(&path), "virt.mount.\"/data\"");
        assert_eq!(
            render(&[Segment::Key("deny".into()), Segment::Index(0)]),
            "deny[0]"
        );
    }
}
