//! Registry credentials, in docker's own file: `$DOCKER_CONFIG/config.json` (default
//! `~/.docker/config.json`). Reading goes through `auths` and the credential helpers
//! (`credHelpers`, `credsStore`: `docker-credential-<name> get`) as docker does; `wash login`
//! and `wash logout` write the same file (or hand the secret to the configured helper), so
//! docker, skopeo, oras and wash share one login. Without `DOCKER_CONFIG` and a home
//! directory there is no config: reading finds no credentials, and `wash login` refuses rather
//! than write a password under the current directory.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::Engine;
use oci_client::secrets::RegistryAuth;

use super::{ClientOptions, OciError};
use crate::home::HomeError;

/// docker's config file: `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`.
pub fn config_path() -> Result<PathBuf, HomeError> {
    Ok(crate::home::dir_from_env("DOCKER_CONFIG", ".docker")?.join("config.json"))
}

/// The credentials docker would use for `registry`; anonymous when none are configured
/// (including when there is no docker config directory at all).
pub fn credentials(registry: &str) -> Result<RegistryAuth, OciError> {
    use docker_credential::{CredentialRetrievalError as E, DockerCredential};
    let Ok(path) = config_path() else {
        return Ok(RegistryAuth::Anonymous);
    };
    let Ok(file) = std::fs::File::open(&path) else {
        return Ok(RegistryAuth::Anonymous);
    };
    match docker_credential::get_credential_from_reader(std::io::BufReader::new(file), registry) {
        Ok(DockerCredential::UsernamePassword(u, p)) => Ok(RegistryAuth::Basic(u, p)),
        Ok(DockerCredential::IdentityToken(t)) => Ok(RegistryAuth::Bearer(t)),
        Err(E::NoCredentialConfigured) => Ok(RegistryAuth::Anonymous),
        // A helper that knows nothing about this registry is not an error: go anonymous.
        Err(E::HelperFailure { ref stdout, .. }) if stdout.contains("credentials not found") => {
            Ok(RegistryAuth::Anonymous)
        }
        Err(e) => Err(OciError::Credentials {
            registry: registry.to_string(),
            message: e.to_string(),
            config: path.display().to_string(),
        }),
    }
}

/// Where `wash login` put the credentials.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Stored {
    /// The registry.
    pub registry: String,
    /// The config file, or `docker-credential-<helper>`.
    pub store: String,
}

/// Checks `username`/`password` against `registry`, then saves them as docker does. Wrong
/// credentials are an [`OciError::Unauthorized`] and nothing is saved.
pub async fn login(
    registry: &str,
    username: &str,
    password: &str,
    options: &ClientOptions,
) -> Result<Stored, OciError> {
    let path = config_path().map_err(OciError::NoDockerConfig)?;
    check_credentials(registry, username, password, options).await?;
    let mut config = read_config(&path)?;
    if let Some(helper) = helper_for(&config, registry) {
        let input = serde_json::json!({
            "ServerURL": registry,
            "Username": username,
            "Secret": password,
        });
        run_helper(&helper, "store", input.to_string().as_bytes())?;
        return Ok(Stored {
            registry: registry.to_string(),
            store: format!("docker-credential-{helper}"),
        });
    }
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    let root = config
        .as_object_mut()
        .expect("read_config returns an object");
    let auths = root.entry("auths").or_insert_with(|| serde_json::json!({}));
    if !auths.is_object() {
        *auths = serde_json::json!({});
    }
    auths
        .as_object_mut()
        .expect("just made an object")
        .insert(registry.to_string(), serde_json::json!({ "auth": auth }));
    write_config(&path, &config)?;
    Ok(Stored {
        registry: registry.to_string(),
        store: path.display().to_string(),
    })
}

/// Removes saved credentials for `registry`; `false` when there were none.
pub fn logout(registry: &str) -> Result<bool, OciError> {
    let path = config_path().map_err(OciError::NoDockerConfig)?;
    let mut config = read_config(&path)?;
    if let Some(helper) = helper_for(&config, registry) {
        run_helper(&helper, "erase", registry.as_bytes())?;
        return Ok(true);
    }
    let removed = config
        .get_mut("auths")
        .and_then(|a| a.as_object_mut())
        .and_then(|a| a.remove(registry))
        .is_some();
    if removed {
        write_config(&path, &config)?;
    }
    Ok(removed)
}

