//! Composition, as the rest of wash uses it: the pure core is the `wash-compose` crate (bytes
//! in, bytes out, as wac-graph is to wac); finding the components to plug is
//! [`crate::source`]'s job, and the `wash compose` command's is [`crate::ops::compose`].

pub use wash_compose::{
    ComposeError, ComposeOptions, Composition, Link, OUTPUT_FEATURES, OpenImport, Plug, compose,
    core_modules, validate, validate_trusting,
};

impl crate::hint::Hint for ComposeError {
    fn hint(&self) -> Option<String> {
        match self {
            ComposeError::Ambiguous { .. } => Some("pass only one of them".into()),
            ComposeError::UnusedPlug { .. } => {
                Some("check that the plug is the component you meant".into())
            }
            _ => None,
        }
    }
}
