#lang racket/base
(displayln (+ 1 2)
