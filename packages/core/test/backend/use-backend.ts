/**
 * Vitest setup file: selects the backend named by the TENSORTAPE_BACKEND environment variable
 * ("wasm" or "reference"; unset keeps the default), so that one test suite runs on either.
 * vitest.config.ts runs the core tests once per backend with it.
 */
import { setBackend } from "@tensortape/core";

const name = process.env.TENSORTAPE_BACKEND;
if (name) setBackend(name);
