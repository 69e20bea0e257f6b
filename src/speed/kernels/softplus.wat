;; softplus(a) = log(1 + e^a) of n float32 values: out[i] = softplus(x[i]). Called by ../softplus.ts.
;;
;; softplus(a) = max(a, 0) + log1p(e) with e = e^-|a| in (0, 1], which never overflows, and
;; log1p(e) = 2 atanh(s) with s = e / (2 + e) in [0, 1/3]: 2s (1 + s^2/3 + s^4/5 + ... + s^14/15),
;; within 1.5e-8 relative, and exact for tiny e where 1 + e would round to 1. NaN stays NaN.
(module
  (import "env" "memory" (memory 0))
  (import "exp-neg-abs" "exp-neg-abs" (func $expNegAbs (param v128) (result v128)))

  (func $softplus (export "softplus") (param $x i32) (param $out i32) (param $n i32)
    (local $i i32) (local $bytes i32) ;; byte offset of the next values, and of the end
    (local $wide i32) ;; four values left (else one, in every lane)
    (local $a v128) (local $e v128) (local $q v128) (local $s2 v128) (local $s4 v128) (local $p v128)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (local.set $wide (i32.ge_u (i32.sub (local.get $bytes) (local.get $i)) (i32.const 16)))
        (local.set $a (if (result v128) (local.get $wide)
          (then (v128.load (i32.add (local.get $x) (local.get $i))))
          (else (v128.load32_splat (i32.add (local.get $x) (local.get $i))))))
        (local.set $e (call $expNegAbs (local.get $a)))
        ;; q = 2s = 2e / (2 + e); s^2 = q^2 / 4
        (local.set $q (f32x4.div (f32x4.add (local.get $e) (local.get $e))
          (f32x4.add (f32x4.splat (f32.const 2)) (local.get $e))))
        (local.set $s2 (f32x4.mul (f32x4.mul (local.get $q) (local.get $q)) (f32x4.splat (f32.const 0.25))))
        ;; p = 1 + ((s^2/3 + s^4 (1/5 + s^2/7)) + s^8 ((1/9 + s^2/11) + s^4 (1/13 + s^2/15))), in independent
        ;; parts (Estrin's scheme) rather than one chain of multiply-adds, the 1 added last
        (local.set $s4 (f32x4.mul (local.get $s2) (local.get $s2)))
        (local.set $p (f32x4.add (f32x4.splat (f32.const 1))
          (f32x4.add
            (f32x4.add
              (f32x4.mul (local.get $s2) (f32x4.splat (f32.const 0.333333343))) ;; 1/3
              (f32x4.mul (local.get $s4)
                (f32x4.add (f32x4.splat (f32.const 0.200000003)) ;; 1/5
                  (f32x4.mul (local.get $s2) (f32x4.splat (f32.const 0.142857149)))))) ;; 1/7
            (f32x4.mul (f32x4.mul (local.get $s4) (local.get $s4))
              (f32x4.add
                (f32x4.add (f32x4.splat (f32.const 0.111111112)) ;; 1/9
                  (f32x4.mul (local.get $s2) (f32x4.splat (f32.const 0.0909090936)))) ;; 1/11
                (f32x4.mul (local.get $s4)
                  (f32x4.add (f32x4.splat (f32.const 0.0769230798)) ;; 1/13
                    (f32x4.mul (local.get $s2) (f32x4.splat (f32.const 0.0666666701)))))))))) ;; 1/15
        ;; softplus = max(a, 0) + q p (pmax keeps a NaN in its first operand)
        (local.set $a (f32x4.add (f32x4.pmax (local.get $a) (f32x4.splat (f32.const 0)))
          (f32x4.mul (local.get $q) (local.get $p))))
        (if (local.get $wide)
          (then
            (v128.store (i32.add (local.get $out) (local.get $i)) (local.get $a))
            (local.set $i (i32.add (local.get $i) (i32.const 16))))
          (else
            (v128.store32_lane 0 (i32.add (local.get $out) (local.get $i)) (local.get $a))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))))
        (br $next)))))
