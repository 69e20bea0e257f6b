;; C = act(bias + A' B) of float32 matrices, for the rows rowStart..rowEnd-1 of C. Called by ../matmul.ts.
;;
;; A' is m x k, read through two byte steps, so that A itself or its transpose serves without a copy:
;; A'[i][kk] is at a + i * aRow + kk * aCol. B is k x n and C m x n, row-major; bias has n values
;; (zeros when the product has none); act is max(x, 0) when relu is 1, else nothing.
;;
;; Each value of C is bias[j] + A'[i][0] B[0][j] + A'[i][1] B[1][j] + ... added in that order, one
;; product at a time (no fused multiply-add), whichever tile below computes it: so any split of the
;; rows (threads) gives the same bits. Tiles of 4 rows x 8 columns keep 8 sums in registers and read,
;; for each kk, two vectors of B's row and one value of each of the 4 rows of A' (splatted to four
;; lanes): no packed copy of B is made. The kk loop goes in blocks of 256, over which the parts of A'
;; and B a tile reads stay in cache; between blocks the sums wait in C. Rows left over (fewer than 4)
;; take 1 x 8 tiles, columns left over (fewer than 8) one value at a time.
(module
  (import "env" "memory" (memory 0))

  ;; One 4 x 8 tile over `count` values of kk. Sums start from `init` (bias, or C between blocks), whose
  ;; rows are `initRow` bytes apart (0 for the bias, the same row for all). A tile's rows of A' are
  ;; `aRow` bytes apart and its kk `aCol` bytes; B's and C's rows `row` bytes apart.
  (func $tile4x8 (param $pa i32) (param $aRow i32) (param $aCol i32) (param $pb i32) (param $row i32)
    (param $pc i32) (param $init i32) (param $initRow i32) (param $count i32) (param $relu i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $s v128) (local $zero v128)
    (local.set $c00 (v128.load (local.get $init)))
    (local.set $c01 (v128.load offset=16 (local.get $init)))
    (local.set $init (i32.add (local.get $init) (local.get $initRow)))
    (local.set $c10 (v128.load (local.get $init)))
    (local.set $c11 (v128.load offset=16 (local.get $init)))
    (local.set $init (i32.add (local.get $init) (local.get $initRow)))
    (local.set $c20 (v128.load (local.get $init)))
    (local.set $c21 (v128.load offset=16 (local.get $init)))
    (local.set $init (i32.add (local.get $init) (local.get $initRow)))
    (local.set $c30 (v128.load (local.get $init)))
    (local.set $c31 (v128.load offset=16 (local.get $init)))
    (loop $kk
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $b1 (v128.load offset=16 (local.get $pb)))
      (local.set $s (v128.load32_splat (local.get $pa)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $s) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $s) (local.get $b1))))
      (local.set $s (v128.load32_splat (i32.add (local.get $pa) (local.get $aRow))))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $s) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $s) (local.get $b1))))
      (local.set $s (v128.load32_splat (i32.add (local.get $pa) (i32.shl (local.get $aRow) (i32.const 1)))))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $s) (local.get $b0))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $s) (local.get $b1))))
      (local.set $s (v128.load32_splat (i32.add (local.get $pa) (i32.mul (local.get $aRow) (i32.const 3)))))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $s) (local.get $b0))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $s) (local.get $b1))))
      (local.set $pa (i32.add (local.get $pa) (local.get $aCol)))
      (local.set $pb (i32.add (local.get $pb) (local.get $row)))
      (br_if $kk (local.tee $count (i32.sub (local.get $count) (i32.const 1)))))
    (if (local.get $relu)
      (then ;; pmax(x, 0) keeps a NaN (its first operand), as max(x, 0) of the other kernels does
        (local.set $c00 (f32x4.pmax (local.get $c00) (local.get $zero)))
        (local.set $c01 (f32x4.pmax (local.get $c01) (local.get $zero)))
        (local.set $c10 (f32x4.pmax (local.get $c10) (local.get $zero)))
        (local.set $c11 (f32x4.pmax (local.get $c11) (local.get $zero)))
        (local.set $c20 (f32x4.pmax (local.get $c20) (local.get $zero)))
        (local.set $c21 (f32x4.pmax (local.get $c21) (local.get $zero)))
        (local.set $c30 (f32x4.pmax (local.get $c30) (local.get $zero)))
        (local.set $c31 (f32x4.pmax (local.get $c31) (local.get $zero)))))
    (v128.store (local.get $pc) (local.get $c00))
    (v128.store offset=16 (local.get $pc) (local.get $c01))
    (local.set $pc (i32.add (local.get $pc) (local.get $row)))
    (v128.store (local.get $pc) (local.get $c10))
    (v128.store offset=16 (local.get $pc) (local.get $c11))
    (local.set $pc (i32.add (local.get $pc) (local.get $row)))
    (v128.store (local.get $pc) (local.get $c20))
    (v128.store offset=16 (local.get $pc) (local.get $c21))
    (local.set $pc (i32.add (local.get $pc) (local.get $row)))
    (v128.store (local.get $pc) (local.get $c30))
    (v128.store offset=16 (local.get $pc) (local.get $c31)))

  ;; One row of 8 columns, as $tile4x8 does for four.
  (func $tile1x8 (param $pa i32) (param $aCol i32) (param $pb i32) (param $row i32) (param $pc i32)
    (param $init i32) (param $count i32) (param $relu i32)
    (local $c0 v128) (local $c1 v128) (local $s v128) (local $zero v128)
    (local.set $c0 (v128.load (local.get $init)))
    (local.set $c1 (v128.load offset=16 (local.get $init)))
    (loop $kk
      (local.set $s (v128.load32_splat (local.get $pa)))
      (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $s) (v128.load (local.get $pb)))))
      (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $pb)))))
      (local.set $pa (i32.add (local.get $pa) (local.get $aCol)))
      (local.set $pb (i32.add (local.get $pb) (local.get $row)))
      (br_if $kk (local.tee $count (i32.sub (local.get $count) (i32.const 1)))))
    (if (local.get $relu)
      (then
        (local.set $c0 (f32x4.pmax (local.get $c0) (local.get $zero)))
        (local.set $c1 (f32x4.pmax (local.get $c1) (local.get $zero)))))
    (v128.store (local.get $pc) (local.get $c0))
    (v128.store offset=16 (local.get $pc) (local.get $c1)))

  ;; One value of C, as the tiles compute each of theirs.
  (func $tile1x1 (param $pa i32) (param $aCol i32) (param $pb i32) (param $row i32) (param $pc i32)
    (param $init i32) (param $count i32) (param $relu i32)
    (local $sum f32)
    (local.set $sum (f32.load (local.get $init)))
    (loop $kk
      (local.set $sum (f32.add (local.get $sum) (f32.mul (f32.load (local.get $pa)) (f32.load (local.get $pb)))))
      (local.set $pa (i32.add (local.get $pa) (local.get $aCol)))
      (local.set $pb (i32.add (local.get $pb) (local.get $row)))
      (br_if $kk (local.tee $count (i32.sub (local.get $count) (i32.const 1)))))
    (if (i32.and (local.get $relu) (f32.lt (local.get $sum) (f32.const 0)))
      (then (local.set $sum (f32.const 0))))
    (f32.store (local.get $pc) (local.get $sum)))

  (func $matmul (export "matmul") (param $a i32) (param $aRow i32) (param $aCol i32) (param $b i32)
    (param $bias i32) (param $c i32) (param $k i32) (param $n i32) (param $relu i32)
    (param $rowStart i32) (param $rowEnd i32)
    (local $k0 i32) (local $count i32) (local $first i32) (local $act i32) ;; the block of kk
    (local $i0 i32) (local $iEnd i32) (local $i i32) (local $j i32) ;; rows of 64, row, column
    (local $row i32) (local $pa i32) (local $pb i32) (local $pc i32) (local $init i32) (local $initRow i32)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (if (i32.or (i32.ge_u (local.get $rowStart) (local.get $rowEnd)) (i32.eqz (local.get $n))) (then (return)))
    (loop $blocks
      (local.set $count (select (i32.sub (local.get $k) (local.get $k0)) (i32.const 256)
        (i32.lt_u (i32.sub (local.get $k) (local.get $k0)) (i32.const 256))))
      (local.set $first (i32.eqz (local.get $k0)))
      (local.set $act (i32.and (local.get $relu) (i32.eq (i32.add (local.get $k0) (local.get $count)) (local.get $k))))
      (local.set $i0 (local.get $rowStart))
      (loop $rowBlocks
        (local.set $iEnd (select (i32.add (local.get $i0) (i32.const 64)) (local.get $rowEnd)
          (i32.lt_u (i32.add (local.get $i0) (i32.const 64)) (local.get $rowEnd))))
        (local.set $j (i32.const 0))
        (block $columnsDone
          (loop $columns
            (br_if $columnsDone (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $pb (i32.add (i32.add (local.get $b) (i32.mul (local.get $k0) (local.get $row)))
              (i32.shl (local.get $j) (i32.const 2))))
            (local.set $i (local.get $i0))
            (block $rowsDone
              (loop $rows
                (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $iEnd)))
                (local.set $pa (i32.add (local.get $a) (i32.add (i32.mul (local.get $i) (local.get $aRow))
                  (i32.mul (local.get $k0) (local.get $aCol)))))
                (local.set $pc (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $row)))
                  (i32.shl (local.get $j) (i32.const 2))))
                ;; the first block starts from the bias (the same for every row), later ones from C
                (local.set $init (select (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))
                  (local.get $pc) (local.get $first)))
                (local.set $initRow (select (i32.const 0) (local.get $row) (local.get $first)))
                (if (i32.gt_u (i32.sub (local.get $n) (local.get $j)) (i32.const 7))
                  (then
                    (if (i32.gt_u (i32.sub (local.get $iEnd) (local.get $i)) (i32.const 3))
                      (then
                        (call $tile4x8 (local.get $pa) (local.get $aRow) (local.get $aCol) (local.get $pb)
                          (local.get $row) (local.get $pc) (local.get $init) (local.get $initRow)
                          (local.get $count) (local.get $act))
                        (local.set $i (i32.add (local.get $i) (i32.const 4))))
                      (else
                        (call $tile1x8 (local.get $pa) (local.get $aCol) (local.get $pb) (local.get $row)
                          (local.get $pc) (local.get $init) (local.get $count) (local.get $act))
                        (local.set $i (i32.add (local.get $i) (i32.const 1))))))
                  (else
                    (call $tile1x1 (local.get $pa) (local.get $aCol) (local.get $pb) (local.get $row)
                      (local.get $pc) (local.get $init) (local.get $count) (local.get $act))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))))
                (br $rows)))
            ;; 8 columns at a time while 8 are left, then one at a time
            (local.set $j (i32.add (local.get $j)
              (select (i32.const 8) (i32.const 1) (i32.gt_u (i32.sub (local.get $n) (local.get $j)) (i32.const 7)))))
            (br $columns)))
        (br_if $rowBlocks (i32.lt_u (local.tee $i0 (local.get $iEnd)) (local.get $rowEnd))))
      (br_if $blocks (i32.lt_u (local.tee $k0 (i32.add (local.get $k0) (local.get $count))) (local.get $k))))))
