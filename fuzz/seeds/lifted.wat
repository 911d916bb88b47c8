;; A core module whose function is lifted and exported, with the canonical ABI's memory and
;; realloc: the shape every `wash build` output has inside.
(component $greeter
  (core module $m
    (memory (export "memory") 1)
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 8)
    (func (export "greet") (param i32 i32) (result i32) i32.const 16)
    (@custom "producers" "\01\0clanguage\01\04Rust\051.95"))
  (core instance $i (instantiate $m))
  (type $greet (func (param "name" string) (result string)))
  (func $f (type $greet)
    (canon lift (core func $i "greet") (memory $i "memory") (realloc (func $i "cabi_realloc"))))
  (instance $api (export "greet" (func $f)))
  (export "acme:greet/api@0.1.0" (instance $api)))
