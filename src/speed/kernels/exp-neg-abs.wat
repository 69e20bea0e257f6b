;; e^-|a| in each of four float32 lanes: the part of softplus and sigmoid that needs an exponential
;; (imported by softplus.wat and sigmoid.wat), to within 1.2e-7 relative. NaN stays NaN.
;;
;; t = |a| = n ln2 + r with n a whole number and |r| <= ln2/2, so e^-t = e^-r 2^-n: e^-r by its
;; Taylor series (to r^7) and 2^-n from exponent bits. ln2 is split in two so that n ln2 is exact.
;; The series is evaluated in independent parts (Estrin's scheme) rather than one long chain of
;; multiply-adds (Horner's), which here is what limits the speed.
(module
  (func $expNegAbs (export "exp-neg-abs") (param $a v128) (result v128)
    (local $t v128) (local $z v128) (local $n v128) (local $u v128) (local $u2 v128) (local $p v128)
    (local $ni v128) (local $n1 v128) ;; n, and its first half n1 = n/2, as i32 lanes
    ;; t = min(|a|, 104): beyond 104, e^-t rounds to 0 in float32 (pmin keeps a NaN in its first operand)
    (local.set $t (f32x4.pmin (f32x4.abs (local.get $a)) (f32x4.splat (f32.const 104))))
    ;; n = nearest(t / ln2): adding 1.5 * 2^23 rounds t / ln2 to a whole number held in the low bits
    ;; of z's mantissa, as float (z - 1.5 * 2^23) and as integer (the bits of z minus those of 1.5 * 2^23)
    (local.set $z (f32x4.add (f32x4.mul (local.get $t) (f32x4.splat (f32.const 1.44269502))) ;; 1/ln2
      (f32x4.splat (f32.const 12582912))))
    (local.set $n (f32x4.sub (local.get $z) (f32x4.splat (f32.const 12582912))))
    (local.set $ni (i32x4.sub (local.get $z) (f32x4.splat (f32.const 12582912))))
    ;; u = -r = n ln2_hi - t + n ln2_lo
    (local.set $u (f32x4.add
      (f32x4.sub (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693145751953125))) (local.get $t))
      (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.00000142860677))))) ;; ln2 - ln2_hi
    ;; p = e^u = 1 + ((u + u^2 (1/2! + u/3!)) + u^4 ((1/4! + u/5!) + u^2 (1/6! + u/7!))), the 1 added last
    (local.set $u2 (f32x4.mul (local.get $u) (local.get $u)))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 1))
      (f32x4.add
        (f32x4.add (local.get $u)
          (f32x4.mul (local.get $u2)
            (f32x4.add (f32x4.splat (f32.const 0.5)) (f32x4.mul (local.get $u) (f32x4.splat (f32.const 0.166666672)))))) ;; 1/3!
        (f32x4.mul (f32x4.mul (local.get $u2) (local.get $u2))
          (f32x4.add
            (f32x4.add (f32x4.splat (f32.const 0.0416666679)) ;; 1/4!
              (f32x4.mul (local.get $u) (f32x4.splat (f32.const 0.00833333377)))) ;; 1/5!
            (f32x4.mul (local.get $u2)
              (f32x4.add (f32x4.splat (f32.const 0.00138888892)) ;; 1/6!
                (f32x4.mul (local.get $u) (f32x4.splat (f32.const 0.000198412701)))))))))) ;; 1/7!
    ;; p 2^-n as p 2^-n1 2^-(n - n1) with n1 = n/2: each factor stays a normal float for n up to 150,
    ;; and the last product rounds once into the subnormal range. 2^-k has the exponent bits (127 - k) << 23.
    (local.set $n1 (i32x4.shr_s (local.get $ni) (i32.const 1)))
    (f32x4.mul
      (f32x4.mul (local.get $p) (i32x4.shl (i32x4.sub (i32x4.splat (i32.const 127)) (local.get $n1)) (i32.const 23)))
      (i32x4.shl (i32x4.sub (i32x4.splat (i32.const 127)) (i32x4.sub (local.get $ni) (local.get $n1))) (i32.const 23)))))
