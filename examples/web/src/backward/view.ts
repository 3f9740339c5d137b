// The Backward view: parses the expression, records it, renders its tape with Graphviz and
// steps through the backward pass one node at a time.
import { formatShape, toDot } from "@tensortape/core";
import { byId } from "../dom.js";
import { type GraphTensor, type Recorded, record } from "./evaluate.js";
import { formulaOf } from "./formulas.js";
import { ParseError, parseExpression, parseVariables } from "./parser.js";

/** Examples to start from: an expression and values for its variables. */
const EXAMPLES: readonly { name: string; expression: string; variables: string }[] = [
  { name: "A ReLU neuron", expression: "relu(w*x + b)", variables: "w = 2; x = 3; b = -1" },
  {
    name: "Softmax cross-entropy",
    expression: "crossEntropy(s, y)",
    variables: "s = [1, 2, 0.5]; y = 1",
  },
  {
    name: "A sigmoid neuron, squared error",
    expression: "(sigmoid(w*a + b) - y)^2",
    variables: "w = 0.5; a = 1.5; b = 0.25; y = 1",
  },
  {
    name: "A layer: relu(W @ x + b)",
    expression: "sum(relu(W @ x + b))",
    variables: "W = [[1, -2], [0.5, 1]]; x = [[1], [2]]; b = [[0.5], [-1]]",
  },
];

/** A number, or a list of them, to four significant digits. */
function formatValues(data: ArrayLike<number>): string {
  const format = (v: number) => {
    const text = Number(v.toPrecision(4)).toString();
    return text === "-0" ? "0" : text;
  };
  if (data.length === 1) return format(data[0]!);
  const shown = Array.from(data).slice(0, 12).map(format).join(", ");
  return `[${shown}${data.length > 12 ? ", …" : ""}]`;
}

/**
 * What a node is called in the steps: what the user wrote (in parentheses unless it is a
 * name or a call, so that ∂J/∂(w*x + b) reads right), else its op and id.
 */
function nameOf(node: GraphTensor): string {
  if (node.text) return /^[A-Za-z_]\w*(\(.*\))?$/.test(node.text) ? node.text : `(${node.text})`;
  return node.op ? `${node.op} #${node.tensor.id}` : `constant #${node.tensor.id}`;
}

