//! The environment adapter: `get-environment` returns the baked-in variables, then the host's
//! variables that are on the allow list (baked-in ones win). Arguments and the initial working
//! directory pass through.

wit_bindgen::generate!({ path: "wit", world: "env", generate_all });

use alloc::string::String;
use alloc::vec::Vec;
use exports::wasi::cli::environment::Guest;
use wash_virt_wire::env::EnvConfig;
use wasi::cli::environment as host;

struct Env;

impl Guest for Env {
    fn get_environment() -> Vec<(String, String)> {
        let blob = wash::virt::env_config::get();
        // SAFETY: wash writes the blob with `wash_virt_wire::env::encode`, from Rust strings.
        let config = unsafe { EnvConfig::decode_trusted(&blob) };
        let mut vars: Vec<(String, String)> =
            config.vars().map(|(k, v)| (k.into(), v.into())).collect();
        if config.lets_host_through() {
            for (name, value) in host::get_environment() {
                if config.allows(&name) && !vars.iter().any(|(n, _)| *n == name) {
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
