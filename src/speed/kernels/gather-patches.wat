;; The patch matrix of a convolution (im2col): run k of the matrix (one filter tap of one output
;; pixel: `channels` float32 values) is copied from src + table[k], or zeros where table[k] < 0 (the
;; tap lies in the padding). Runs follow each other in dst. Called by ../im2col.ts.
(module
  (import "env" "memory" (memory 0))

  (func $gatherPatches (export "gather-patches")
    (param $table i32) (param $runs i32) (param $channels i32) (param $src i32) (param $dst i32)
    (local $runBytes i32) (local $wideBytes i32) ;; bytes per run, and in its groups of four values
    (local $from i32) ;; address of this run's first value in src
    (local $i i32) ;; byte offset within the run
    (local.set $runBytes (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $wideBytes (i32.and (local.get $runBytes) (i32.const -16)))
    (block $runsDone
      (loop $eachRun
        (br_if $runsDone (i32.eqz (local.get $runs)))
        (local.set $from (i32.load (local.get $table)))
        (if (i32.lt_s (local.get $from) (i32.const 0))
          (then (memory.fill (local.get $dst) (i32.const 0) (local.get $runBytes)))
          (else
            (local.set $from (i32.add (local.get $src) (local.get $from)))
            (local.set $i (i32.const 0))
            (block $wideDone
              (loop $eachFour
                (br_if $wideDone (i32.ge_u (local.get $i) (local.get $wideBytes)))
                (v128.store (i32.add (local.get $dst) (local.get $i))
                  (v128.load (i32.add (local.get $from) (local.get $i))))
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (br $eachFour)))
            (block $tailDone
              (loop $eachOne
                (br_if $tailDone (i32.ge_u (local.get $i) (local.get $runBytes)))
                (i32.store (i32.add (local.get $dst) (local.get $i))
                  (i32.load (i32.add (local.get $from) (local.get $i))))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (br $eachOne)))))
        (local.set $dst (i32.add (local.get $dst) (local.get $runBytes)))
        (local.set $table (i32.add (local.get $table) (i32.const 4)))
        (local.set $runs (i32.sub (local.get $runs) (i32.const 1)))
        (br $eachRun)))))
