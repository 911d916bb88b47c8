//! What can go wrong talking to a registry, in the user's terms: which reference, which
//! registry, what to do. oci-client's errors are sorted into these by [`OciError::from_client`].

use std::path::PathBuf;

use oci_client::errors::{OciDistributionError, OciErrorCode};

use crate::artifact::ArtifactError;
use crate::hint::Hint;
use crate::inspect::InspectError;

/// An OCI push, pull, login or cache failure.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    /// The reference does not parse.
    #[error("`{reference}` is not a registry reference: {message}")]
    InvalidReference {
        /// What was given.
        reference: String,
        /// What the parser said.
        message: String,
    },
    /// The registry refused the credentials (or wants some).
    #[error("registry `{registry}` refused access to `{reference}`: {detail}")]
    Unauthorized {
        /// The registry host.
        registry: String,
        /// The reference.
        reference: String,
        /// What the registry said.
        detail: String,
    },
    /// `wash login` with credentials the registry refuses.
    #[error("registry `{registry}` refused the credentials of user `{username}` ({status})")]
    LoginRefused {
        /// The registry host.
        registry: String,
        /// The user name given.
        username: String,
        /// The HTTP status.
        status: String,
    },
    /// Nothing answered at the registry's address.
    #[error("could not reach registry `{registry}`")]
    Unreachable {
        /// The registry host.
        registry: String,
        /// `; for a plain-HTTP registry …` when it may apply.
        insecure_hint: String,
        /// The connection error.
        #[source]
        source: OciDistributionError,
    },
    /// The connection broke mid-transfer (the registry stopped, a proxy cut it …).
    #[error("the connection to registry `{registry}` broke during the transfer of `{reference}`")]
    Interrupted {
        /// The registry host.
        registry: String,
        /// The reference.
        reference: String,
        /// The transport error.
        #[source]
        source: OciDistributionError,
    },
    /// The registry sent nothing for [`ClientOptions::timeout`](super::ClientOptions::timeout).
    #[error(
        "registry `{registry}` sent nothing for {seconds} s while wash was fetching `{reference}`"
    )]
    TimedOut {
        /// The registry host.
        registry: String,
        /// The reference.
        reference: String,
        /// The timeout, in seconds.
        seconds: u64,
    },
    /// The registry failed on its side (5xx, or 429 Too Many Requests), every time it was asked.
    #[error("registry `{registry}` failed on `{reference}`: it answered HTTP {status}")]
    ServerFailed {
        /// The registry host.
        registry: String,
        /// The reference.
        reference: String,
        /// The HTTP status of the last answer.
        status: u16,
        /// How many times the request was made (pulls retry; pushes do not).
        attempts: u32,
    },
    /// A manifest larger than [`MAX_MANIFEST_SIZE`](super::fetch::MAX_MANIFEST_SIZE).
    #[error(
        "the manifest of `{reference}` is larger than {} MiB{}; wash refuses it",
        super::fetch::MAX_MANIFEST_SIZE / (1024 * 1024),
        announced(.size)
    )]
    ManifestTooLarge {
        /// The registry host.
        registry: String,
        /// The reference.
        reference: String,
        /// The size the registry announced, when it did.
        size: Option<u64>,
    },
    /// The manifest names a component blob the registry does not have.
    #[error(
        "registry `{registry}` does not have the component blob `{digest}` the manifest of \
         `{reference}` names"
    )]
    BlobMissing {
        /// The registry host.
        registry: String,
        /// The reference.
        reference: String,
        /// The layer digest.
        digest: String,
    },
    /// The component blob is not the size the manifest declares.
    #[error(
        "size mismatch for `{reference}`: the manifest says {expected} bytes, the registry \
         {actual}; nothing was written"
    )]
    SizeMismatch {
        /// The reference.
        reference: String,
        /// The size the manifest declares.
        expected: u64,
        /// What the registry announced or sent.
        actual: String,
    },
    /// `WASH_REGISTRY_TIMEOUT` is not a whole number of seconds.
    #[error("{} = `{value}` is not a number of seconds", super::TIMEOUT_ENV)]
    BadTimeout {
        /// The variable's value.
        value: String,
    },
    /// No manifest under this tag or digest.
    #[error("`{reference}` was not found in the registry")]
    NotFound {
        /// The reference.
        reference: String,
    },
    /// The manifest is not a Wasm component artifact.
    #[error("`{reference}` is not a WebAssembly component artifact: {problem}")]
    NotWasm {
        /// The reference.
        reference: String,
        /// What is wrong with the manifest.
        problem: String,
    },
    /// Downloaded bytes do not hash to the digest the manifest (or reference) names.
    #[error(
        "digest mismatch for `{reference}`: expected {expected}, got {actual}; nothing was written"
    )]
    DigestMismatch {
        /// The reference.
        reference: String,
        /// The digest the manifest or reference names.
        expected: String,
        /// The digest of what arrived.
        actual: String,
    },
    /// The file to push changed while it was read: it no longer hashes to the digest its last
    /// push recorded (an upload already begun under that digest is refused by the registry).
    #[error("`{path}` changed while it was being pushed; no tag was written")]
    ChangedWhilePushed {
        /// The file.
        path: PathBuf,
    },
    /// The verifier (`--verify-key`) rejected the component.
    #[error("`{reference}` failed verification: {reason}; nothing was written")]
    Rejected {
        /// The reference.
        reference: String,
        /// Why the verifier refused it.
        reason: String,
    },
    /// The file to push is not a valid component.
    #[error(transparent)]
    Component(#[from] InspectError),
    /// A file could not be read or written.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// docker's config.json or a credential helper failed.
    #[error("could not read credentials for `{registry}`: {message}")]
    Credentials {
        /// The registry host.
        registry: String,
        /// What failed.
        message: String,
        /// The config file consulted.
        config: String,
    },
    /// docker's config.json could not be written, or a helper could not store or erase.
    #[error("could not save credentials to `{path}`: {message}")]
    CredentialStore {
        /// The config file or helper.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// `wash login`/`logout` with neither `DOCKER_CONFIG` nor a home directory.
    #[error("cannot find docker's `config.json`")]
    NoDockerConfig(#[source] crate::home::HomeError),
    /// No home directory to keep the component cache in.
    #[error("cannot find the component cache")]
    NoCache(#[source] crate::home::HomeError),
    /// An `--annotation` that is not `KEY=VALUE`.
    #[error("annotation `{0}` is not KEY=VALUE")]
    BadAnnotation(String),
    /// Any other registry failure.
    #[error("registry `{registry}` failed on `{reference}`")]
    Registry {
        /// The registry host.
        registry: String,
        /// The reference.
        reference: String,
        /// oci-client's error.
        #[source]
        source: OciDistributionError,
    },
    /// The async runtime could not start.
    #[error("could not start the async runtime")]
    Runtime(#[source] std::io::Error),
}

/// ` (the registry announced N bytes)`, when it did.
fn announced(size: &Option<u64>) -> String {
    size.map(|s| format!(" (the registry announced {s} bytes)"))
        .unwrap_or_default()
}

impl Hint for OciError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            OciError::InvalidReference { .. } => "write REGISTRY/REPOSITORY[:TAG], e.g. \
                `ghcr.io/acme/hello:0.1.0` or `localhost:5000/hello:dev`"
                .into(),
            OciError::Unauthorized { registry, .. } => format!(
                "log in with `wash login {registry}` (credentials are read from docker's \
                 config.json and its credential helpers)"
            ),
            OciError::LoginRefused { .. } => {
                "check the username and password (or token); nothing was saved".into()
            }
            OciError::Unreachable { insecure_hint, .. } => format!(
                "check that the registry is running and the address is right{insecure_hint}"
            ),
            OciError::Interrupted { .. } => "run the command again: a push tags nothing until \
                every blob is up (blobs already uploaded are skipped), and a pull writes nothing \
                until every digest checks"
                .into(),
            OciError::NotFound { .. } => "check the repository and tag".into(),
            OciError::TimedOut { seconds, .. } => format!(
                "the registry is stalled or very slow; try again, or give it longer with \
                 {}=SECONDS (now {seconds}); nothing was written",
                super::TIMEOUT_ENV
            ),
            OciError::ServerFailed { attempts, .. } => {
                let tried = if *attempts > 1 {
                    format!(" (wash asked {attempts} times)")
                } else {
                    String::new()
                };
                format!(
                    "the registry failed on its side{tried}; try again later, or tell the \
                     registry's operator"
                )
            }
            OciError::ManifestTooLarge { .. } => "a component's manifest is about 1 KiB; this \
                registry serves something else under that name, or is misbehaving"
                .into(),
            OciError::BlobMissing { .. } => "the repository is incomplete (a blob deleted or \
                garbage-collected under a tag); push the component again"
                .into(),
            OciError::SizeMismatch { .. } => "the registry served corrupted or truncated \
                content; retry, or tell the registry's operator"
                .into(),
            OciError::BadTimeout { .. } => {
                format!(
                    "write a whole number of seconds, e.g. {}=120",
                    super::TIMEOUT_ENV
                )
            }
            OciError::NotWasm { .. } => "wash pulls the CNCF Wasm OCI layout: one \
                `application/wasm` layer (see docs/oci.md)"
                .into(),
            OciError::DigestMismatch { .. } => "the registry served corrupted or tampered \
                content; retry, or tell the registry's operator"
                .into(),
            OciError::Credentials { config, .. } => format!("check {config}"),
            OciError::ChangedWhilePushed { .. } => {
                "push again once whatever writes it has finished".into()
            }
            OciError::BadAnnotation(_) => {
                "write e.g. `--annotation org.opencontainers.image.vendor=Acme`".into()
            }
            OciError::Component(e) => return e.hint(),
            _ => return None,
        })
    }
}

