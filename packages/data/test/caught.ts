import { IdxFormatError } from "@tensortape/data";
import { expect } from "vitest";

/** The IdxFormatError that `read` throws; fails the test if it throws nothing or another error. */
export function caught(read: () => unknown): IdxFormatError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(IdxFormatError);
    return error as IdxFormatError;
  }
  throw new Error("expected an IdxFormatError, but nothing was thrown");
}
