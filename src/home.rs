//! Where wash keeps what it writes for the user (SDK copies, keys, the registry cache), and the
//! user's home directory it and docker's config are found under.
//!
//! Nothing here falls back to the temp dir or the current directory: a secret key or a registry
//! password written there would be readable by other users, or left behind inside a project
//! (issue 11, "safe homes"). Without a home the caller gets a [`HomeError`] naming the variable
//! to set.

use std::path::PathBuf;

/// No directory for something wash must keep: the variable naming it is not set, and neither is
/// a usable `HOME`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no home directory: `{var}` is not set and {home}")]
pub struct HomeError {
    /// The variable that names the directory wanted: `WASH_HOME` or `DOCKER_CONFIG`.
    pub var: &'static str,
    /// Why `HOME` did not serve.
    pub home: NoHome,
}

/// Why there is no user home directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoHome {
    /// `HOME` is unset or empty.
    Unset,
    /// `HOME` is a relative path, which would put files under the current directory.
    Relative(PathBuf),
}

impl std::fmt::Display for NoHome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoHome::Unset => f.write_str("`HOME` is not set"),
            NoHome::Relative(p) => write!(f, "`HOME` (`{}`) is not an absolute path", p.display()),
        }
    }
}

impl crate::hint::Hint for HomeError {
    fn hint(&self) -> Option<String> {
        let what = match self.var {
            "DOCKER_CONFIG" => "the directory that holds docker's `config.json`",
            _ => "a directory wash may keep its keys and caches in",
        };
        Some(format!("set `{}` to {what} (or set `HOME`)", self.var))
    }
}

/// The user's home directory: `$HOME`, which must be an absolute path.
///
/// On Unix only `$HOME` counts, as for docker (Go's `os.UserHomeDir`): `std::env::home_dir`
/// would fall back to the password database, which a sandbox or a test that unsets `HOME`
/// means to rule out.
pub fn user_home() -> Result<PathBuf, NoHome> {
    #[cfg(unix)]
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    #[cfg(not(unix))]
    let home = std::env::home_dir();
    match home {
        None => Err(NoHome::Unset),
        Some(p) if p.is_absolute() => Ok(p),
        Some(p) => Err(NoHome::Relative(p)),
    }
}

/// The directory `var` names when set (and not empty), else `<home>/<below_home>`.
pub fn dir_from_env(var: &'static str, below_home: &str) -> Result<PathBuf, HomeError> {
    match std::env::var_os(var) {
        Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        _ => user_home()
            .map(|home| home.join(below_home))
            .map_err(|home| HomeError { var, home }),
    }
}

/// Where wash keeps what it writes for the user: `$WASH_HOME`, else `$HOME/.wash`.
pub fn wash_home() -> Result<PathBuf, HomeError> {
    dir_from_env("WASH_HOME", ".wash")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hint::Hint;

    #[test]
    fn the_error_names_the_variable_and_the_hint_says_to_set_it() {
        let err = HomeError {
            var: "WASH_HOME",
            home: NoHome::Unset,
        };
        assert_eq!(
            err.to_string(),
            "no home directory: `WASH_HOME` is not set and `HOME` is not set"
        );
        assert!(err.hint().unwrap().starts_with("set `WASH_HOME` to"));
        let err = HomeError {
            var: "DOCKER_CONFIG",
            home: NoHome::Relative("rel".into()),
        };
        assert!(
            err.to_string()
                .contains("`HOME` (`rel`) is not an absolute path")
        );
        assert!(err.hint().unwrap().contains("docker's `config.json`"));
    }
}
