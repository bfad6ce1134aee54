; lemma: conv_gadget_1d_c2_k2
; Convolution pair gadget (docs/conv.md §3, certs/FORMAT.md fact 5), 1-D: 2 input channel(s) of
; length 2, kernel 2, stride 1, zero padding 1 (3 output positions, the first and last reading
; padding), 1 gadget channel(s) per input channel, one output channel. For all x (any signs), u_h
; (any signs, u_h = 0 allowed; h = t·c_in + j serves input channel j, no bias), V[h, q] (0 if
; pruned), target kernel K[j, q] and x_pad = 0, with x̄ the input padded by x_pad and G̃'s hidden
; channel H_h = σ(u_h x_j) inside the image and 0 in the padding (the second convolution pads with
; zeros): at every output position r, Σ_{h,q} V[h,q] H_h[r+q−p] = conv_{E⁺}(σ(x̄))[r] +
; conv_{E⁻}(σ(−x̄))[r] + conv_K(x̄)[r], where conv_A(z)[r] = Σ_{j,q} A[j,q] z_j[r+q−p], P[j,q] =
; Σ_{u_h>0} V[h,q] u_h, N[j,q] = Σ_{u_h<0} V[h,q] u_h, E⁺ = P − K, E⁻ = K − N.
; expected: proved (the query below is unsat)
; σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them.
; query: hypotheses and the negated conclusion
;
; conv_gadget_1d_c2_k2
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun x_pad () Real)
(declare-fun K1_1 () Real)
(declare-fun u1 () Real)
(declare-fun V1_1 () Real)
(declare-fun x1_1 () Real)
(declare-fun K1_0 () Real)
(declare-fun V1_0 () Real)
(declare-fun K0_1 () Real)
(declare-fun u0 () Real)
(declare-fun V0_1 () Real)
(declare-fun x0_1 () Real)
(declare-fun K0_0 () Real)
(declare-fun V0_0 () Real)
(declare-fun x1_0 () Real)
(declare-fun x0_0 () Real)
(assert
 (= x_pad 0.0))
(assert
 (let ((?x42 (- x_pad)))
(let ((?x44 (ite (> ?x42 0.0) ?x42 0.0)))
(let ((?x83 (- K1_1 (ite (< u1 0.0) (* V1_1 u1) 0.0))))
(let ((?x39 (ite (> x_pad 0.0) x_pad 0.0)))
(let ((?x79 (- (ite (> u1 0.0) (* V1_1 u1) 0.0) K1_1)))
(let ((?x127 (- x1_1)))
(let ((?x129 (ite (> ?x127 0.0) ?x127 0.0)))
(let ((?x71 (- K1_0 (ite (< u1 0.0) (* V1_0 u1) 0.0))))
(let ((?x125 (ite (> x1_1 0.0) x1_1 0.0)))
(let ((?x69 (- (ite (> u1 0.0) (* V1_0 u1) 0.0) K1_0)))
(let ((?x148 (+ (* (- (ite (> u0 0.0) (* V0_1 u0) 0.0) K0_1) ?x39) (* (- K0_1 (ite (< u0 0.0) (* V0_1 u0) 0.0)) ?x44))))
(let ((?x112 (- x0_1)))
(let ((?x114 (ite (> ?x112 0.0) ?x112 0.0)))
(let ((?x41 (- K0_0 (ite (< u0 0.0) (* V0_0 u0) 0.0))))
(let ((?x110 (ite (> x0_1 0.0) x0_1 0.0)))
(let ((?x37 (- (ite (> u0 0.0) (* V0_0 u0) 0.0) K0_0)))
(let ((?x161 (+ (+ (+ (* ?x37 ?x110) (* ?x41 ?x114)) (* K0_0 x0_1)) (+ ?x148 (* K0_1 x_pad)) (+ (+ (* ?x69 ?x125) (* ?x71 ?x129)) (* K1_0 x1_1)) (+ (+ (* ?x79 ?x39) (* ?x83 ?x44)) (* K1_1 x_pad)))))
(let ((?x140 (+ (* V0_0 (ite (> (* u0 x0_1) 0.0) (* u0 x0_1) 0.0)) (* V0_1 0.0) (* V1_0 (ite (> (* u1 x1_1) 0.0) (* u1 x1_1) 0.0)) (* V1_1 0.0))))
(let ((?x121 (+ (* ?x69 (ite (> x1_0 0.0) x1_0 0.0)) (* ?x71 (ite (> (- x1_0) 0.0) (- x1_0) 0.0)))))
(let ((?x116 (+ (* (- (ite (> u0 0.0) (* V0_1 u0) 0.0) K0_1) ?x110) (* (- K0_1 (ite (< u0 0.0) (* V0_1 u0) 0.0)) ?x114))))
(let ((?x106 (+ (* ?x37 (ite (> x0_0 0.0) x0_0 0.0)) (* ?x41 (ite (> (- x0_0) 0.0) (- x0_0) 0.0)))))
(let ((?x134 (+ (+ ?x106 (* K0_0 x0_0)) (+ ?x116 (* K0_1 x0_1)) (+ ?x121 (* K1_0 x1_0)) (+ (+ (* ?x79 ?x125) (* ?x83 ?x129)) (* K1_1 x1_1)))))
(let ((?x103 (+ (* V0_0 (ite (> (* u0 x0_0) 0.0) (* u0 x0_0) 0.0)) (* V0_1 (ite (> (* u0 x0_1) 0.0) (* u0 x0_1) 0.0)) (* V1_0 (ite (> (* u1 x1_0) 0.0) (* u1 x1_0) 0.0)) (* V1_1 (ite (> (* u1 x1_1) 0.0) (* u1 x1_1) 0.0)))))
(let ((?x88 (+ (* ?x79 (ite (> x1_0 0.0) x1_0 0.0)) (* ?x83 (ite (> (- x1_0) 0.0) (- x1_0) 0.0)))))
(let ((?x57 (- x0_0)))
(let ((?x59 (ite (> ?x57 0.0) ?x57 0.0)))
(let ((?x56 (- K0_1 (ite (< u0 0.0) (* V0_1 u0) 0.0))))
(let ((?x54 (ite (> x0_0 0.0) x0_0 0.0)))
(let ((?x52 (- (ite (> u0 0.0) (* V0_1 u0) 0.0) K0_1)))
(let ((?x91 (+ (+ (+ (* ?x37 ?x39) (* ?x41 ?x44)) (* K0_0 x_pad)) (+ (+ (* ?x52 ?x54) (* ?x56 ?x59)) (* K0_1 x0_0)) (+ (+ (* ?x69 ?x39) (* ?x71 ?x44)) (* K1_0 x_pad)) (+ ?x88 (* K1_1 x1_0)))))
(let ((?x31 (+ (* V0_0 0.0) (* V0_1 (ite (> (* u0 x0_0) 0.0) (* u0 x0_0) 0.0)) (* V1_0 0.0) (* V1_1 (ite (> (* u1 x1_0) 0.0) (* u1 x1_0) 0.0)))))
(not (and (= ?x31 ?x91) (= ?x103 ?x134) (= ?x140 ?x161)))))))))))))))))))))))))))))))))))
(check-sat)
