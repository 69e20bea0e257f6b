;; Row sums of a [rows, cols] float32 matrix: out[r] = x[r][0] + ... + x[r][cols - 1]. Called by
;; ../sum.ts for sums over the innermost axes, all of them included (one row).
;;
;; Sixteen running sums (four v128 accumulators) break the chain of dependent additions of a
;; one-by-one sum, and are added up pairwise at the end of the row; its last values (cols not a
;; multiple of 16) are added one at a time. The order differs from a sequential sum, so the last
;; bits may too.
(module
  (import "env" "memory" (memory 0))

  (func $rowSums (export "row-sums") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $rowBytes i32) (local $wideBytes i32) ;; bytes per row, and in its groups of 16 values
    (local $i i32) ;; byte offset within the row
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $tail f32)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $wideBytes (i32.and (local.get $rowBytes) (i32.const -64)))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.eqz (local.get $rows)))
        (local.set $acc0 (v128.const i32x4 0 0 0 0))
        (local.set $acc1 (v128.const i32x4 0 0 0 0))
        (local.set $acc2 (v128.const i32x4 0 0 0 0))
        (local.set $acc3 (v128.const i32x4 0 0 0 0))
        (local.set $tail (f32.const 0))
        (local.set $i (i32.const 0))
        (block $wideDone
          (loop $eachSixteen
            (br_if $wideDone (i32.ge_u (local.get $i) (local.get $wideBytes)))
            (local.set $acc0 (f32x4.add (local.get $acc0) (v128.load offset=0 (i32.add (local.get $x) (local.get $i)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (v128.load offset=16 (i32.add (local.get $x) (local.get $i)))))
            (local.set $acc2 (f32x4.add (local.get $acc2) (v128.load offset=32 (i32.add (local.get $x) (local.get $i)))))
            (local.set $acc3 (f32x4.add (local.get $acc3) (v128.load offset=48 (i32.add (local.get $x) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 64)))
            (br $eachSixteen)))
        (block $tailDone
          (loop $eachOne
            (br_if $tailDone (i32.ge_u (local.get $i) (local.get $rowBytes)))
            (local.set $tail (f32.add (local.get $tail) (f32.load (i32.add (local.get $x) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $eachOne)))
        ;; out[r] = ((acc0 + acc1) + (acc2 + acc3)) summed over lanes (0 + 1) + (2 + 3), plus the tail
        (local.set $acc0 (f32x4.add (f32x4.add (local.get $acc0) (local.get $acc1))
          (f32x4.add (local.get $acc2) (local.get $acc3))))
        (f32.store (local.get $out)
          (f32.add
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
              (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0))))
            (local.get $tail)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $eachRow)))))
