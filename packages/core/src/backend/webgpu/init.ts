/**
 * Starting the WebGPU device: `await initBackend("webgpu")`. In a browser the device lives on
 * the calling thread (`navigator.gpu`); in Node it lives in a worker thread that loads the
 * `webgpu` package (Dawn), so that synchronous reads can wait for it.
 */
import { isDeviceStarted, registerDevice } from "../../device.js";
import { checkOptions, DeviceError, ValueError } from "../../errors.js";
import { DeviceHost } from "./device-host.js";
import { WebGpuKernels } from "./kernels.js";
import { CallerThreadTransport, WebGpuRuntime } from "./runtime.js";
import type { FromWorker } from "./worker-protocol.js";
import { type DeviceWorker, WorkerTransport } from "./worker-transport.js";

/** Options of `initBackend`. */
export interface InitBackendOptions {
  /**
   * Node only: where the device lives. "worker" (the default) lets `t.data` and `item()`
   * wait for the GPU; "caller" keeps it on this thread, where only `await t.read()` reads.
   */
  readonly thread?: "worker" | "caller";
  /** Node only: the path or URL of the `webgpu` package, if it is not resolvable from here. */
  readonly webgpu?: string;
}

interface NodeProcess {
  versions?: { node?: string };
  argv?: string[];
  getBuiltinModule?(id: string): unknown;
  cwd(): string;
}

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

const OPTIONS = ["thread", "webgpu"];

/**
 * Starts a backend that needs asynchronous setup; the CPU backends need none and return at
 * once. After `await initBackend("webgpu")`, `t.to("webgpu")` moves data to the GPU and
 * `setBackend("webgpu")` makes new tensors there. Throws a DeviceError when no adapter can
 * be had (no GPU and no software driver, or the `webgpu` package missing in Node).
 */
export async function initBackend(name: string, options: InitBackendOptions = {}): Promise<void> {
  checkOptions("initBackend", options, OPTIONS);
  if (name === "wasm" || name === "reference") return;
  if (name !== "webgpu") {
    throw new ValueError(
      "initBackend",
      `no backend named "${name}"; expected webgpu, wasm or reference`,
    );
  }
  if (isDeviceStarted("webgpu")) return;
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  const node = nodeProcess();
  if (nav?.gpu && !node) {
    registerDevice(await callerRuntime(nav.gpu));
    return;
  }
  if (!node) {
    throw new DeviceError("initBackend", "this engine has no WebGPU (navigator.gpu is missing)");
  }
  const url = webgpuUrl(node, options.webgpu);
  if ((options.thread ?? "worker") === "caller") {
    const dawn = (await import(/* @vite-ignore */ url)) as DawnModule;
    Object.assign(globalThis, dawn.globals);
    registerDevice(await callerRuntime(dawn.create([])));
    return;
  }
  registerDevice(await workerRuntime(node, url));
}

function nodeProcess(): NodeProcess | undefined {
  const process = (globalThis as { process?: NodeProcess }).process;
  return process?.versions?.node ? process : undefined;
}

/**
 * Dawn's instances in use on this thread: one garbage collected while its device is in use
 * frees memory the device still polls, and the process crashes.
 */
const instances: GPU[] = [];

async function callerRuntime(gpu: GPU): Promise<WebGpuRuntime> {
  instances.push(gpu);
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw noAdapter("requestAdapter() returned null");
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
    },
  });
  const host = new DeviceHost(new WebGpuKernels(device));
  device.addEventListener("uncapturederror", (event) => {
    host.fail({ name: "GPUError", message: (event as GPUUncapturedErrorEvent).error.message });
  });
  const info = adapter.info;
  const adapterName = [info.vendor, info.architecture, info.description].filter(Boolean).join(" ");
  return new WebGpuRuntime(new CallerThreadTransport(host), adapterName || "unknown adapter");
}

async function workerRuntime(node: NodeProcess, url: string): Promise<WebGpuRuntime> {
  const threads = node.getBuiltinModule?.("node:worker_threads") as
    | { Worker: new (code: string, options: object) => DeviceWorker & { terminate(): unknown } }
    | undefined;
  if (!threads) throw new DeviceError("initBackend", "this Node has no worker_threads");
  const { deviceWorkerSource } = await import("./generated/device-worker.js");
  const status = new SharedArrayBuffer(4096);
  const worker = new threads.Worker(deviceWorkerSource, {
    eval: true,
    workerData: { webgpu: url, status },
  });
  const ready = await new Promise<FromWorker>((resolve) => {
    worker.on("message", resolve);
    (worker as unknown as { on(e: "error", l: (e: Error) => void): void }).on("error", (error) =>
      resolve({ kind: "failed", message: error.message }),
    );
  });
  if (ready.kind !== "ready") {
    void worker.terminate();
    throw noAdapter(ready.kind === "failed" ? ready.message : "the device worker did not start");
  }
  worker.unref();
  return new WebGpuRuntime(new WorkerTransport(worker, status), ready.adapter);
}

function noAdapter(cause: string): DeviceError {
  return new DeviceError(
    "initBackend",
    `no WebGPU adapter: ${cause}`,
    "in Node, install the `webgpu` package and a Vulkan, Metal or D3D12 driver (a software one: SwiftShader)",
  );
}

/**
 * The `webgpu` package's URL: given, or resolved as the application would resolve it (from
 * the working directory, then from the main script's folder).
 */
function webgpuUrl(node: NodeProcess, given: string | undefined): string {
  const url = node.getBuiltinModule?.("node:url") as {
    pathToFileURL(path: string): { href: string };
  };
  const module = node.getBuiltinModule?.("node:module") as {
    createRequire(from: string): { resolve(id: string): string };
  };
  if (given) return given.startsWith("file:") ? given : url.pathToFileURL(given).href;
  const main = node.argv?.[1];
  const bases = [`${node.cwd()}/`, main ? main.replace(/[^/\\]*$/, "") : undefined];
  for (const base of bases) {
    if (!base) continue;
    try {
      return url.pathToFileURL(module.createRequire(base).resolve("webgpu")).href;
    } catch {
      // Not resolvable from there: try the next place.
    }
  }
  throw noAdapter("the `webgpu` package is not installed (npm install webgpu)");
}
