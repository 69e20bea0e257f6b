;; One Adam update of a float32 variable of n values, exactly as tfjs-core 4.22's
;; AdamOptimizer.applyGradients computes it with tensor ops: the same float32 operations in the same
;; order, so the same bits. Called by ../adam.ts.
;;
;;   m' = m beta1 + g (1 - beta1)            v' = v beta2 + g^2 (1 - beta2)
;;   w' = (m' / (1 - beta1^t)) / (sqrt(v' / (1 - beta2^t)) + epsilon) (-learningRate) + w
;;
;; beta1^t and beta2^t are the optimizer's float32 scalars accBeta1 and accBeta2, read from memory;
;; 1 - beta1, 1 - beta2 and -learningRate arrive as tfjs rounds them (JavaScript numbers to float32).
;; w', m', v' go to new buffers; w, g, m, v are only read.
(module
  (import "env" "memory" (memory 0))

  (func $adam (export "adam")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32) ;; addresses of the inputs
    (param $newW i32) (param $newM i32) (param $newV i32) ;; addresses of the outputs
    (param $n i32)
    (param $accBeta1 i32) (param $accBeta2 i32) ;; addresses of the scalars beta1^t and beta2^t
    (param $beta1 f32) (param $oneMinusBeta1 f32) (param $beta2 f32) (param $oneMinusBeta2 f32)
    (param $negLearningRate f32) (param $epsilon f32)
    (local $i i32) (local $bytes i32) ;; byte offset of the next values, and of the end
    (local $wide i32) ;; four values left (else one, in every lane)
    (local $b1 v128) (local $c1 v128) (local $b2 v128) (local $c2 v128) (local $lr v128) (local $eps v128)
    (local $bc1 v128) (local $bc2 v128) ;; the bias corrections 1 - beta1^t, 1 - beta2^t
    (local $wv v128) (local $gv v128) (local $mv v128) (local $vv v128)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $b1 (f32x4.splat (local.get $beta1)))
    (local.set $c1 (f32x4.splat (local.get $oneMinusBeta1)))
    (local.set $b2 (f32x4.splat (local.get $beta2)))
    (local.set $c2 (f32x4.splat (local.get $oneMinusBeta2)))
    (local.set $lr (f32x4.splat (local.get $negLearningRate)))
    (local.set $eps (f32x4.splat (local.get $epsilon)))
    (local.set $bc1 (f32x4.splat (f32.sub (f32.const 1) (f32.load (local.get $accBeta1)))))
    (local.set $bc2 (f32x4.splat (f32.sub (f32.const 1) (f32.load (local.get $accBeta2)))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (local.set $wide (i32.ge_u (i32.sub (local.get $bytes) (local.get $i)) (i32.const 16)))
        (if (local.get $wide)
          (then
            (local.set $wv (v128.load (i32.add (local.get $w) (local.get $i))))
            (local.set $gv (v128.load (i32.add (local.get $g) (local.get $i))))
            (local.set $mv (v128.load (i32.add (local.get $m) (local.get $i))))
            (local.set $vv (v128.load (i32.add (local.get $v) (local.get $i)))))
          (else
            (local.set $wv (v128.load32_splat (i32.add (local.get $w) (local.get $i))))
            (local.set $gv (v128.load32_splat (i32.add (local.get $g) (local.get $i))))
            (local.set $mv (v128.load32_splat (i32.add (local.get $m) (local.get $i))))
            (local.set $vv (v128.load32_splat (i32.add (local.get $v) (local.get $i))))))
        ;; m' = m beta1 + g (1 - beta1)
        (local.set $mv (f32x4.add (f32x4.mul (local.get $mv) (local.get $b1))
          (f32x4.mul (local.get $gv) (local.get $c1))))
        ;; v' = v beta2 + square(g) (1 - beta2)
        (local.set $vv (f32x4.add (f32x4.mul (local.get $vv) (local.get $b2))
          (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $c2))))
        ;; w' = (m'/bc1) / (sqrt(v'/bc2) + epsilon) (-learningRate) + w
        (local.set $wv (f32x4.add
          (f32x4.mul
            (f32x4.div (f32x4.div (local.get $mv) (local.get $bc1))
              (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (local.get $bc2))) (local.get $eps)))
            (local.get $lr))
          (local.get $wv)))
        (if (local.get $wide)
          (then
            (v128.store (i32.add (local.get $newW) (local.get $i)) (local.get $wv))
            (v128.store (i32.add (local.get $newM) (local.get $i)) (local.get $mv))
            (v128.store (i32.add (local.get $newV) (local.get $i)) (local.get $vv))
            (local.set $i (i32.add (local.get $i) (i32.const 16))))
          (else
            (v128.store32_lane 0 (i32.add (local.get $newW) (local.get $i)) (local.get $wv))
            (v128.store32_lane 0 (i32.add (local.get $newM) (local.get $i)) (local.get $mv))
            (v128.store32_lane 0 (i32.add (local.get $newV) (local.get $i)) (local.get $vv))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))))
        (br $next)))))