/** Sets up the Backward view; Graphviz (a WebAssembly build) loads on first use. */
export function setUpBackward(): void {
  const form = byId<HTMLFormElement>("backward-form");
  const expressionInput = byId<HTMLInputElement>("backward-expression");
  const variablesInput = byId<HTMLInputElement>("backward-variables");
  const exampleSelect = byId<HTMLSelectElement>("backward-example");
  const errorLine = byId("backward-error");
  const graph = byId("backward-graph");
  const prev = byId<HTMLButtonElement>("backward-prev");
  const next = byId<HTMLButtonElement>("backward-next");
  const all = byId<HTMLButtonElement>("backward-all");
  const position = byId("backward-position");
  const list = byId<HTMLOListElement>("backward-list");

  for (const [i, example] of EXAMPLES.entries()) {
    exampleSelect.append(new Option(example.name, String(i)));
  }
  exampleSelect.addEventListener("change", () => {
    const example = EXAMPLES[Number(exampleSelect.value)]!;
    expressionInput.value = example.expression;
    variablesInput.value = example.variables;
    show();
  });

  let recorded: Recorded | undefined;
  let shown = 0;
  const viz = import("@viz-js/viz").then((module) => module.instance());

  /** The tape's DOT from toDot, with the user's names and the current step marked. */
  function dot(current: GraphTensor | undefined): string {
    const lines = toDot(recorded!.root).split("\n");
    const extra: string[] = [];
    for (const node of recorded!.byId.values()) {
      const label = node.text && node.text.length <= 24 ? `${node.text}\\n` : "";
      const what = node.op ?? (node.grad ? "leaf" : "const");
      const attributes = [`label="${label}${what}\\n${formatShape(node.tensor.shape)}"`];
      const index = recorded!.backwardOrder.indexOf(node);
      if (index >= 0 && index < shown) {
        // Reached by the backward pass: filled, with its gradient where it is small.
        const grad =
          node.grad!.size <= 4 ? `\\n∂J = ${formatValues(node.grad!.data as Float64Array)}` : "";
        attributes[0] = attributes[0]!.replace(/"$/, `${grad}"`);
        attributes.push('style="filled,bold"', 'fillcolor="#fde7d4"');
      }
      if (node === current) attributes.push('color="#c2410c"', "penwidth=3");
      extra.push(`  t${node.tensor.id} [${attributes.join(", ")}];`);
    }
    lines.splice(lines.length - 1, 0, ...extra);
    return lines.join("\n");
  }

  async function render(): Promise<void> {
    if (!recorded) return;
    const steps = recorded.backwardOrder;
    const current = steps[shown - 1];
    const svg = (await viz).renderSVGElement(dot(current));
    svg.setAttribute("role", "presentation");
    graph.replaceChildren(svg);
    graph.setAttribute(
      "aria-label",
      `The recorded tape: ${recorded.byId.size} tensors, ${[...recorded.byId.values()].filter((n) => n.op).length} ops`,
    );

    list.replaceChildren();
    for (const [i, node] of steps.slice(0, shown).entries()) {
      const item = document.createElement("li");
      if (i === shown - 1) item.setAttribute("aria-current", "step");
      const heading = document.createElement("p");
      heading.className = "step-gradient";
      heading.textContent = `∂J/∂${nameOf(node)} = ${formatValues(node.grad!.data as Float64Array)}`;
      item.append(heading);
      const value = document.createElement("p");
      value.className = "step-value";
      value.textContent = `its value: ${formatValues(node.tensor.data as Float64Array)}, shape ${formatShape(node.tensor.shape)}`;
      item.append(value);
      const detail = document.createElement("p");
      detail.className = "step-rule";
      if (node.op) {
        const inputs = node.inputs.map((id) => nameOf(recorded!.byId.get(id)!)).join(", ");
        const formula = formulaOf(node.op);
        detail.textContent = `${node.op}(${inputs}) passes it on: ${formula.rule}`;
        item.append(detail);
        if (formula.note) {
          const note = document.createElement("p");
          note.className = "step-note";
          note.textContent = formula.note;
          item.append(note);
        }
      } else {
        detail.textContent =
          i === 0
            ? "J itself: the pass starts from ∂J/∂J = 1."
            : `A leaf: this is ${nameOf(node)}.grad.`;
        item.append(detail);
      }
      list.append(item);
    }
    position.textContent =
      shown === 0
        ? `Recorded ${steps.length} tensors that need a gradient; press "Next step" to start the backward pass.`
        : `Step ${shown} of ${steps.length}: ∂J/∂${nameOf(current!)} = ${formatValues(current!.grad!.data as Float64Array)}`;
    prev.disabled = shown === 0;
    next.disabled = shown === steps.length;
    all.disabled = shown === steps.length;
  }

  function show(): void {
    errorLine.textContent = "";
    try {
      recorded = record(
        parseExpression(expressionInput.value),
        parseVariables(variablesInput.value),
      );
      shown = 0;
    } catch (error) {
      recorded = undefined;
      graph.replaceChildren();
      list.replaceChildren();
      position.textContent = "";
      for (const button of [prev, next, all]) button.disabled = true;
      errorLine.textContent =
        error instanceof ParseError || error instanceof Error ? error.message : String(error);
      return;
    }
    void render();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show();
  });
  prev.addEventListener("click", () => {
    shown = Math.max(0, shown - 1);
    void render();
  });
  next.addEventListener("click", () => {
    shown = Math.min(recorded?.backwardOrder.length ?? 0, shown + 1);
    void render();
  });
  all.addEventListener("click", () => {
    shown = recorded?.backwardOrder.length ?? 0;
    void render();
  });
  show();
}
