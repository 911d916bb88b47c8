//! Full validation of a component (or module), every function body included, spread over the
//! machine's cores: the module-level checks run in order on this thread while the function
//! bodies — most of the work, and independent of each other — are validated by workers. The
//! same verdict as `wasmparser::Validator::validate_all`, in less wall time.

use std::sync::Mutex;

use wasmparser::{
    BinaryReaderError, FuncToValidate, FuncValidatorAllocations, FunctionBody, Parser, Payload,
    ValidPayload, Validator, ValidatorResources, WasmFeatures,
};

/// Validates `bytes` with `features`. On an invalid file the error is the one earliest in it
/// among the function bodies, as a sequential validation would report.
pub fn validate(bytes: &[u8], features: WasmFeatures) -> Result<(), BinaryReaderError> {
    validate_trusting(bytes, features, &[])
}

/// [`validate`], except for the function bodies of the core modules in `bytes` that are, byte
/// for byte, one of `validated`: modules already validated whole, with features that `features`
/// includes. A function body's validity depends on nothing outside its own module, so the same
/// module need not have its bodies checked twice; everything around them (each module's own
/// sections, the components nesting them, how they are instantiated and linked) is validated
/// as always. Composing and virtualizing nest the modules of their inputs unchanged.
pub fn validate_trusting(
    bytes: &[u8],
    features: WasmFeatures,
    validated: &[&[u8]],
) -> Result<(), BinaryReaderError> {
    let mut validator = Validator::new_with_features(features);
    let mut functions: Vec<(FuncToValidate<ValidatorResources>, FunctionBody<'_>)> = Vec::new();
    // For the module or component being read and each one nesting it: whether it is a module
    // in `validated`. A nested module announces itself (its section) before its own header.
    let mut known: Vec<bool> = Vec::new();
    let mut next_is_known = false;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload?;
        match &payload {
            Payload::Version { .. } => known.push(std::mem::take(&mut next_is_known)),
            Payload::ModuleSection {
                unchecked_range, ..
            } => {
                let module = slice(bytes, unchecked_range);
                next_is_known = !module.is_empty() && validated.contains(&module);
            }
            _ => {}
        }
        let valid = validator.payload(&payload)?;
        if let ValidPayload::Func(func, body) = valid
            && !known.last().copied().unwrap_or(false)
        {
            functions.push((func, body));
        }
        if let Payload::End(_) = payload {
            known.pop();
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

/// The bytes of every core module in `bytes`: itself if it is one, else those its components
/// nest, at any depth (function bodies are skipped over, not read).
pub fn core_modules(bytes: &[u8]) -> Vec<&[u8]> {
    if Parser::is_core_wasm(bytes) {
        return vec![bytes];
    }
    let mut modules = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload {
            Ok(Payload::ModuleSection {
                unchecked_range, ..
            }) => modules.push(slice(bytes, &unchecked_range)),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    modules
}

/// The bytes `range` names, or none when it is out of bounds (the validator reports why).
fn slice<'a>(bytes: &'a [u8], range: &std::ops::Range<u64>) -> &'a [u8] {
    let start = usize::try_from(range.start).unwrap_or(usize::MAX);
    let end = usize::try_from(range.end).unwrap_or(usize::MAX);
    bytes.get(start..end).unwrap_or_default()
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

    #[test]
    fn only_the_bodies_of_modules_validated_before_are_skipped() {
        // A bad body in the first module, nested in a component nested in the outer one.
        let wat = r#"(component
            (component (core module (func (result i32) i64.const 1)))
            (core module (func (result i32) i32.const 1))
        )"#;
        let bytes = wat::parse_str(wat).unwrap();
        let features = WasmFeatures::default();
        let modules = core_modules(&bytes);
        assert_eq!(modules.len(), 2);
        assert!(validate(&bytes, features).is_err());
        // Trusting the good module changes nothing; trusting the bad one (as if validated
        // before) is what skips its body.
        assert!(validate_trusting(&bytes, features, &[modules[1]]).is_err());
        assert!(validate_trusting(&bytes, features, &[modules[0]]).is_ok());
        // Everything but the bodies is still checked: a start function that takes a parameter
        // fails in a trusted module too.
        let wat = r#"(component (core module (func $f (param i32)) (start $f)))"#;
        let bytes = wat::parse_str(wat).unwrap();
        let modules = core_modules(&bytes);
        assert!(validate_trusting(&bytes, features, &modules).is_err());
    }
}
