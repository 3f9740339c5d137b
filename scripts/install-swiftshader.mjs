#!/usr/bin/env node
/**
 * Installs SwiftShader, Chromium's software Vulkan driver, into node_modules/.cache/swiftshader
 * so that Dawn (the `webgpu` package) finds an adapter on a machine without a GPU. Debian's
 * chromium-common package carries the driver and its own Vulkan loader; it is downloaded and
 * unpacked, never installed. Run directly, or imported for `swiftShaderDir()`.
 *
 *   node scripts/install-swiftshader.mjs
 */
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The folder holding the driver, its ICD manifest and the Vulkan loader. */
export const swiftShaderDir = join(root, "node_modules", ".cache", "swiftshader");

/** The ICD manifest that VK_ICD_FILENAMES must name (an absolute path). */
export const swiftShaderIcd = join(swiftShaderDir, "vk_swiftshader_icd.json");

/** Installs SwiftShader unless it is there already; returns the folder. */
export function installSwiftShader() {
  if (existsSync(swiftShaderIcd)) return swiftShaderDir;
  const work = mkdtempSync(join(tmpdir(), "swiftshader-"));
  try {
    const download = () =>
      execFileSync("apt-get", ["download", "chromium-common"], { cwd: work, stdio: "inherit" });
    try {
      try {
        download();
      } catch (first) {
        // A fresh machine may have no package lists yet: as root, fetch them and try again.
        if (process.getuid?.() !== 0) throw first;
        execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
        download();
      }
    } catch (error) {
      throw new Error(
        "install-swiftshader: `apt-get download chromium-common` failed; on Debian or Ubuntu run " +
          "`apt-get update` first (the package is downloaded, not installed, so no root is needed)",
        { cause: error },
      );
    }
    const deb = readdirSync(work).find(
      (f) => f.startsWith("chromium-common") && f.endsWith(".deb"),
    );
    if (!deb) throw new Error("install-swiftshader: apt-get download left no chromium-common .deb");
    const tree = join(work, "tree");
    execFileSync("dpkg-deb", ["-x", join(work, deb), tree], { stdio: "inherit" });
    const lib = join(tree, "usr", "lib", "chromium");
    mkdirSync(swiftShaderDir, { recursive: true });
    for (const file of ["libvk_swiftshader.so", "libvulkan.so.1"]) {
      const from = join(lib, file);
      if (!existsSync(from)) throw new Error(`install-swiftshader: chromium-common has no ${file}`);
      copyFileSync(from, join(swiftShaderDir, file));
    }
    // The manifest names the driver relative to itself; the loader is happier with an
    // absolute path, whatever the working directory.
    const icd = JSON.parse(readFileSync(join(lib, "vk_swiftshader_icd.json"), "utf8"));
    icd.ICD.library_path = join(swiftShaderDir, "libvk_swiftshader.so");
    // Written last: its presence marks a complete install.
    writeFileSync(swiftShaderIcd, `${JSON.stringify(icd, null, 2)}\n`);
    return swiftShaderDir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(`SwiftShader in ${installSwiftShader()}`);
}
