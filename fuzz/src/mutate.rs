//! Byte-level mutations: the damage a file takes on disk, in transit, or from a hostile
//! producer. Wasm-aware where it is cheap: section sizes are found and rewritten.

use crate::Rng;

/// Values that break length checks and counters.
const INTERESTING: &[u8] = &[
    0, 1, 0x7f, 0x80, 0xff, 0x40, 0x20, b'{', b'"', b'\\', b'/', b'.',
];

/// Applies one to four random mutations to `data`; `other` (another input) is spliced in.
pub fn mutate(rng: &mut Rng, data: &mut Vec<u8>, other: Option<&[u8]>) {
    for _ in 0..rng.range(1, 4) {
        mutate_once(rng, data, other);
    }
}

fn mutate_once(rng: &mut Rng, data: &mut Vec<u8>, other: Option<&[u8]>) {
    let len = data.len();
    match rng.below(11) {
        // Flip a bit.
        0 if len > 0 => {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
        }
        // Overwrite a byte with a random or interesting value.
        1 if len > 0 => {
            let i = rng.below(len);
            data[i] = if rng.coin() {
                rng.next_u64() as u8
            } else {
                *rng.pick(INTERESTING)
            };
        }
        // Truncate.
        2 if len > 0 => data.truncate(rng.below(len)),
        // Insert random bytes.
        3 => {
            let at = rng.below(len + 1);
            let n = rng.range(1, 16);
            let bytes = rng.bytes(n);
            data.splice(at..at, bytes);
        }
        // Delete a range.
        4 if len > 0 => {
            let at = rng.below(len);
            let n = rng.range(1, (len - at).min(64));
            data.drain(at..at + n);
        }
        // Duplicate a range.
        5 if len > 0 => {
            let at = rng.below(len);
            let n = rng.range(1, (len - at).min(256));
            let chunk = data[at..at + n].to_vec();
            let to = rng.below(len + 1);
            data.splice(to..to, chunk);
        }
        // Overwrite bytes with a huge LEB128 (`u32::MAX`) or a huge signed one.
        6 if len > 0 => {
            let at = rng.below(len);
            let leb: &[u8] = if rng.coin() {
                &[0xff, 0xff, 0xff, 0xff, 0x0f]
            } else {
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
            };
            let end = (at + rng.range(1, 5)).min(len);
            data.splice(at..end, leb.iter().copied());
        }
        // Rewrite a wasm section's size: huge, zero, or off by a little.
        7 => rewrite_section_size(rng, data),
        // Splice another input: its tail after our head, or a chunk of it inside.
        8 if other.is_some_and(|o| !o.is_empty()) => {
            let other = other.unwrap_or_default();
            let from = rng.below(other.len());
            if rng.coin() {
                data.truncate(rng.below(len + 1));
                data.extend_from_slice(&other[from..]);
            } else {
                let n = rng.range(1, (other.len() - from).min(512));
                let at = rng.below(len + 1);
                data.splice(at..at, other[from..from + n].iter().copied());
            }
        }
        // Swap two bytes.
        9 if len > 1 => {
            let (a, b) = (rng.below(len), rng.below(len));
            data.swap(a, b);
        }
        // Add or subtract a little from a byte (a count, a length, an index).
        _ if len > 0 => {
            let i = rng.below(len);
            let delta = rng.range(1, 4) as u8;
            data[i] = if rng.coin() {
                data[i].wrapping_add(delta)
            } else {
                data[i].wrapping_sub(delta)
            };
        }
        _ => data.push(rng.next_u64() as u8),
    }
}

/// The top-level sections of a wasm file: `(offset of the size field, its length in bytes,
/// the size)`.
pub fn sections(data: &[u8]) -> Vec<(usize, usize, u32)> {
    let mut out = Vec::new();
    let mut pos = 8;
    while pos < data.len() {
        let size_at = pos + 1;
        let Some((size, n)) = read_leb(data, size_at) else {
            break;
        };
        out.push((size_at, n, size));
        pos = size_at + n + size as usize;
    }
    out
}

fn read_leb(data: &[u8], at: usize) -> Option<(u32, usize)> {
    let mut value: u64 = 0;
    for i in 0..5 {
        let byte = *data.get(at + i)?;
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return u32::try_from(value).ok().map(|v| (v, i + 1));
        }
    }
    None
}

fn rewrite_section_size(rng: &mut Rng, data: &mut Vec<u8>) {
    let found = sections(data);
    if found.is_empty() {
        return;
    }
    let (at, n, size) = *rng.pick(&found);
    let new = match rng.below(4) {
        0 => u32::MAX,
        1 => 0,
        2 => size.saturating_add(rng.range(1, 8) as u32),
        _ => size.saturating_sub(rng.range(1, 8) as u32),
    };
    let mut leb = Vec::new();
    let mut v = new;
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            leb.push(byte);
            break;
        }
        leb.push(byte | 0x80);
    }
    data.splice(at..at + n, leb);
}
