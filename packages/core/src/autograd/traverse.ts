import type { Tensor } from "../tensor.js";

/**
 * Tensors reachable from `root` through recorded inputs that `follow` accepts, in post-order:
 * every tensor after all of its inputs. Iterative, so deep graphs cannot overflow the stack.
 */
export function postOrder(root: Tensor, follow: (input: Tensor) => boolean): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>([root]);
  // An explicit stack of (tensor, index of the next input to visit).
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [tensor, next] = top;
    const inputs = tensor.node?.inputs ?? [];
    if (next < inputs.length) {
      top[1] = next + 1;
      const input = inputs[next]!;
      if (follow(input) && !visited.has(input)) {
        visited.add(input);
        stack.push([input, 0]);
      }
    } else {
      stack.pop();
      order.push(tensor);
    }
  }
  return order;
}
