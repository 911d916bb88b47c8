;; Imports of WASI interfaces by their versioned names, as `wash virt` and `wash compose` see
;; them: an environment getter, an exit function, and a resource-typed stream.
(component
  (import "wasi:cli/environment@0.2.6" (instance $env
    (export "get-environment" (func (result (list (tuple string string)))))
    (export "get-arguments" (func (result (list string))))))
  (import "wasi:cli/exit@0.2.6" (instance $exit
    (export "exit" (func (param "status" (result))))))
  (import "wasi:io/error@0.2.6" (instance $err
    (export "error" (type (sub resource)))))
  (import "wasi:random/random@0.2.3" (instance
    (export "get-random-u64" (func (result u64)))))
  (core module $m)
  (core instance (instantiate $m)))