impl OciError {
    /// Sorts an oci-client error into the case the user can act on.
    pub(crate) fn from_client(
        err: OciDistributionError,
        reference: &super::ComponentRef,
        options: &super::ClientOptions,
    ) -> OciError {
        let registry = reference.registry().to_string();
        let reference_text = reference.to_string();
        let unauthorized = |detail: String| OciError::Unauthorized {
            registry: registry.clone(),
            reference: reference_text.clone(),
            detail,
        };
        // A digest check that failed inside a download stream, or the HTTP error that broke
        // one (a timeout, a cut connection), arrives wrapped in an io::Error.
        let err = match err {
            OciDistributionError::IoError(io)
                if io.get_ref().is_some_and(|e| e.is::<reqwest::Error>()) =>
            {
                match io.into_inner().map(|e| e.downcast::<reqwest::Error>()) {
                    Some(Ok(e)) => OciDistributionError::RequestError(*e),
                    _ => unreachable!("checked just above"),
                }
            }
            OciDistributionError::IoError(io)
                if io
                    .get_ref()
                    .is_some_and(|e| e.is::<oci_client::errors::DigestError>()) =>
            {
                match io
                    .into_inner()
                    .map(|e| e.downcast::<oci_client::errors::DigestError>())
                {
                    Some(Ok(digest)) => OciDistributionError::DigestError(*digest),
                    _ => unreachable!("checked just above"),
                }
            }
            other => other,
        };
        match err {
            OciDistributionError::RequestError(ref e)
                if e.status()
                    .is_some_and(|s| s.as_u16() == 401 || s.as_u16() == 403) =>
            {
                unauthorized(format!("{}", e.status().expect("checked")))
            }
            OciDistributionError::UnauthorizedError { .. } => {
                unauthorized("401 Unauthorized".into())
            }
            OciDistributionError::AuthenticationFailure(reason) => unauthorized(reason),
            OciDistributionError::RegistryError { ref envelope, .. }
                if envelope.errors.iter().any(|e| {
                    matches!(e.code, OciErrorCode::Unauthorized | OciErrorCode::Denied)
                }) =>
            {
                let detail = envelope
                    .errors
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ");
                unauthorized(detail)
            }
            OciDistributionError::ImageManifestNotFoundError(_) => OciError::NotFound {
                reference: reference_text,
            },
            OciDistributionError::RegistryError { ref envelope, .. }
                if envelope.errors.iter().any(|e| {
                    matches!(
                        e.code,
                        OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown
                    )
                }) =>
            {
                OciError::NotFound {
                    reference: reference_text,
                }
            }
            OciDistributionError::DigestError(
                oci_client::errors::DigestError::VerificationError { expected, actual },
            ) => OciError::DigestMismatch {
                reference: reference_text,
                expected,
                actual,
            },
            OciDistributionError::RequestError(ref e) if e.is_timeout() && !e.is_connect() => {
                OciError::TimedOut {
                    registry,
                    reference: reference_text,
                    seconds: options.timeout.as_secs(),
                }
            }
            OciDistributionError::ServerError { code, .. }
                if code == 429 || (500..600).contains(&code) =>
            {
                OciError::ServerFailed {
                    registry,
                    reference: reference_text,
                    status: code,
                    attempts: 1,
                }
            }
            OciDistributionError::RequestError(ref e) if e.is_connect() || e.is_timeout() => {
                let insecure_hint = if options.insecure || reference.is_loopback() {
                    String::new()
                } else {
                    "; for a plain-HTTP registry, pass `--insecure`".to_string()
                };
                OciError::Unreachable {
                    registry,
                    insecure_hint,
                    source: err,
                }
            }
            OciDistributionError::RequestError(ref e) if e.status().is_none() => {
                OciError::Interrupted {
                    registry,
                    reference: reference_text,
                    source: err,
                }
            }
            source => OciError::Registry {
                registry,
                reference: reference_text,
                source,
            },
        }
    }
}
