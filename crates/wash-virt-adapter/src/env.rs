//! The environment adapter: `get-environment` returns the baked-in variables, then the host's
//! variables that are on the allow list (baked-in ones win). Arguments and the initial working
//! directory pass through.

wit_bindgen::generate!({ path: "wit", world: "env", generate_all });

use crate::reader::Reader;
use alloc::string::String;
use alloc::vec::Vec;
use exports::wasi::cli::environment::Guest;
use wasi::cli::environment as host;

struct Env;

impl Guest for Env {
    fn get_environment() -> Vec<(String, String)> {
        let config = Config::decode(&wash::virt::env_config::get());
        let mut vars = config.vars;
        if config.allow_all || !config.allow.is_empty() {
            for (name, value) in host::get_environment() {
                let allowed = config.allow_all || config.allow.contains(&name);
                if allowed && !vars.iter().any(|(n, _)| *n == name) {
                    vars.push((name, value));
                }
            }
        }
        vars
    }

    fn get_arguments() -> Vec<String> {
        host::get_arguments()
    }

    fn initial_cwd() -> Option<String> {
        host::initial_cwd()
    }
}

export!(Env);

/// The configuration, as wash encodes it: little-endian `u32` counts and lengths.
/// `vars: [count, (len key, len value)*]`, `allow: [count, (len name)*]`, `allow_all: u8`.
struct Config {
    vars: Vec<(String, String)>,
    allow: Vec<String>,
    allow_all: bool,
}

impl Config {
    fn decode(bytes: &[u8]) -> Config {
        let mut r = Reader(bytes);
        let vars = (0..r.u32()).map(|_| (r.string(), r.string())).collect();
        let allow = (0..r.u32()).map(|_| r.string()).collect();
        let allow_all = r.take(1).first() == Some(&1);
        Config {
            vars,
            allow,
            allow_all,
        }
    }
}
