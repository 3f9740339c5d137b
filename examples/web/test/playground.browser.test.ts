/**
 * The built playground in a real browser: Debian's Chromium driven by playwright-core, against
 * `vite preview` (which sends COOP/COEP, so the page is cross-origin isolated). The page loads
 * without console errors or warnings; training runs 50 steps and the loss falls, with the
 * WebAssembly backend's threads running as Web Workers; a digit drawn with pointer events is
 * classified correctly by the shipped checkpoint; the Backward view draws the tape and gives
 * the gradients the notes derive. Each view's screenshot is saved in screenshots/.
 *
 * Run `pnpm playground:build` first. Where Chromium is missing the suite is skipped with a
 * message, unless TENSORTAPE_REQUIRE_BROWSER=1 (CI), where that fails it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { type PreviewServer, preview } from "vite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const screenshots = join(root, "screenshots");
const executablePath = process.env.TENSORTAPE_CHROMIUM ?? "/usr/bin/chromium";
const required = process.env.TENSORTAPE_REQUIRE_BROWSER === "1";
const available = existsSync(executablePath);

if (!available) {
  const message =
    `playground browser tests: no Chromium at ${executablePath}. Install it with ` +
    "`sudo apt-get install -y chromium` (Debian, Ubuntu) or point TENSORTAPE_CHROMIUM at one.";
  if (required) throw new Error(`${message} TENSORTAPE_REQUIRE_BROWSER=1: failing, not skipping.`);
  console.warn(`${message} Skipping.`);
}

/** A free TCP port on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Chromium's flags for every run: no sandbox (root), no network chatter, a fresh profile. */
const BASE_FLAGS = [
  "--no-sandbox",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The built site under `vite preview` in a fresh headless Chromium, and how to close both. */
interface Session {
  readonly page: Page;
  close(): Promise<void>;
}

/**
 * Serves the built site and opens it in headless Chromium with `flags` besides the base
 * ones; console messages of the kinds in `reported` (the page's and its workers') and
 * uncaught errors go into `problems`.
 */
async function openPlayground(
  flags: readonly string[],
  reported: readonly string[],
  problems: string[],
): Promise<Session> {
  if (!existsSync(join(root, "dist", "index.html"))) {
    throw new Error("no built site in examples/web/dist: run `pnpm playground:build` first");
  }
  mkdirSync(screenshots, { recursive: true });
  const port = await freePort();
  const server: PreviewServer = await preview({
    root,
    configFile: join(root, "vite.config.ts"),
    logLevel: "warn",
    preview: { host: "127.0.0.1", port, strictPort: true, open: false },
  });
  const profile = mkdtempSync(join(tmpdir(), "tensortape-chromium-"));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: [...BASE_FLAGS, ...flags],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (message) => {
    if (reported.includes(message.type())) problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.locator("#runtime").filter({ hasText: "Backend" }).waitFor();
  return {
    page,
    close: async () => {
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

describe.skipIf(!available)("the playground in Chromium", () => {
  let session: Session | undefined;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    session = await openPlayground(["--disable-gpu"], ["error", "warning"], problems);
    page = session.page;
  });

  afterAll(async () => {
    await session?.close();
  });

  test("the page is cross-origin isolated and runs the WebAssembly backend", async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await expect.poll(() => page.locator("#runtime").textContent()).toMatch(/Backend: wasm/);
  });

  test("training runs 50 steps, the loss falls, and kernels run on Web Workers", async () => {
    await page.locator("#tab-train").click();
    await expect
      .poll(() => page.locator("#train-backend").textContent())
      .toMatch(/^wasm, \d+ threads?/);
    // Batches of 512 make products of 51 M multiply-adds, milliseconds each, which the backend
    // tries split over its threads (smaller ones it never splits, so it starts no workers).
    await page.locator("#train-batch").selectOption("512");
    await page.locator("#train-start").click();
    const step = async () =>
      Number((await page.locator("#train-step").textContent())?.split(" ")[0]);
    await expect.poll(step, { timeout: 150_000, interval: 250 }).toBeGreaterThanOrEqual(50);
    await page.locator("#train-pause").click();
    // The worker says where it stopped; the readouts show that step.
    await expect
      .poll(() => page.locator("#train-status").textContent())
      .toMatch(/^Paused at step \d+\.$/);
    const pausedAt = Number(/\d+/.exec((await page.locator("#train-status").textContent())!)![0]);
    expect(await step()).toBe(pausedAt);
    await expect.poll(() => page.locator("#train-pause").textContent()).toBe("Resume");
    // "0.4321 (first step 2.3012)": the mean of the last 20 steps against the first step.
    const loss = (await page.locator("#train-loss").textContent())!;
    const [, now, first] = /^([\d.]+) \(first step ([\d.]+)\)$/.exec(loss)!;
    expect(Number(first)).toBeGreaterThan(1.5);
    expect(Number(now)).toBeLessThan(0.6 * Number(first));
    expect(await page.locator("#train-progress").getAttribute("aria-valuetext")).toMatch(
      /^step \d+ of \d+$/,
    );
    // The training worker, and the kernel workers it started over the shared memory.
    const threads = Number(
      /wasm, (\d+) thread/.exec((await page.locator("#train-backend").textContent())!)![1],
    );
    expect(threads).toBeGreaterThan(1);
    const workers = page.workers().map((w) => w.url());
    expect(workers.filter((url) => url.startsWith("blob:")).length).toBe(threads - 1);
    expect(workers.length).toBeGreaterThan(1);
    await page.screenshot({ path: join(screenshots, "train.png"), fullPage: true });
  });

  /** Draws `strokes` (points in the canvas's 280 × 280 coordinates) with the mouse. */
  async function draw(strokes: [number, number][][]): Promise<void> {
    const box = (await page.locator("#draw-canvas").boundingBox())!;
    const scale = box.width / 280;
    for (const stroke of strokes) {
      const [x0, y0] = stroke[0]!;
      await page.mouse.move(box.x + x0 * scale, box.y + y0 * scale);
      await page.mouse.down();
      for (const [x, y] of stroke.slice(1)) {
        await page.mouse.move(box.x + x * scale, box.y + y * scale, { steps: 3 });
      }
      await page.mouse.up();
    }
  }

  test("a drawn 0 and a drawn 7 are classified correctly by the shipped checkpoint", async () => {
    await page.locator("#tab-draw").click();
    await expect.poll(() => page.locator("#draw-model").inputValue()).toBe("checkpoint");
    await page.locator("#draw-clear").click();
    // An upright ellipse.
    const ellipse: [number, number][] = [];
    for (let i = 0; i <= 40; i++) {
      const angle = (i / 40) * 2 * Math.PI;
      ellipse.push([140 + 55 * Math.sin(angle), 140 - 85 * Math.cos(angle)]);
    }
    await draw([ellipse]);
    await expect.poll(() => page.locator("#draw-canvas").getAttribute("data-prediction")).toBe("0");
    await expect.poll(() => page.locator("#draw-prediction").textContent()).toMatch(/^0 \(/);
    await page.locator("#draw-clear").click();
    // A 7: a bar across the top and a stroke down to the left.
    await draw([
      [
        [70, 60],
        [210, 60],
        [120, 230],
      ],
    ]);
    await expect.poll(() => page.locator("#draw-canvas").getAttribute("data-prediction")).toBe("7");
    await page.screenshot({ path: join(screenshots, "draw.png"), fullPage: true });
    // The model trained (and paused) above classifies too, once asked for.
    await page.locator("#draw-model").selectOption("trained");
    await expect
      .poll(() => page.locator("#draw-prediction").textContent())
      .toMatch(/^\d \([\d.]+ %, by the model trained here\)$/);
    await page.locator("#draw-model").selectOption("checkpoint");
    await expect
      .poll(() => page.locator("#draw-prediction").textContent())
      .toMatch(/^7 \([\d.]+ %, by the shipped checkpoint\)$/);
  });

  test("the Backward view draws the tape and gives each node's gradient", async () => {
    await page.locator("#tab-backward").click();
    // relu(w*x + b) at w = 2, x = 3, b = −1: z = 5 > 0, so ∂J/∂w = x = 3, ∂J/∂x = w = 2, ∂J/∂b = 1.
    await expect
      .poll(() => page.locator("#backward-expression").inputValue())
      .toBe("relu(w*x + b)");
    await page.locator("#backward-graph svg").waitFor();
    expect(await page.locator("#backward-graph svg g.node").count()).toBe(6);
    await page.locator("#backward-next").click();
    await expect
      .poll(() => page.locator("#backward-position").textContent())
      .toMatch(/^Step 1 of 6: ∂J\/∂relu\(w\*x \+ b\) = 1$/);
    await page.locator("#backward-next").click();
    await expect
      .poll(() => page.locator("#backward-list li").nth(1).textContent())
      .toContain("∂J/∂(w*x + b) = 1");
    await page.locator("#backward-all").click();
    const steps = await page.locator("#backward-list .step-gradient").allTextContents();
    expect(steps).toEqual(expect.arrayContaining(["∂J/∂w = 3", "∂J/∂x = 2", "∂J/∂b = 1"]));
    // The graph marks each node the pass has reached with its gradient: w's is x = 3.
    await expect.poll(() => page.locator("#backward-graph svg").textContent()).toContain("∂J = 3");
    await expect
      .poll(() => page.locator("#backward-list").textContent())
      .toContain("∂J/∂z = g ⊙ 1{z > 0}");

    // Softmax cross-entropy: ∂J/∂s = softmax(s) − onehot(y) (note 004).
    await page.locator("#backward-example").selectOption({ label: "Softmax cross-entropy" });
    await page.locator("#backward-all").click();
    const s = [1, 2, 0.5];
    const total = s.reduce((sum, v) => sum + Math.exp(v), 0);
    const expected = s.map((v, k) => Math.exp(v) / total - (k === 1 ? 1 : 0));
    const text = await page
      .locator("#backward-list .step-gradient")
      .filter({ hasText: /^∂J\/∂s = / })
      .textContent();
    const values = /\[(.*)\]/.exec(text!)![1]!.split(", ").map(Number);
    expect(values).toHaveLength(3);
    for (const [k, v] of values.entries()) expect(v).toBeCloseTo(expected[k]!, 3);
    await page.locator("#backward-example").selectOption({ label: "A ReLU neuron" });
    await page.locator("#backward-next").click();
    await page.locator("#backward-next").click();
    await page.screenshot({ path: join(screenshots, "backward.png"), fullPage: true });
  });

  test("a mistyped expression is reported, not evaluated", async () => {
    await page.locator("#backward-expression").fill("relu(w*x + ");
    await page.locator("#backward-run").click();
    await expect
      .poll(() => page.locator("#backward-error").textContent())
      .toMatch(/ends too early/);
    await page.locator("#backward-expression").fill("alert(1)");
    await page.locator("#backward-run").click();
    await expect
      .poll(() => page.locator("#backward-error").textContent())
      .toMatch(/unknown function alert/);
  });

  test("every view fits a phone's width and is reachable by keyboard", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator("#tab-backward").focus();
    for (const [key, view] of [
      ["ArrowRight", "train"],
      ["ArrowRight", "draw"],
      ["ArrowLeft", "train"],
      ["End", "backward"],
      ["Home", "train"],
    ] as const) {
      await page.keyboard.press(key);
      await expect.poll(() => page.locator(`#view-${view}`).isVisible()).toBe(true);
      await expect
        .poll(() => page.locator(`#tab-${view}`).evaluate((e) => e === document.activeElement))
        .toBe(true);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `${view} at 390 px`).toBeLessThanOrEqual(0);
    }
    await page.keyboard.press("ArrowRight");
    await page.locator("#draw-canvas").focus();
    await page.keyboard.press("Delete");
    await expect.poll(() => page.locator("#draw-prediction").textContent()).toBe("Draw a digit.");
    await page.screenshot({ path: join(screenshots, "phone-draw.png"), fullPage: true });
    // Every form control has a label.
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("input, select, button, canvas[tabindex]")]
        .filter((element) => {
          const e = element as HTMLInputElement;
          return !(e.labels?.length || e.getAttribute("aria-label") || e.textContent?.trim());
        })
        .map((e) => e.id),
    );
    expect(unlabelled).toEqual([]);
  });

  test("nothing was logged as an error or a warning", () => {
    expect(problems).toEqual([]);
  });
});

