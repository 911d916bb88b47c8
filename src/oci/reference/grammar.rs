//! The distribution reference grammar (`name[:tag][@digest]`), parsed by hand.
//!
//! oci-client parses references with one large regular expression, compiled on first use: about
//! 15 ms, a third of an unchanged re-push (bench/oci-push-pull.sh). This parser accepts what that
//! expression accepts, with two differences, both refusals of references no registry serves:
//! a repository whose registry is defaulted (`Acme/hello`, read as `docker.io/Acme/hello`) must be
//! lower case, and a tag is ASCII, as the OCI distribution spec writes it (the expression's `\w`
//! is Unicode). The tests compare the two on the grammar's corners; `fuzz/`'s `oci` target on
//! random text.
//!
//! ```text
//! reference      := name [ ":" tag ] [ "@" digest ]
//! name           := [ domain "/" ] path-component ( "/" path-component )*
//! domain         := domain-label ( "." domain-label )* [ ":" [0-9]+ ]
//! domain-label   := [a-zA-Z0-9] | [a-zA-Z0-9] [a-zA-Z0-9-]* [a-zA-Z0-9]
//! path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"* ) [a-z0-9]+ )*
//! tag            := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//! digest         := algorithm ":" [0-9a-fA-F]{32,}
//! algorithm      := [A-Za-z][A-Za-z0-9]* ( [-_+.] [A-Za-z][A-Za-z0-9]* )*
//! ```

use oci_client::{ParseError, Reference};

/// The longest repository name (after `docker.io`'s `library/` is added).
const NAME_TOTAL_LENGTH_MAX: usize = 255;

/// Parses `text` into the reference oci-client would make of it.
pub(super) fn parse(text: &str) -> Result<Reference, ParseError> {
    if text.is_empty() {
        return Err(ParseError::NameEmpty);
    }
    // Neither a name nor a tag holds `@`; a digest holds `:`, so split it off first.
    let (rest, digest) = match text.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (text, None),
    };
    // A `:` after the last `/` starts the tag (a port is only in the first segment, before a `/`).
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].find(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if !is_name(name) || tag.is_some_and(|t| !is_tag(t)) || digest.is_some_and(|d| !is_digest(d)) {
        return Err(ParseError::ReferenceInvalidFormat);
    }
    let (registry, repository) = split_domain(name);
    if repository.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(ParseError::NameTooLong);
    }
    if let Some(digest) = digest {
        check_digest_length(digest)?;
    }
    if !repository.split('/').all(is_path_component) {
        // `Acme/hello`: the name is valid only with `Acme` as a registry host, but without a
        // `.`, `:` or `localhost` it is read as a path under `docker.io`, where it is not.
        return Err(ParseError::ReferenceInvalidFormat);
    }
    let (tag, digest) = (tag.map(str::to_string), digest.map(str::to_string));
    Ok(match (tag, digest) {
        (tag, Some(digest)) => match tag {
            Some(tag) => Reference::with_tag_and_digest(registry, repository, tag, digest),
            None => Reference::with_digest(registry, repository, digest),
        },
        (tag, None) => Reference::with_tag(
            registry,
            repository,
            tag.unwrap_or_else(|| "latest".to_string()),
        ),
    })
}

/// `[domain "/"] path-component ("/" path-component)*`.
fn is_name(name: &str) -> bool {
    let mut parts = name.split('/');
    let first = parts.next().unwrap_or_default();
    let rest_ok = parts.clone().all(is_path_component);
    let has_rest = parts.next().is_some();
    rest_ok && (is_path_component(first) || (has_rest && is_domain(first)))
}

fn is_path_component(part: &str) -> bool {
    let bytes = part.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !alnum(first) || !alnum(last) {
        return false;
    }
    // Between runs of `[a-z0-9]`: one `.`, one `_`, `__`, or any number of `-`.
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &part[start..i];
        if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-')) {
            return false;
        }
    }
    true
}

fn is_domain(domain: &str) -> bool {
    let (host, port) = match domain.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (domain, None),
    };
    port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && host.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

fn is_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let b = tag.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b[1..].iter().all(|&c| word(c) || c == b'.' || c == b'-')
}

fn is_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.rsplit_once(':') else {
        return false;
    };
    hex.len() >= 32
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
        && algorithm.split(['-', '_', '+', '.']).all(|part| {
            let b = part.as_bytes();
            !b.is_empty() && b[0].is_ascii_alphabetic() && b.iter().all(u8::is_ascii_alphanumeric)
        })
}

/// The known algorithms, each with its hex length.
fn check_digest_length(digest: &str) -> Result<(), ParseError> {
    let (algorithm, hex) = digest
        .split_once(':')
        .ok_or(ParseError::DigestInvalidFormat)?;
    let want = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err(ParseError::DigestUnsupported),
    };
    if hex.len() == want {
        Ok(())
    } else {
        Err(ParseError::DigestInvalidLength)
    }
}

