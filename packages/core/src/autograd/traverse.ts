import type { Tensor } from "../tensor.js";

/** A graph in post-order, and where each of its tensors stands in that order. */
export interface Ordered {
  /** Every tensor after all of its inputs. */
  readonly order: Tensor[];
  /** The index of each tensor of `order`. */
  readonly position: Map<Tensor, number>;
}

/**
 * Tensors reachable from `root` through recorded inputs that `follow` accepts, in post-order:
 * every tensor after all of its inputs. Iterative, so deep graphs cannot overflow the stack.
 */
export function postOrder(root: Tensor, follow: (input: Tensor) => boolean): Ordered {
  const order: Tensor[] = [];
  // -1 while a tensor is on the stack, its index in `order` once it is placed.
  const position = new Map<Tensor, number>([[root, -1]]);
  // An explicit stack of tensors and, beside it, the index of each one's next input to visit.
  const stack: Tensor[] = [root];
  const next: number[] = [0];
  while (stack.length > 0) {
    const top = stack.length - 1;
    const tensor = stack[top]!;
    const inputs = tensor.node?.inputs;
    const k = next[top]!;
    if (inputs && k < inputs.length) {
      next[top] = k + 1;
      const input = inputs[k]!;
      if (follow(input) && !position.has(input)) {
        position.set(input, -1);
        stack.push(input);
        next.push(0);
      }
    } else {
      stack.pop();
      next.pop();
      position.set(tensor, order.length);
      order.push(tensor);
    }
  }
  return { order, position };
}
