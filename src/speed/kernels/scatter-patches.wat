;; The adjoint of gather-patches.wat (col2im): run k of the patch matrix src (`channels` float32
;; values) is added onto dst + table[k], the input pixel it came from; runs with table[k] < 0 (taps
;; in the padding) are skipped. dst must start at zero. Called by ../im2col.ts.
(module
  (import "env" "memory" (memory 0))

  (func $scatterPatches (export "scatter-patches")
    (param $table i32) (param $runs i32) (param $channels i32) (param $src i32) (param $dst i32)
    (local $runBytes i32) (local $wideBytes i32) ;; bytes per run, and in its groups of four values
    (local $to i32) ;; address of this run's first value in dst
    (local $i i32) ;; byte offset within the run
    (local.set $runBytes (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $wideBytes (i32.and (local.get $runBytes) (i32.const -16)))
    (block $runsDone
      (loop $eachRun
        (br_if $runsDone (i32.eqz (local.get $runs)))
        (local.set $to (i32.load (local.get $table)))
        (if (i32.ge_s (local.get $to) (i32.const 0))
          (then
            (local.set $to (i32.add (local.get $dst) (local.get $to)))
            (local.set $i (i32.const 0))
            (block $wideDone
              (loop $eachFour
                (br_if $wideDone (i32.ge_u (local.get $i) (local.get $wideBytes)))
                (v128.store (i32.add (local.get $to) (local.get $i))
                  (f32x4.add (v128.load (i32.add (local.get $to) (local.get $i)))
                    (v128.load (i32.add (local.get $src) (local.get $i)))))
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (br $eachFour)))
            (block $tailDone
              (loop $eachOne
                (br_if $tailDone (i32.ge_u (local.get $i) (local.get $runBytes)))
                (f32.store (i32.add (local.get $to) (local.get $i))
                  (f32.add (f32.load (i32.add (local.get $to) (local.get $i)))
                    (f32.load (i32.add (local.get $src) (local.get $i)))))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (br $eachOne)))))
        (local.set $src (i32.add (local.get $src) (local.get $runBytes)))
        (local.set $table (i32.add (local.get $table) (i32.const 4)))
        (local.set $runs (i32.sub (local.get $runs) (i32.const 1)))
        (br $eachRun)))))
