/** Run artifacts: log, list (nested folders), read back, overwrite; paths that leave the root are refused. */
import { describe, expect, it } from "vitest";
import { expectCode, newRun, type SuiteContext, sorted } from "./context.js";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const byPath = (files: { path: string }[]) => sorted(files, (f) => f.path);

export function describeArtifacts(ctx: SuiteContext): void {
  describe("run artifacts", () => {
    it("logs text and bytes, lists each folder level with sizes, reads them back", async () => {
      const id = (await newRun(ctx)).info.run_id;
      const bytes = new Uint8Array(300).map((_, i) => (i * 7) % 256);
      await ctx.store.logArtifact(id, "notes.txt", "héllo\n");
      await ctx.store.logArtifact(id, "model/sub/weights.bin", bytes);
      await ctx.store.logArtifact(id, "model/MLmodel", "flavors: {}\n");
      const size = (s: string) => new TextEncoder().encode(s).length;
      expect(byPath(await ctx.store.listArtifacts(id))).toEqual([
        { path: "model", is_dir: true },
        { path: "notes.txt", is_dir: false, file_size: size("héllo\n") },
      ]);
      expect(byPath(await ctx.store.listArtifacts(id, "model"))).toEqual([
        { path: "model/MLmodel", is_dir: false, file_size: size("flavors: {}\n") },
        { path: "model/sub", is_dir: true },
      ]);
      expect(await ctx.store.listArtifacts(id, "model/sub")).toEqual([
        { path: "model/sub/weights.bin", is_dir: false, file_size: 300 },
      ]);
      expect(text(await ctx.store.readArtifact(id, "notes.txt"))).toBe("héllo\n");
      expect([...(await ctx.store.readArtifact(id, "model/sub/weights.bin"))]).toEqual([...bytes]);
    });

    it("a run with no artifacts lists none; a missing folder lists none; a missing file is RESOURCE_DOES_NOT_EXIST", async () => {
      const id = (await newRun(ctx)).info.run_id;
      expect(await ctx.store.listArtifacts(id)).toEqual([]);
      expect(await ctx.store.listArtifacts(id, "nothing/here")).toEqual([]);
      await expectCode(ctx.store.readArtifact(id, "missing.txt"), "RESOURCE_DOES_NOT_EXIST");
    });

    it("a 1 MiB binary file round-trips byte for byte; listing a file (not a folder) lists nothing", async () => {
      const id = (await newRun(ctx)).info.run_id;
      const big = new Uint8Array(1 << 20);
      for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
      await ctx.store.logArtifact(id, "model/model.bin", big);
      const back = await ctx.store.readArtifact(id, "model/model.bin");
      expect(back.length).toBe(big.length);
      expect(Buffer.from(back).equals(Buffer.from(big))).toBe(true);
      expect(await ctx.store.listArtifacts(id, "model")).toEqual([
        { path: "model/model.bin", is_dir: false, file_size: 1 << 20 },
      ]);
      expect(await ctx.store.listArtifacts(id, "model/model.bin")).toEqual([]);
    });

    it("logging a path again replaces its content", async () => {
      const id = (await newRun(ctx)).info.run_id;
      await ctx.store.logArtifact(id, "a.txt", "first, longer content");
      await ctx.store.logArtifact(id, "a.txt", "second");
      expect(text(await ctx.store.readArtifact(id, "a.txt"))).toBe("second");
      expect(await ctx.store.listArtifacts(id)).toEqual([{ path: "a.txt", is_dir: false, file_size: 6 }]);
    });

    it("paths that leave the artifact root are INVALID_PARAMETER_VALUE, for log, read and list", async () => {
      const id = (await newRun(ctx)).info.run_id;
      for (const bad of ["../escape.txt", "a/../../escape.txt", "/etc/passwd", "a/../../../b"]) {
        await expectCode(ctx.store.logArtifact(id, bad, "x"), "INVALID_PARAMETER_VALUE");
        await expectCode(ctx.store.readArtifact(id, bad), "INVALID_PARAMETER_VALUE");
      }
      await expectCode(ctx.store.listArtifacts(id, ".."), "INVALID_PARAMETER_VALUE");
      await expectCode(ctx.store.listArtifacts(id, "../.."), "INVALID_PARAMETER_VALUE");
      expect(await ctx.store.listArtifacts(id)).toEqual([]);
    });
  });
}
