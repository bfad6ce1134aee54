; lemma: conv_gadget_1d_c1_k3
; Convolution pair gadget (docs/conv.md §3, certs/FORMAT.md fact 5), 1-D: 1 input channel(s) of
; length 3, kernel 3, stride 1, zero padding 1 (3 output positions, the first and last reading
; padding), 2 gadget channel(s) per input channel, one output channel. For all x (any signs), u_h
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
; conv_gadget_1d_c1_k3
(set-info :status unsat)
(set-logic QF_NRA)
(declare-fun x_pad () Real)
(declare-fun K0_2 () Real)
(declare-fun u1 () Real)
(declare-fun V1_2 () Real)
(declare-fun u0 () Real)
(declare-fun V0_2 () Real)
(declare-fun x0_2 () Real)
(declare-fun K0_1 () Real)
(declare-fun V1_1 () Real)
(declare-fun V0_1 () Real)
(declare-fun x0_1 () Real)
(declare-fun K0_0 () Real)
(declare-fun V1_0 () Real)
(declare-fun V0_0 () Real)
(declare-fun x0_0 () Real)
(assert
 (= x_pad 0.0))
(assert
 (let ((?x57 (- x_pad)))
(let ((?x59 (ite (> ?x57 0.0) ?x57 0.0)))
(let ((?x91 (+ (ite (< u0 0.0) (* V0_2 u0) 0.0) (ite (< u1 0.0) (* V1_2 u1) 0.0))))
(let ((?x96 (- K0_2 ?x91)))
(let ((?x54 (ite (> x_pad 0.0) x_pad 0.0)))
(let ((?x88 (+ (ite (> u0 0.0) (* V0_2 u0) 0.0) (ite (> u1 0.0) (* V1_2 u1) 0.0))))
(let ((?x92 (- ?x88 K0_2)))
(let ((?x132 (- x0_2)))
(let ((?x134 (ite (> ?x132 0.0) ?x132 0.0)))
(let ((?x71 (+ (ite (< u0 0.0) (* V0_1 u0) 0.0) (ite (< u1 0.0) (* V1_1 u1) 0.0))))
(let ((?x76 (- K0_1 ?x71)))
(let ((?x130 (ite (> x0_2 0.0) x0_2 0.0)))
(let ((?x68 (+ (ite (> u0 0.0) (* V0_1 u0) 0.0) (ite (> u1 0.0) (* V1_1 u1) 0.0))))
(let ((?x72 (- ?x68 K0_1)))
(let ((?x97 (- x0_1)))
(let ((?x99 (ite (> ?x97 0.0) ?x97 0.0)))
(let ((?x51 (+ (ite (< u0 0.0) (* V0_0 u0) 0.0) (ite (< u1 0.0) (* V1_0 u1) 0.0))))
(let ((?x56 (- K0_0 ?x51)))
(let ((?x94 (ite (> x0_1 0.0) x0_1 0.0)))
(let ((?x46 (+ (ite (> u0 0.0) (* V0_0 u0) 0.0) (ite (> u1 0.0) (* V1_0 u1) 0.0))))
(let ((?x52 (- ?x46 K0_0)))
(let ((?x163 (+ (+ (+ (* ?x52 ?x94) (* ?x56 ?x99)) (* K0_0 x0_1)) (+ (+ (* ?x72 ?x130) (* ?x76 ?x134)) (* K0_1 x0_2)) (+ (+ (* ?x92 ?x54) (* ?x96 ?x59)) (* K0_2 x_pad)))))
(let ((?x147 (+ (* V0_0 (ite (> (* u0 x0_1) 0.0) (* u0 x0_1) 0.0)) (* V0_1 (ite (> (* u0 x0_2) 0.0) (* u0 x0_2) 0.0)) (* V0_2 0.0) (* V1_0 (ite (> (* u1 x0_1) 0.0) (* u1 x0_1) 0.0)) (* V1_1 (ite (> (* u1 x0_2) 0.0) (* u1 x0_2) 0.0)) (* V1_2 0.0))))
(let ((?x121 (+ (* ?x52 (ite (> x0_0 0.0) x0_0 0.0)) (* ?x56 (ite (> (- x0_0) 0.0) (- x0_0) 0.0)))))
(let ((?x139 (+ (+ ?x121 (* K0_0 x0_0)) (+ (+ (* ?x72 ?x94) (* ?x76 ?x99)) (* K0_1 x0_1)) (+ (+ (* ?x92 ?x130) (* ?x96 ?x134)) (* K0_2 x0_2)))))
(let ((?x118 (+ (* V0_0 (ite (> (* u0 x0_0) 0.0) (* u0 x0_0) 0.0)) (* V0_1 (ite (> (* u0 x0_1) 0.0) (* u0 x0_1) 0.0)) (* V0_2 (ite (> (* u0 x0_2) 0.0) (* u0 x0_2) 0.0)) (* V1_0 (ite (> (* u1 x0_0) 0.0) (* u1 x0_0) 0.0)) (* V1_1 (ite (> (* u1 x0_1) 0.0) (* u1 x0_1) 0.0)) (* V1_2 (ite (> (* u1 x0_2) 0.0) (* u1 x0_2) 0.0)))))
(let ((?x81 (+ (* ?x72 (ite (> x0_0 0.0) x0_0 0.0)) (* ?x76 (ite (> (- x0_0) 0.0) (- x0_0) 0.0)))))
(let ((?x104 (+ (+ (+ (* ?x52 ?x54) (* ?x56 ?x59)) (* K0_0 x_pad)) (+ ?x81 (* K0_1 x0_0)) (+ (+ (* ?x92 ?x94) (* ?x96 ?x99)) (* K0_2 x0_1)))))
(let ((?x39 (+ (* V0_0 0.0) (* V0_1 (ite (> (* u0 x0_0) 0.0) (* u0 x0_0) 0.0)) (* V0_2 (ite (> (* u0 x0_1) 0.0) (* u0 x0_1) 0.0)) (* V1_0 0.0) (* V1_1 (ite (> (* u1 x0_0) 0.0) (* u1 x0_0) 0.0)) (* V1_2 (ite (> (* u1 x0_1) 0.0) (* u1 x0_1) 0.0)))))
(not (and (= ?x39 ?x104) (= ?x118 ?x139) (= ?x147 ?x163)))))))))))))))))))))))))))))))))
(check-sat)
