//! The tables of `[package.metadata.wasmcloud]` that configure the platform a component runs
//! on: the backends `dev` selects (keyvalue, blobstore, messaging, subscriptions) and the
//! `deploy` settings, checked and converted from their raw form.

use super::*;

/// `dev.keyvalue`: a URL, or a folder relative to the manifest's directory.
pub(super) fn keyvalue(
    value: &str,
    dir: &Path,
    manifest: &Path,
) -> Result<KeyValueBackend, ConfigError> {
    match KeyValueBackend::parse(value) {
        Ok(KeyValueBackend::Files(folder)) => Ok(KeyValueBackend::Files(dir.join(folder))),
        Ok(backend) => Ok(backend),
        Err(e) => Err(unknown_scheme(manifest, "keyvalue", &e)),
    }
}

/// `dev.blobstore`: a URL, or a folder relative to the manifest's directory.
pub(super) fn blobstore(
    value: &str,
    dir: &Path,
    manifest: &Path,
) -> Result<BlobstoreBackend, ConfigError> {
    match BlobstoreBackend::parse(value) {
        Ok(BlobstoreBackend::Files(folder)) => Ok(BlobstoreBackend::Files(dir.join(folder))),
        Ok(backend) => Ok(backend),
        Err(e) => Err(unknown_scheme(manifest, "blobstore", &e)),
    }
}

/// `dev.KEY` names a scheme no backend of that capability speaks.
fn unknown_scheme(manifest: &Path, key: &str, e: &crate::run::UnknownScheme) -> ConfigError {
    ConfigError::at(
        manifest,
        &path_of(&["dev", key]),
        Problem::Invalid(format!(
            "no {key} backend speaks `{}://` (`{}`)",
            e.scheme, e.value
        )),
        None,
    )
}

/// `dev.messaging`: `in-process` or a `nats://` URL.
pub(super) fn messaging(value: &str, manifest: &Path) -> Result<MessagingBackend, ConfigError> {
    MessagingBackend::parse(value).map_err(|why| {
        ConfigError::at(
            manifest,
            &path_of(&["dev", "messaging"]),
            Problem::Invalid(why),
            None,
        )
    })
}

/// `dev.subscriptions`: each a NATS subject, optionally with a queue group after a space.
pub(super) fn subscriptions(
    values: &[String],
    manifest: &Path,
) -> Result<Vec<String>, ConfigError> {
    for (i, value) in values.iter().enumerate() {
        if let Err(e) = Subscription::parse(value) {
            let mut path = path_of(&["dev", "subscriptions"]);
            path.push(Segment::Index(i));
            let fix = e.hint();
            return Err(ConfigError::at(
                manifest,
                &path,
                Problem::Invalid(e.to_string()),
                fix,
            ));
        }
    }
    Ok(values.to_vec())
}

/// `deploy`: the name must be a DNS label (it names Kubernetes objects), subscriptions NATS
/// subjects.
pub(super) fn deploy(
    raw: RawDeploy,
    manifest: &Path,
) -> Result<crate::deploy::Settings, ConfigError> {
    if let Some(name) = &raw.name
        && crate::deploy::dns_label(name) != *name
    {
        return Err(ConfigError::at(
            manifest,
            &path_of(&["deploy", "name"]),
            Problem::Invalid(format!(
                "`{name}` is not a DNS label (lowercase letters, digits and `-`, at most 63)"
            )),
            Some(format!(
                "write e.g. `name = \"{}\"`",
                crate::deploy::dns_label(name)
            )),
        ));
    }
    for (i, value) in raw.subscriptions.iter().enumerate() {
        if let Err(e) = Subscription::parse(value) {
            let mut path = path_of(&["deploy", "subscriptions"]);
            path.push(Segment::Index(i));
            let fix = e.hint();
            return Err(ConfigError::at(
                manifest,
                &path,
                Problem::Invalid(e.to_string()),
                fix,
            ));
        }
    }
    Ok(crate::deploy::Settings {
        name: raw.name,
        namespace: raw.namespace,
        replicas: raw.replicas,
        host_group: raw.host_group,
        hostname: raw.hostname,
        config: raw.config.into_iter().collect(),
        subscriptions: raw.subscriptions,
    })
}

/// Lowercase words of letters and digits, each starting with a letter, joined by `-`.
pub(super) fn valid_namespace(ns: &str) -> bool {
    !ns.is_empty()
        && ns.split('-').all(|w| {
            w.starts_with(|c: char| c.is_ascii_lowercase())
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}