/**
 * WebGPU in the browser: Chromium's WebGPU on SwiftShader (its software Vulkan), so the device
 * path runs here without a GPU. The training worker finds the adapter, moves the model to the
 * GPU and reads every value with `await t.read()` (a worker's reads never block on the GPU).
 */
describe.skipIf(!available)("the playground on WebGPU in Chromium", () => {
  let session: Session | undefined;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    const webgpu = [
      "--enable-unsafe-webgpu",
      "--enable-features=Vulkan",
      "--use-webgpu-adapter=swiftshader",
      "--use-angle=swiftshader",
    ];
    session = await openPlayground(webgpu, ["error"], problems);
    page = session.page;
  });

  afterAll(async () => {
    await session?.close();
  });

  test("training runs on the GPU and the loss falls", async () => {
    const hasAdapter = () =>
      (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu
        ?.requestAdapter()
        .then((adapter) => adapter !== null);
    expect(await page.evaluate(hasAdapter)).toBe(true);
    await page.locator("#tab-train").click();
    await expect
      .poll(() => page.locator("#train-backend").textContent(), { timeout: 30_000 })
      .toMatch(/^webgpu/);
    await page.locator("#train-start").click();
    const step = async () =>
      Number((await page.locator("#train-step").textContent())?.split(" ")[0]);
    await expect.poll(step, { timeout: 240_000, interval: 500 }).toBeGreaterThanOrEqual(30);
    await page.locator("#train-pause").click();
    await expect
      .poll(() => page.locator("#train-status").textContent())
      .toMatch(/^Paused at step \d+\.$/);
    const loss = (await page.locator("#train-loss").textContent())!;
    const [, now, first] = /^([\d.]+) \(first step ([\d.]+)\)$/.exec(loss)!;
    expect(Number(first)).toBeGreaterThan(1.5);
    expect(Number(now)).toBeLessThan(0.8 * Number(first));
    await page.screenshot({ path: join(screenshots, "train-webgpu.png"), fullPage: true });
    expect(problems).toEqual([]);
  });
});
