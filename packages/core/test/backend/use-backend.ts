/**
 * Vitest setup file: selects the backend named by the TENSORTAPE_BACKEND environment variable
 * ("wasm" or "reference"; unset keeps the default), so that one test suite runs on either.
 * vitest.config.ts runs the core tests once per backend with it. With
 * TENSORTAPE_POISON_RECYCLED=1, every array the backward pass gives back for reuse is filled
 * with NaN at once, so that a gradient read after its memory was given back shows.
 */
import { setBackend } from "@tensortape/core";
import { recyclingTesting } from "../../src/host-memory.js";

const name = process.env.TENSORTAPE_BACKEND;
if (name) setBackend(name);
if (process.env.TENSORTAPE_POISON_RECYCLED === "1") recyclingTesting.poison = true;
