// A module resolution hook for `pnpm run-ts`: @tensortape/* imports resolve from the workspace
// root, so a file anywhere on disk (not only inside the repository) uses the current sources.
import { register } from "node:module";

const root = new URL("../package.json", import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith("@tensortape/")) {
    return nextResolve(specifier, { ...context, parentURL: root });
  }
  return nextResolve(specifier, context);
}

// Imported with --import, this file registers itself as the hook.
if (!process.env.TENSORTAPE_RESOLVE_HOOK_LOADED) {
  process.env.TENSORTAPE_RESOLVE_HOOK_LOADED = "1";
  register(import.meta.url);
}
