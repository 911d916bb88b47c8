//! Full validation of a component (or module), every function body included, spread over the
//! machine's cores: the module-level checks run in order on this thread while the function
//! bodies — most of the work, and independent of each other — are validated by workers. The
//! same verdict as `wasmparser::Validator::validate_all`, in less wall time.

use std::sync::Mutex;

use wasmparser::{
    BinaryReaderError, FuncToValidate, FuncValidatorAllocations, FunctionBody, Parser,
    ValidPayload, Validator, ValidatorResources, WasmFeatures,
};

/// Validates `bytes` with `features`. On an invalid file the error is the one earliest in it
/// among the function bodies, as a sequential validation would report.
pub fn validate(bytes: &[u8], features: WasmFeatures) -> Result<(), BinaryReaderError> {
    let mut validator = Validator::new_with_features(features);
    let mut functions: Vec<(FuncToValidate<ValidatorResources>, FunctionBody<'_>)> = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        if let ValidPayload::Func(func, body) = validator.payload(&payload?)? {
            functions.push((func, body));
        }
    }
    let workers = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .min(functions.len().div_ceil(64))
        .max(1);
    if workers == 1 {
        let mut allocs = FuncValidatorAllocations::default();
        for (func, body) in functions {
            let mut v = func.into_validator(allocs);
            v.validate(&body)?;
            allocs = v.into_allocations();
        }
        return Ok(());
    }
    // Largest bodies first, taken one at a time: the workers finish together.
    functions.sort_by_key(|(_, body)| {
        let r = body.range();
        std::cmp::Reverse(r.end - r.start)
    });
    let queue = Mutex::new(functions.into_iter());
    let first_error: Mutex<Option<BinaryReaderError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut allocs = FuncValidatorAllocations::default();
                loop {
                    let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
                    let Some((func, body)) = next else { return };
                    let mut v = func.into_validator(allocs);
                    if let Err(e) = v.validate(&body) {
                        let mut slot = first_error.lock().unwrap_or_else(|p| p.into_inner());
                        // Report the error wasmparser would: the one earliest in the file.
                        if slot.as_ref().is_none_or(|s| e.offset() < s.offset()) {
                            *slot = Some(e);
                        }
                        allocs = FuncValidatorAllocations::default();
                        continue;
                    }
                    allocs = v.into_allocations();
                }
            });
        }
    });
    match first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module of `n` functions, the `bad`th (if any) returning the wrong type.
    fn module(n: usize, bad: Option<usize>) -> Vec<u8> {
        let mut wat = String::from("(module");
        for i in 0..n {
            let body = if Some(i) == bad {
                "i64.const 1"
            } else {
                "i32.const 1"
            };
            wat.push_str(&format!(" (func (result i32) {body})"));
        }
        wat.push(')');
        wat::parse_str(&wat).unwrap()
    }

    #[test]
    fn the_same_verdict_and_error_as_wasmparser() {
        for (n, bad) in [
            (3, None),
            (500, None),
            (500, Some(7)),
            (500, Some(480)),
            (1, Some(0)),
        ] {
            let bytes = module(n, bad);
            let ours = validate(&bytes, WasmFeatures::default());
            let theirs = Validator::new_with_features(WasmFeatures::default())
                .validate_all(&bytes)
                .map(|_| ());
            assert_eq!(
                ours.as_ref()
                    .map_err(|e| (e.offset(), e.message().to_string())),
                theirs
                    .as_ref()
                    .map_err(|e| (e.offset(), e.message().to_string())),
                "{n} functions, bad: {bad:?}"
            );
        }
        // Not wasm at all, and truncated.
        assert!(validate(b"nope", WasmFeatures::default()).is_err());
        let whole = module(100, None);
        assert!(validate(&whole[..whole.len() - 3], WasmFeatures::default()).is_err());
    }
}
