// Quickstart: build a small graph, differentiate it, and look at the tape.
import { grad, graphOf, type Tensor, tensor } from "@tensortape/core";
import { Command } from "commander";

new Command("quickstart")
  .description("Build a small graph, call backward(), print the gradients and the recorded tape.")
  .parse();

// 1. Two tensors that require gradients: a 2×3 input and a 3×2 weight.
const x = tensor(
  [
    [1, -2, 3],
    [0.5, 1, -1],
  ],
  { requiresGrad: true },
);
const w = tensor(
  [
    [0.2, -0.4],
    [0.1, 0.3],
    [-0.5, 0.6],
  ],
  { requiresGrad: true },
);

// 2. Multiply, apply relu and take the mean: every op is recorded on the tape.
const loss = x.matmul(w).relu().mean();
console.log("loss =", loss.toString());

// 3. One generic backward pass applies the chain rule through the recorded graph.
loss.backward();
console.log("∂loss/∂x =", x.grad?.toString());
console.log("∂loss/∂w =", w.grad?.toString());

// 4. The tape itself: what backward() walked, inputs before the ops that use them.
console.log("\nthe recorded graph:");
for (const e of graphOf(loss)) {
  console.log(
    `  t${e.id} = ${e.op ?? "leaf"}(${e.inputs.map((i) => `t${i}`).join(", ")})  [${e.shape.join(", ")}]`,
  );
}

// 5. The functional form: gradients as functions, and gradients of gradients.
const cube = (t: Tensor) => t.pow(3).sum();
console.log("\nd/dx x³ at 2 =", grad(cube)(tensor([2])).item(), "(3·2² = 12)");
console.log("d²/dx² x³ at 2 =", grad(grad(cube))(tensor([2])).item(), "(6·2 = 12)");
