;; A composition: a nested component instantiated and its export re-exported, named in the
;; `component-name` section as composition tools name instances.
(component $app
  (component $inner
    (core module $m (func (export "f") (result i32) i32.const 42))
    (core instance $i (instantiate $m))
    (func $f (result u32) (canon lift (core func $i "f")))
    (instance $api (export "answer" (func $f)))
    (export "acme:answer/api@0.2.0" (instance $api)))
  (instance $greeter (instantiate $inner))
  (alias export $greeter "acme:answer/api@0.2.0" (instance $api))
  (export "acme:answer/api@0.2.0" (instance $api))
  (@custom "wash:virt" "{\"env\":[\"A\"],\"allow_env\":[],\"deny\":[\"clocks\"],\"deny_stdio\":[],\"virtualized\":[],\"not_imported\":[\"clocks\"]}"))
