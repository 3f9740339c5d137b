import { applyOp, type OpSpec } from "../autograd/apply.js";
import { DeviceArray, type DeviceName, deviceRuntime, placeOn, type Storage } from "../device.js";
import { ValueError } from "../errors.js";
import { Tensor } from "../tensor.js";

const DEVICES: readonly DeviceName[] = ["cpu", "webgpu"];

/** Copies the data across; the gradient goes back the same way. */
const toSpec: OpSpec<DeviceName, DeviceName> = {
  name: "to",
  forward: ([x], device) => {
    const storage = move(x!.storage, x!.dtype, device);
    return { output: new Tensor(storage, x!.shape, x!.dtype), saved: x!.device };
  },
  // d to(x) = g moved back to x's device.
  backward: (g, { saved: from }) => [to(g, from)],
};

function move(storage: Storage, dtype: Tensor["dtype"], device: DeviceName): Storage {
  if (storage instanceof DeviceArray) {
    const host = storage.runtime.readSync(storage, "to");
    return placeOn(device, host, dtype, "to");
  }
  return placeOn(device, storage.slice(), dtype, "to");
}

/**
 * The tensor on `device` ("cpu" or "webgpu"): itself if it is there already, else a copy,
 * recorded on the tape so gradients flow back to the original's device. Moving off a GPU
 * reads the data back synchronously; in a browser's main thread use `await t.read()`.
 */
export function to(x: Tensor, device: DeviceName): Tensor {
  if (!DEVICES.includes(device)) {
    throw new ValueError("to", `unknown device "${device}"; expected one of ${DEVICES.join(", ")}`);
  }
  if (x.device === device) return x;
  if (device !== "cpu") deviceRuntime("to", device);
  return applyOp(toSpec, [x], device);
}
