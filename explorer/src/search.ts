/** What the search box was given: a 32-byte hash (message id or transaction), an address, or junk. */
export type SearchInput =
  | { kind: "hash"; value: string }
  | { kind: "address"; value: string }
  | { kind: "invalid"; message: string };

export function classifySearch(input: string): SearchInput {
  const value = input.trim().toLowerCase();
  if (/^0x[0-9a-f]{64}$/.test(value)) return { kind: "hash", value };
  if (/^0x[0-9a-f]{40}$/.test(value)) return { kind: "address", value };
  if (/^0x/.test(value) && value.length <= 44)
    return { kind: "invalid", message: `"${input.trim()}" is not an address (0x + 40 hex digits)` };
  return {
    kind: "invalid",
    message: `"${input.trim()}" is not a message id, transaction hash (0x + 64 hex digits) or address`,
  };
}
