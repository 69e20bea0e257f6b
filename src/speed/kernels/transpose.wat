;; Transpose of the last two axes: out[b][c][r] = in[b][r][c] for a batch of [rows, cols] matrices of
;; 32-bit elements (float32 or int32, moved as bits). Called by ../transpose.ts.
;;
;; Each 4x4 block is read as four rows of four lanes and written as four columns after eight lane
;; shuffles. Blocks go in bands of 16 rows, so that each output row receives whole 64-byte cache
;; lines at a time. Rows and columns left over (sizes not multiples of 4) move one element at a time.
;; The block is written out in the loop rather than called: V8 does not inline wasm calls.
(module
  (import "env" "memory" (memory 0))

  (func $transpose (export "transpose")
    (param $in i32) (param $out i32) (param $batches i32) (param $rows i32) (param $cols i32)
    (local $rows4 i32) (local $cols4 i32) ;; rows and cols rounded down to multiples of 4
    (local $inRow i32) (local $outRow i32) ;; bytes per row of in and of out
    (local $band i32) (local $bandEnd i32) (local $r i32) (local $c i32)
    (local $src i32) (local $dst i32) ;; byte addresses of in[r][c] and out[c][r]
    (local $a v128) (local $b v128) (local $cc v128) (local $d v128) ;; rows a0..a3, b0..b3, ...
    (local $ab01 v128) (local $ab23 v128) (local $cd01 v128) (local $cd23 v128)
    (local.set $rows4 (i32.and (local.get $rows) (i32.const -4)))
    (local.set $cols4 (i32.and (local.get $cols) (i32.const -4)))
    (local.set $inRow (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $outRow (i32.shl (local.get $rows) (i32.const 2)))
    (block $batchesDone
      (loop $eachMatrix
        (br_if $batchesDone (i32.eqz (local.get $batches)))
        ;; Bands of 16 rows (the last may be shorter), 4x4 blocks within each band.
        (local.set $band (i32.const 0))
        (block $bandsDone
          (loop $eachBand
            (br_if $bandsDone (i32.ge_u (local.get $band) (local.get $rows4)))
            (local.set $bandEnd (select
              (i32.add (local.get $band) (i32.const 16))
              (local.get $rows4)
              (i32.lt_u (i32.add (local.get $band) (i32.const 16)) (local.get $rows4))))
            (local.set $c (i32.const 0))
            (block $columnsDone
              (loop $eachColumnBlock
                (br_if $columnsDone (i32.ge_u (local.get $c) (local.get $cols4)))
                (local.set $r (local.get $band))
                (block $rowsDone
                  (loop $eachRowBlock
                    (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $bandEnd)))
                    ;; Rows r..r+3 at columns c..c+3 of in become columns r..r+3 of rows c..c+3 of out.
                    (local.set $src (i32.add (local.get $in)
                      (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2))))
                    (local.set $a (v128.load (local.get $src)))
                    (local.set $b (v128.load (i32.add (local.get $src) (local.get $inRow))))
                    (local.set $cc (v128.load (i32.add (local.get $src) (i32.shl (local.get $inRow) (i32.const 1)))))
                    (local.set $d (v128.load (i32.add (local.get $src) (i32.mul (local.get $inRow) (i32.const 3)))))
                    ;; a0 b0 a1 b1 | a2 b2 a3 b3 | c0 d0 c1 d1 | c2 d2 c3 d3
                    (local.set $ab01 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
                    (local.set $ab23 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
                    (local.set $cd01 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $cc) (local.get $d)))
                    (local.set $cd23 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $cc) (local.get $d)))
                    ;; out rows c..c+3: a0 b0 c0 d0 | a1 b1 c1 d1 | a2 b2 c2 d2 | a3 b3 c3 d3
                    (local.set $dst (i32.add (local.get $out)
                      (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2))))
                    (v128.store (local.get $dst)
                      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab01) (local.get $cd01)))
                    (v128.store (i32.add (local.get $dst) (local.get $outRow))
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab01) (local.get $cd01)))
                    (v128.store (i32.add (local.get $dst) (i32.shl (local.get $outRow) (i32.const 1)))
                      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab23) (local.get $cd23)))
                    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $outRow) (i32.const 3)))
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab23) (local.get $cd23)))
                    (local.set $r (i32.add (local.get $r) (i32.const 4)))
                    (br $eachRowBlock)))
                (local.set $c (i32.add (local.get $c) (i32.const 4)))
                (br $eachColumnBlock)))
            (local.set $band (i32.add (local.get $band) (i32.const 16)))
            (br $eachBand)))
        ;; Left over: the last columns of every row, then the last rows of the other columns.
        (call $elements (local.get $in) (local.get $out) (local.get $rows) (local.get $cols)
          (i32.const 0) (local.get $cols4) (local.get $cols))
        (call $elements (local.get $in) (local.get $out) (local.get $rows) (local.get $cols)
          (local.get $rows4) (i32.const 0) (local.get $cols4))
        (local.set $in (i32.add (local.get $in) (i32.mul (local.get $rows) (local.get $inRow))))
        (local.set $out (i32.add (local.get $out) (i32.mul (local.get $rows) (local.get $inRow))))
        (local.set $batches (i32.sub (local.get $batches) (i32.const 1)))
        (br $eachMatrix))))

  ;; One element at a time, out[c][r] = in[r][c], over rows [rowFrom, rows) and columns [colFrom, colEnd).
  (func $elements
    (param $in i32) (param $out i32) (param $rows i32) (param $cols i32)
    (param $rowFrom i32) (param $colFrom i32) (param $colEnd i32)
    (local $r i32) (local $c i32)
    (local.set $r (local.get $rowFrom))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (local.get $colFrom))
        (block $columnsDone
          (loop $eachColumn
            (br_if $columnsDone (i32.ge_u (local.get $c) (local.get $colEnd)))
            (i32.store
              (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2)))
              (i32.load
                (i32.add (local.get $in)
                  (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $eachColumn)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $eachRow)))))
