;; square(x) = x x of n float32 values: out[i] = x[i] * x[i], four at a time. Called by ../square.ts.
(module
  (import "env" "memory" (memory 0))

  (func $square (export "square") (param $x i32) (param $out i32) (param $n i32)
    (local $i i32) (local $bytes i32) (local $wideBytes i32) ;; byte offset, end, end of the groups of four
    (local $v v128)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $wideBytes (i32.and (local.get $bytes) (i32.const -16)))
    (block $wideDone
      (loop $eachFour
        (br_if $wideDone (i32.ge_u (local.get $i) (local.get $wideBytes)))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
        (v128.store (i32.add (local.get $out) (local.get $i)) (f32x4.mul (local.get $v) (local.get $v)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $eachFour)))
    (block $tailDone
      (loop $eachOne
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $bytes)))
        (f32.store (i32.add (local.get $out) (local.get $i))
          (f32.mul (f32.load (i32.add (local.get $x) (local.get $i))) (f32.load (i32.add (local.get $x) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $eachOne)))))
