import { getBackend, listBackends, setBackend } from "@tensortape/core";
import { afterEach, expect, test } from "vitest";

const initial = getBackend();
afterEach(() => setBackend(initial));

test("the WebAssembly backend is registered and is the default where SIMD runs", () => {
  expect(listBackends()).toEqual(["reference", "wasm"]);
  // The suite's setup may have chosen a backend; unset, the default is wasm.
  expect(getBackend().name).toBe(process.env.TENSORTAPE_BACKEND ?? "wasm");
  setBackend("reference");
  expect(getBackend().name).toBe("reference");
  setBackend("wasm");
  expect(getBackend().name).toBe("wasm");
});

test("setBackend names the registered backends when given an unknown one", () => {
  expect(() => setBackend("cuda")).toThrow(
    'setBackend: no backend named "cuda"; registered: reference, wasm',
  );
});

test("setBackend('webgpu') before the device is started says how to start it", () => {
  expect(() => setBackend("webgpu")).toThrow(
    'setBackend: the webgpu device has not been started\nhint: call `await initBackend("webgpu")` first',
  );
  expect(getBackend().name).toBe(initial.name);
});
