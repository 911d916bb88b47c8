//! A component's bytes as decoding its types needs them: without its custom sections, nested
//! ones included. No type depends on a custom section, yet they are most of a debug build (its
//! DWARF: 9 of the 9.7 MB of the `http-hello` template's), and wit-parser copies every byte it
//! is given through a buffer of its own. The view is made of the original bytes, borrowed, and
//! of the few bytes of new size fields for the nested modules and components that lost a section.

use std::io::Read;
use std::ops::Range;

/// The custom section wit-parser reads (a WIT package's documentation): kept.
const KEPT_CUSTOM: &str = "package-docs";

/// Deeper nesting than this is decoded from the original bytes instead.
const MAX_DEPTH: usize = 64;

/// The bytes of a component less its custom sections, read front to back.
pub struct TypesOnly<'a> {
    bytes: &'a [u8],
    parts: Vec<Part>,
    /// The part being read, and how far into it.
    at: usize,
    offset: usize,
}

enum Part {
    /// These bytes of the original.
    Kept(Range<usize>),
    /// A nested module's or component's section header, with its new size.
    Header(Vec<u8>),
}

impl<'a> TypesOnly<'a> {
    /// The view of `bytes`, a module or component, or `None` when they are not well formed
    /// enough to find their sections (or nest deeper than this reads): decode those as they are.
    pub fn new(bytes: &'a [u8]) -> Option<Self> {
        let mut parts = Vec::new();
        body(bytes, 0..bytes.len(), &mut parts, 0)?;
        Some(TypesOnly {
            bytes,
            parts,
            at: 0,
            offset: 0,
        })
    }

    fn data<'p>(&'p self, part: &'p Part) -> &'p [u8] {
        match part {
            Part::Kept(range) => &self.bytes[range.clone()],
            Part::Header(header) => header,
        }
    }
}

impl Read for TypesOnly<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while let Some(part) = self.parts.get(self.at) {
            let rest = &self.data(part)[self.offset..];
            if rest.is_empty() {
                self.at += 1;
                self.offset = 0;
                continue;
            }
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            self.offset += n;
            return Ok(n);
        }
        Ok(0)
    }
}

/// Adds the parts of the module or component at `range` of `bytes` (its 8-byte header and its
/// sections) to `parts`; how many bytes they hold.
fn body(bytes: &[u8], range: Range<usize>, parts: &mut Vec<Part>, depth: usize) -> Option<usize> {
    if depth > MAX_DEPTH || range.len() < 8 || bytes.get(range.start..range.start + 4)? != b"\0asm"
    {
        return None;
    }
    // The layer field (bytes 6 and 7): 0 for a core module, 1 for a component.
    let component = bytes[range.start + 6] == 1;
    keep(parts, range.start..range.start + 8);
    let mut kept = 8;
    let mut at = range.start + 8;
    while at < range.end {
        let id = bytes[at];
        let (size, size_len) = leb_u32(bytes.get(at + 1..range.end)?)?;
        let contents = at + 1 + size_len..(at + 1 + size_len).checked_add(size as usize)?;
        if contents.end > range.end {
            return None;
        }
        let section = at..contents.end;
        match id {
            0 if custom_name(&bytes[contents.clone()])? != KEPT_CUSTOM => {}
            // A core module (1) or a component (4) nested in a component.
            1 | 4 if component => {
                let mut nested = Vec::new();
                let nested_len = body(bytes, contents.clone(), &mut nested, depth + 1)?;
                if nested_len == contents.len() {
                    keep(parts, section.clone());
                    kept += section.len();
                } else {
                    let mut header = vec![id];
                    wasm_encoder::Encode::encode(&u32::try_from(nested_len).ok()?, &mut header);
                    kept += header.len() + nested_len;
                    parts.push(Part::Header(header));
                    for part in nested {
                        match part {
                            Part::Kept(range) => keep(parts, range),
                            header => parts.push(header),
                        }
                    }
                }
            }
            _ => {
                keep(parts, section.clone());
                kept += section.len();
            }
        }
        at = section.end;
    }
    Some(kept)
}

/// Adds `range` to `parts`, as part of the last one when it follows on from it.
fn keep(parts: &mut Vec<Part>, range: Range<usize>) {
    if let Some(Part::Kept(last)) = parts.last_mut()
        && last.end == range.start
    {
        last.end = range.end;
        return;
    }
    parts.push(Part::Kept(range));
}

/// The name a custom section's contents begin with.
fn custom_name(contents: &[u8]) -> Option<&str> {
    let (len, len_len) = leb_u32(contents)?;
    let name = contents.get(len_len..len_len.checked_add(len as usize)?)?;
    std::str::from_utf8(name).ok()
}

/// An unsigned LEB128 `u32` at the start of `bytes`, and how many bytes it took.
fn leb_u32(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut value: u32 = 0;
    for (i, &byte) in bytes.iter().enumerate().take(5) {
        value |= u32::from(byte & 0x7f).checked_shl(7 * i as u32)?;
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::TypesOnly;

    fn view(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut view = TypesOnly::new(bytes).expect("a well-formed binary");
        // Read in small pieces, as wit-parser does, so a read ends inside every kind of part.
        let mut buf = [0u8; 3];
        loop {
            let n = view.read(&mut buf).unwrap();
            if n == 0 {
                return out;
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    /// A component with a nested component and core modules; `custom` is put in each. Nothing is
    /// named, so the text makes no name sections of its own.
    fn component(custom: &str) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(component
                {custom}
                (core module
                  {custom}
                  (func (export "f") (result i32) i32.const 7)
                  {custom})
                (component
                  {custom}
                  (core module {custom} (memory 1) {custom}))
                (core instance (instantiate 0))
                (func (export "f") (result s32) (canon lift (core func 0 "f")))
                {custom})"#
        ))
        .unwrap()
    }

    #[test]
    fn is_the_component_without_its_custom_sections() {
        let plain = component("");
        let custom = r#"(@custom "debug" "0123456789abcdef0123456789abcdef")"#;
        let with_custom = component(custom);
        assert!(with_custom.len() > plain.len() + 8 * 32);
        assert_eq!(view(&with_custom), plain);
        assert_eq!(view(&plain), plain);
    }

    #[test]
    fn keeps_package_docs() {
        let docs = component(r#"(@custom "package-docs" "{}")"#);
        assert_eq!(view(&docs), docs);
    }

    #[test]
    fn decodes_to_the_same_wit() {
        let with_custom = component(r#"(@custom "name-ish" "padding padding padding")"#);
        let whole = wit_component::decode(&with_custom).unwrap();
        let viewed = wit_component::decode_reader(TypesOnly::new(&with_custom).unwrap()).unwrap();
        let print = |decoded: &wit_component::DecodedWasm| {
            let mut printer = wit_component::WitPrinter::default();
            printer
                .print(decoded.resolve(), decoded.package(), &[])
                .unwrap();
            printer.output.to_string()
        };
        assert_eq!(print(&whole), print(&viewed));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let plain = component("");
        assert!(TypesOnly::new(b"not wasm").is_none());
        assert!(TypesOnly::new(&plain[..plain.len() - 3]).is_none());
        let mut oversized = plain.clone();
        oversized[9] = 0xff; // the first section's size, now past the end
        oversized[10] = 0x7f;
        assert!(TypesOnly::new(&oversized).is_none());
    }
}
