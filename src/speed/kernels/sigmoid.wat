;; sigmoid(a) = 1 / (1 + e^-a) of n float32 values: out[i] = sigmoid(x[i]). Called by ../sigmoid.ts.
;;
;; With e = e^-|a| in (0, 1], which never overflows: 1 / (1 + e) for a >= 0 and e / (1 + e) for
;; a < 0, one division either way. NaN stays NaN.
(module
  (import "env" "memory" (memory 0))
  (import "exp-neg-abs" "exp-neg-abs" (func $expNegAbs (param v128) (result v128)))

  (func $sigmoid (export "sigmoid") (param $x i32) (param $out i32) (param $n i32)
    (local $i i32) (local $bytes i32) ;; byte offset of the next values, and of the end
    (local $wide i32) ;; four values left (else one, in every lane)
    (local $a v128) (local $e v128)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (local.set $wide (i32.ge_u (i32.sub (local.get $bytes) (local.get $i)) (i32.const 16)))
        (local.set $a (if (result v128) (local.get $wide)
          (then (v128.load (i32.add (local.get $x) (local.get $i))))
          (else (v128.load32_splat (i32.add (local.get $x) (local.get $i))))))
        (local.set $e (call $expNegAbs (local.get $a)))
        ;; (a >= 0 ? 1 : e) / (1 + e)
        (local.set $a (f32x4.div
          (v128.bitselect (f32x4.splat (f32.const 1)) (local.get $e)
            (f32x4.ge (local.get $a) (f32x4.splat (f32.const 0))))
          (f32x4.add (f32x4.splat (f32.const 1)) (local.get $e))))
        (if (local.get $wide)
          (then
            (v128.store (i32.add (local.get $out) (local.get $i)) (local.get $a))
            (local.set $i (i32.add (local.get $i) (i32.const 16))))
          (else
            (v128.store32_lane 0 (i32.add (local.get $out) (local.get $i)) (local.get $a))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))))
        (br $next)))))
