#lang racket/base
(define (spin k) (spin (modulo (add1 k) 1000)))
(define mode (read))
(define n (read))
(define sum (for/sum ([i (in-range n)]) (read)))
(when (= mode 2) (exit 3))
(when (= mode 3) (spin 0))
(displayln (if (= mode 1) (add1 sum) sum))
