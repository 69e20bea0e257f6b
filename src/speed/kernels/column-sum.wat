;; Column sums of a [rows, cols] float32 matrix: out[c] = x[0][c] + x[1][c] + ... in row order.
;; Called by ../sum.ts.
;;
;; Each row is added onto out four columns at a time, the last columns one at a time.
(module
  (import "env" "memory" (memory 0))

  (func $columnSum (export "column-sum") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $rowBytes i32) (local $wideBytes i32) ;; bytes per row, and in its groups of four columns
    (local $i i32) ;; byte offset within the row
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $wideBytes (i32.and (local.get $rowBytes) (i32.const -16)))
    (memory.fill (local.get $out) (i32.const 0) (local.get $rowBytes)) ;; out = 0
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.eqz (local.get $rows)))
        ;; out += this row
        (local.set $i (i32.const 0))
        (block $wideDone
          (loop $eachFour
            (br_if $wideDone (i32.ge_u (local.get $i) (local.get $wideBytes)))
            (v128.store (i32.add (local.get $out) (local.get $i))
              (f32x4.add (v128.load (i32.add (local.get $out) (local.get $i)))
                (v128.load (i32.add (local.get $x) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $eachFour)))
        (block $tailDone
          (loop $eachOne
            (br_if $tailDone (i32.ge_u (local.get $i) (local.get $rowBytes)))
            (f32.store (i32.add (local.get $out) (local.get $i))
              (f32.add (f32.load (i32.add (local.get $out) (local.get $i)))
                (f32.load (i32.add (local.get $x) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $eachOne)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $eachRow)))))
