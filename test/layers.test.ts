/**
 * The floors of src/, read from the README's Layout section (listed bottom to top): a
 * file may import its own floor and the floors listed before it, never one listed after.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";

const root = path.join(__dirname, "..", "..");

/** Floor of each src/ entry ("config", "errors.ts", …), in README order. */
function floorsFromReadme(): string[] {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const section = readme.split(/^## Layout\s*$/m)[1];
  assert.ok(section, "README has a Layout section");
  const block = /```\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  return block
    .split("\n")
    .map((l) => /^src\/([A-Za-z0-9_.-]+)/.exec(l)?.[1]?.replace(/\/$/, ""))
    .filter((x): x is string => Boolean(x));
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

test("every src/ folder is a floor of the README's layout, and no file imports a floor above its own", () => {
  const floors = floorsFromReadme();
  const src = path.join(root, "src");
  const entries = fs.readdirSync(src);
  for (const e of entries) assert.ok(floors.includes(e), `src/${e} is missing from the README's Layout section`);
  const floorOf = (file: string) => floors.indexOf(path.relative(src, file).split(path.sep)[0]);
  const violations: string[] = [];
  for (const file of sourceFiles(src)) {
    const text = fs.readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
      let target = path.resolve(path.dirname(file), m[1]);
      if (!target.startsWith(src)) continue;
      if (fs.existsSync(`${target}.ts`)) target = `${target}.ts`;
      if (floorOf(target) > floorOf(file))
        violations.push(
          `${path.relative(root, file)} imports ${m[1]} (floor ${floors[floorOf(target)]} is above ${floors[floorOf(file)]})`,
        );
    }
  }
  assert.deepEqual(violations, []);
});