fn store_err(path: &std::path::Path, message: impl ToString) -> OciError {
    OciError::CredentialStore {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

fn read_config(path: &std::path::Path) -> Result<serde_json::Value, OciError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let value: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| store_err(path, format!("it is not valid JSON: {e}")))?;
            if value.is_object() {
                Ok(value)
            } else {
                Err(store_err(path, "it is not a JSON object"))
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(serde_json::json!({})),
        Err(e) => Err(store_err(path, e)),
    }
}

fn write_config(path: &std::path::Path, config: &serde_json::Value) -> Result<(), OciError> {
    let mut text = serde_json::to_string_pretty(config).expect("JSON values serialize");
    text.push('\n');
    // The file holds secrets: owner-only from its creation, as docker writes it.
    crate::artifact::write_private(path, text.as_bytes())?;
    Ok(())
}

/// `credHelpers[registry]`, else `credsStore`, as docker picks the helper.
fn helper_for(config: &serde_json::Value, registry: &str) -> Option<String> {
    config
        .get("credHelpers")
        .and_then(|h| h.get(registry))
        .or_else(|| config.get("credsStore"))
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn run_helper(helper: &str, verb: &str, input: &[u8]) -> Result<(), OciError> {
    let program = format!("docker-credential-{helper}");
    let err = |m: String| store_err(std::path::Path::new(&program), m);
    let mut child = Command::new(&program)
        .arg(verb)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| err(format!("could not run `{program}`: {e}")))?;
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input)
        .map_err(|e| err(e.to_string()))?;
    let out = child.wait_with_output().map_err(|e| err(e.to_string()))?;
    if !out.status.success() {
        return Err(err(format!(
            "`{program} {verb}` failed: {}{}",
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// Asks the registry whether these credentials are good: `GET /v2/` with Basic auth, or, for a
/// registry with a token service, a token request with them.
async fn check_credentials(
    registry: &str,
    username: &str,
    password: &str,
    options: &ClientOptions,
) -> Result<(), OciError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let scheme = if options.insecure || super::reference::is_loopback_host(registry) {
        "http"
    } else {
        "https"
    };
    let url = format!("{scheme}://{registry}/v2/");
    let refused = |detail: String| OciError::Unauthorized {
        registry: registry.to_string(),
        reference: registry.to_string(),
        detail,
    };
    let unreachable = |e: reqwest::Error| {
        if e.is_timeout() && !e.is_connect() {
            return OciError::TimedOut {
                registry: registry.to_string(),
                reference: registry.to_string(),
                seconds: options.timeout.as_secs(),
            };
        }
        OciError::Unreachable {
            registry: registry.to_string(),
            insecure_hint: if scheme == "https" {
                "; for a plain-HTTP registry, pass `--insecure`".into()
            } else {
                String::new()
            },
            source: oci_client::errors::OciDistributionError::RequestError(e),
        }
    };
    let http = reqwest::Client::builder()
        .user_agent(super::USER_AGENT)
        .connect_timeout(super::CONNECT_TIMEOUT)
        .read_timeout(options.timeout)
        .build()
        .map_err(unreachable)?;
    let first = http.get(&url).send().await.map_err(unreachable)?;
    if first.status().is_success() {
        return Ok(());
    }
    let challenge = first
        .headers()
        .get(reqwest::header::WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let answer = if let Some(params) = challenge.strip_prefix("Bearer ") {
        let param = |name: &str| {
            params.split(',').find_map(|kv| {
                let (k, v) = kv.trim().split_once('=')?;
                (k == name).then(|| v.trim_matches('"').to_string())
            })
        };
        let realm =
            param("realm").ok_or_else(|| refused(format!("odd challenge `{challenge}`")))?;
        let mut req = http.get(&realm).basic_auth(username, Some(password));
        if let Some(service) = param("service") {
            req = req.query(&[("service", service)]);
        }
        req.send().await.map_err(unreachable)?
    } else {
        http.get(&url)
            .basic_auth(username, Some(password))
            .send()
            .await
            .map_err(unreachable)?
    };
    if answer.status().is_success() {
        Ok(())
    } else {
        Err(OciError::LoginRefused {
            registry: registry.to_string(),
            username: username.to_string(),
            status: answer.status().to_string(),
        })
    }
}
