/**
 * The rule each op's backward pass applies, in the notation of the backpropagation notes
 * (g is ∂J/∂out, the gradient arriving at the op), and the note that derives it by hand where
 * one does (the notes are summarised in /work/shared/notes/README.md; test/notes/ checks the
 * library against each formula).
 */
export interface Formula {
  /** The rule, one line per input. */
  readonly rule: string;
  /** Which note derives it, and how it reads there; "" where the notes do not. */
  readonly note: string;
}

const FORMULAS: Readonly<Record<string, Formula>> = {
  add: {
    rule: "∂J/∂a = g,  ∂J/∂b = g  (summed over broadcast axes)",
    note: "Note 003: dL/db_j = d_j, a bias passes the gradient through unchanged.",
  },
  sub: { rule: "∂J/∂a = g,  ∂J/∂b = −g", note: "" },
  mul: {
    rule: "∂J/∂a = g · b,  ∂J/∂b = g · a",
    note: "Note 000: dC0/dw = a(l−1) · ReLU'(z) · 2(a − y), the input times the gradient at z = w·a + b; note 004's chain rule ∂J/∂θ_i = Σ_j ∂J/∂g_j · ∂g_j/∂θ_i.",
  },
  div: { rule: "∂J/∂a = g / b,  ∂J/∂b = −g · a / b²", note: "" },
  neg: { rule: "∂J/∂a = −g", note: "" },
  pow: {
    rule: "∂J/∂x = g · p · x^(p−1),  ∂J/∂p = g · x^p · ln x",
    note: "Note 000: the squared error (a − y)² has derivative 2(a − y).",
  },
  relu: {
    rule: "∂J/∂z = g ⊙ 1{z > 0}",
    note: "Note 004: ∂J/∂z = ∂J/∂a ⊙ 1{z > 0}; note 001: ReLU' is 1 if z is positive, else 0.",
  },
  sigmoid: {
    rule: "∂J/∂z = g · a(1 − a), with a = σ(z)",
    note: "Note 000: σ'(z) = a(1 − a).",
  },
  tanh: { rule: "∂J/∂z = g · (1 − a²), with a = tanh(z)", note: "" },
  exp: { rule: "∂J/∂x = g · eˣ", note: "" },
  log: {
    rule: "∂J/∂x = g / x",
    note: "Note 001: the cross-entropy's partial −y_j / a_j is this rule for −y·log a.",
  },
  matmul: {
    rule: "∂J/∂A = G · Bᵀ,  ∂J/∂B = Aᵀ · G",
    note: "Note 003: dL/dW_jk = d_j · a_k; note 004, examples as rows: ∂J/∂W1 = Xᵀ · ∂J/∂Z, ∂J/∂A = ∂J/∂S · W2ᵀ.",
  },
  linear: {
    rule: "∂J/∂X = G · W,  ∂J/∂W = Gᵀ · X,  ∂J/∂b = Σ over rows of G  (Y = X · Wᵀ + b)",
    note: "Note 003: dL/dW_jk = d_j · a_k and dL/db_j = d_j, for each example a row of G and X.",
  },
  sum: {
    rule: "∂J/∂x_i = g: every element adds into the sum once",
    note: "Note 002: the gradient over a data set sums (then averages) the per-example gradients.",
  },
  mean: {
    rule: "∂J/∂x_i = g / n",
    note: "Note 003: L_T = (1/n) Σ L_i, so each example's gradient is divided by n.",
  },
  softmax: {
    rule: "∂J/∂s_j = a_j (g_j − Σ_i g_i a_i), with a = softmax(s)",
    note: "Note 001: the softmax Jacobian ∂a_i/∂s_j = a_j(δ_ij − a_i), applied to g.",
  },
  logSoftmax: {
    rule: "∂J/∂s = g − softmax(s) · Σ_i g_i",
    note: "Note 004: with J = −log p_y this is ∂J/∂s = p − onehot(y) (the note swaps the two cases); note 000: dC/dz_k = a_k − t_k.",
  },
  gather: {
    rule: "∂J/∂x = g scattered back to the positions gathered, zero elsewhere",
    note: "",
  },
  reshape: { rule: "∂J/∂x = g, reshaped to x's shape", note: "" },
  where: { rule: "∂J/∂a = g where the condition holds, ∂J/∂b = g where it does not", note: "" },
  broadcastTo: { rule: "∂J/∂x = g summed over the broadcast axes", note: "" },
  mseLoss: {
    rule: "∂J/∂a = 2(a − y) / n",
    note: "Note 001: the MSE partial 2(a_j − y_j); note 000: 2(a − y).",
  },
};

/** The rule of `op`, or a pointer to its source for an op the notes do not cover. */
export function formulaOf(op: string): Formula {
  return (
    FORMULAS[op] ?? {
      rule: `the vector-Jacobian product of ${op} (packages/core/src/ops)`,
      note: "",
    }
  );
}