/// The registry and repository of a name, as docker splits them: the first segment is a host
/// when it holds `.` or `:` or is `localhost`; otherwise the registry is `docker.io`, where a
/// one-segment name is under `library/`.
fn split_domain(name: &str) -> (String, String) {
    let (mut domain, mut remainder) = match name.split_once('/') {
        Some((left, right)) if left.contains(['.', ':']) || left == "localhost" => {
            (left.to_string(), right.to_string())
        }
        _ => ("docker.io".to_string(), name.to_string()),
    };
    if domain == "index.docker.io" {
        domain = "docker.io".to_string();
    }
    if domain == "docker.io" && !remainder.contains('/') {
        remainder = format!("library/{remainder}");
    }
    (domain, remainder)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    /// A reference's parts, to compare two parsers by.
    fn parts(r: &Reference) -> String {
        format!(
            "{}|{}|{:?}|{:?}",
            r.registry(),
            r.repository(),
            r.tag(),
            r.digest()
        )
    }

    /// What oci-client's regular expression makes of `text`, with wash's lower-case rule for
    /// defaulted registries applied (its re-parse of the whole reference).
    fn by_regex(text: &str) -> Result<String, ParseError> {
        let r = Reference::from_str(text)?;
        Reference::from_str(&r.whole())?;
        Ok(parts(&r))
    }

    fn by_hand(text: &str) -> Result<String, ParseError> {
        parse(text).map(|r| parts(&r))
    }

    const SHA: &str = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

    #[test]
    fn agrees_with_oci_client() {
        let long = "a".repeat(300);
        let tag129 = format!("x:{}", "t".repeat(129));
        let tag128 = format!("x:{}", "t".repeat(128));
        let cases: Vec<String> = [
            "busybox",
            "test.com:tag",
            "test.com:5000",
            "test.com/repo:tag",
            "test:5000/repo",
            "test:5000/repo:tag",
            "lowercase:Uppercase",
            "sub-dom1.foo.com/bar/baz/quux",
            "b.gcr.io/test.example.com/my-app:test.example.com",
            "xn--n3h.com/myimage:xn--n3h.com",
            "foo_bar.com:8080",
            "foo/foo_bar.com:8080",
            "opensuse/leap:15.3",
            "",
            ":justtag",
            "Uppercase:tag",
            "Uppercase/lowercase:tag",
            "test:5000/Uppercase/lowercase:tag",
            "aa/asdf$$^/aa",
            "localhost/x",
            "localhost:5000/a/b/c:1.0",
            "127.0.0.1:5000/hello",
            "a_b.c/x",
            "a__b/c",
            "a___b/c",
            "a._b",
            "a..b",
            "a-----b",
            "-a/b",
            "a-/b",
            "a/-b",
            "a/b-",
            "Ab.com/x",
            "ab-.com/x",
            "ab.com:/x",
            "ab.com:5x/x",
            "ab.com:5000",
            "a//b",
            "/a",
            "a/",
            "a:",
            "a:-x",
            "a:_x",
            "a:.x",
            "a:x.y-z_W",
            "a@",
            "a@sha256:",
            "a:b:c",
            "a/b:c/d",
            "index.docker.io/x",
            "index.docker.io/x/y",
            "docker.io/x",
            "x@y@z",
            "a:b@c",
            "ghcr.io/acme/hello:1.0",
            "[::1]:5000/x",
            "a.b/c:t\u{e9}",
            "a\u{e9}.b/c",
            "a.b/c\n",
            " a",
            "a b",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([
            format!("repo@{SHA}"),
            format!("repo:tag@{SHA}"),
            format!("test:5000/repo@{SHA}"),
            "repo@sha256:ffffffffffffffffffffffffffffffffff".to_string(),
            "repo@invalid:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
                .to_string(),
            "repo@sha512:ff".to_string(),
            format!("repo@SHA256:{}", "f".repeat(64)),
            format!("repo@sha+256.x-y_z:{}", "f".repeat(64)),
            format!("repo@sha256:{}", "g".repeat(64)),
            format!("repo@sha384:{}", "a".repeat(96)),
            format!("repo@sha512:{}", "a".repeat(128)),
            format!("repo@1sha:{}", "a".repeat(64)),
            format!("repo@sha256::{}", "a".repeat(64)),
            long.clone(),
            format!("x.io/{}", "a".repeat(255)),
            format!("x.io/{}", "a".repeat(256)),
            "a".repeat(248),
            "a".repeat(247),
            tag129,
            tag128,
        ])
        .collect();
        for case in &cases {
            let want = by_regex(case);
            let got = by_hand(case);
            match (&want, &got) {
                (Ok(w), Ok(g)) => assert_eq!(w, g, "{case:?}"),
                (Err(w), Err(g)) => assert_eq!(w, g, "{case:?}"),
                // The two refusals this parser adds (see the module docs).
                (Ok(_), Err(_)) if case.contains('\u{e9}') => {}
                _ => panic!("{case:?}: regex {want:?}, by hand {got:?}"),
            }
        }
    }
}
