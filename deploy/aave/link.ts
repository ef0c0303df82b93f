import type { Address, Hex } from "viem";
import { DeployError } from "../receipts.js";

/** Byte offsets of one library's placeholders in a hardhat artifact's bytecode. */
export type LinkReferences = Readonly<
  Record<string, readonly { readonly start: number; readonly length: number }[]>
>;

/**
 * Replaces hardhat's `__$…$__` library placeholders with deployed library addresses, at the byte offsets
 * the artifact's linkReferences give. Every referenced library must be supplied: a missing one would
 * leave a placeholder that makes the creation code invalid, so it is an error here rather than an
 * obscure revert on deployment.
 */
export function linkBytecode(
  bytecode: string,
  references: LinkReferences,
  libraries: Readonly<Record<string, Address>>,
): Hex {
  let hex = bytecode.startsWith("0x") ? bytecode.slice(2) : bytecode;
  for (const [name, offsets] of Object.entries(references)) {
    const library = libraries[name];
    if (!library) throw new DeployError(`cannot link bytecode: library ${name} was not deployed`);
    const replacement = library.slice(2).toLowerCase();
    for (const { start, length } of offsets) {
      const at = start * 2;
      hex = hex.slice(0, at) + replacement.padStart(length * 2, "0") + hex.slice(at + length * 2);
    }
  }
  if (hex.includes("__$")) throw new DeployError("cannot link bytecode: placeholders left after linking");
  return `0x${hex}`;
}
