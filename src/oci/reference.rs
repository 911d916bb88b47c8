//! Registry references (`registry/repository[:tag][@digest]`), as docker and oci-client parse
//! them, plus what wash needs to know about one: whether a tag was written, whether the registry
//! is on this machine, and whether a command-line word is a reference rather than a file.

use std::fmt;

use super::OciError;

mod grammar;

/// A parsed registry reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentRef {
    inner: oci_client::Reference,
    explicit_tag: bool,
}

impl ComponentRef {
    /// Parses `ghcr.io/acme/hello:1.0`, `localhost:5000/hello@sha256:…`; an `oci://` prefix is
    /// allowed. Without a registry host, docker's default (`docker.io`) applies.
    pub fn parse(text: &str) -> Result<ComponentRef, OciError> {
        let trimmed = text.strip_prefix("oci://").unwrap_or(text);
        let invalid = |e: oci_client::ParseError| OciError::InvalidReference {
            reference: text.to_string(),
            message: e.to_string(),
        };
        let inner = grammar::parse(trimmed).map_err(invalid)?;
        let last = trimmed.rsplit('/').next().unwrap_or(trimmed);
        let explicit_tag = last.split('@').next().is_some_and(|n| n.contains(':'));
        Ok(ComponentRef {
            inner,
            explicit_tag,
        })
    }

    /// Whether `word` (a command-line argument that is not an existing file) reads as a
    /// registry reference: an `oci://` prefix, or a first segment that is a host name
    /// (`localhost`, or containing `.` or `:`) followed by a repository.
    pub fn looks_like_reference(word: &str) -> bool {
        if word.starts_with("oci://") {
            return true;
        }
        if word.ends_with(".wasm") && !word.contains(':') {
            return false;
        }
        match word.split_once('/') {
            Some((host, rest)) => {
                !rest.is_empty()
                    && (host == "localhost" || host.contains('.') || host.contains(':'))
                    && !host.starts_with('.')
            }
            None => false,
        }
    }

    /// The registry host (and port).
    pub fn registry(&self) -> &str {
        self.inner.resolve_registry()
    }

    /// The repository path.
    pub fn repository(&self) -> &str {
        self.inner.repository()
    }

    /// The tag (`latest` when none was written and there is no digest).
    #[cfg(test)]
    fn tag(&self) -> Option<&str> {
        self.inner.tag()
    }

    /// The digest, when the reference pins one.
    pub fn digest(&self) -> Option<&str> {
        self.inner.digest()
    }

    /// Whether the user wrote a tag (rather than getting `latest` by default).
    pub fn has_explicit_tag(&self) -> bool {
        self.explicit_tag
    }

    /// The same repository with another tag.
    pub fn with_tag(&self, tag: &str) -> ComponentRef {
        ComponentRef {
            inner: oci_client::Reference::with_tag(
                self.inner.registry().to_string(),
                self.inner.repository().to_string(),
                tag.to_string(),
            ),
            explicit_tag: true,
        }
    }

    /// Whether the registry is on this machine, where plain HTTP is allowed without `--insecure`.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(self.registry())
    }

    /// The reference oci-client takes.
    pub(crate) fn as_oci(&self) -> &oci_client::Reference {
        &self.inner
    }

    /// The last repository segment, e.g. `hello` for `ghcr.io/acme/hello:1.0`.
    pub fn short_name(&self) -> &str {
        self.repository().rsplit('/').next().unwrap_or("component")
    }
}

/// `localhost`, `127.x.x.x` or `[::1]`, with or without a port.
pub fn is_loopback_host(registry: &str) -> bool {
    let host = if let Some(rest) = registry.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        registry.split(':').next().unwrap_or(registry)
    };
    host == "localhost" || host == "::1" || host.starts_with("127.")
}

impl fmt::Display for ComponentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.inner.whole())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_digests_and_hosts() {
        let r = ComponentRef::parse("localhost:5000/acme/hello").unwrap();
        assert_eq!(r.registry(), "localhost:5000");
        assert_eq!(r.repository(), "acme/hello");
        assert!(!r.has_explicit_tag());
        assert!(r.is_loopback());
        let r = ComponentRef::parse("oci://127.0.0.1:5000/hello:1.2.0").unwrap();
        assert!(r.has_explicit_tag());
        assert_eq!(r.tag(), Some("1.2.0"));
        assert!(
            !ComponentRef::parse("ghcr.io/acme/hello:1")
                .unwrap()
                .is_loopback()
        );
        assert!(ComponentRef::parse("Bad Ref").is_err());
    }

    #[test]
    fn references_versus_files() {
        assert!(ComponentRef::looks_like_reference(
            "localhost:5000/hello:1.0"
        ));
        assert!(ComponentRef::looks_like_reference("ghcr.io/acme/hello"));
        assert!(ComponentRef::looks_like_reference("oci://x/y"));
        assert!(!ComponentRef::looks_like_reference(
            "target/wasmcloud/hello.wasm"
        ));
        assert!(!ComponentRef::looks_like_reference("../x.y/hello.wasm"));
        assert!(!ComponentRef::looks_like_reference("hello.wasm"));
    }
}
